package frigate

import (
	"encoding/json"
	"math"
	"time"
)

// Message is one message of Frigate's frigate/events topic: "new" when an
// object is first tracked, "update" as it changes, "end" when it leaves
// (https://docs.frigate.video/integrations/mqtt, frigate/events). Fields
// this bridge does not use are ignored.
type Message struct {
	Type   string  `json:"type"` // new, update or end
	Before *Object `json:"before"`
	After  *Object `json:"after"`
}

// Object is the tracked object of a message.
type Object struct {
	ID            string    `json:"id"`     // Frigate's event id, e.g. "1607123955.475377-mxklsc"
	Camera        string    `json:"camera"` // Frigate's camera name
	FrameTime     float64   `json:"frame_time"`
	Label         string    `json:"label"`
	SubLabel      SubLabel  `json:"sub_label"`
	Score         float64   `json:"score"`
	TopScore      float64   `json:"top_score"`
	FalsePositive bool      `json:"false_positive"`
	StartTime     float64   `json:"start_time"`
	EndTime       *float64  `json:"end_time"`
	Box           []float64 `json:"box"` // [x0, y0, x1, y1], pixels of the camera's detect resolution
	CurrentZones  []string  `json:"current_zones"`
	EnteredZones  []string  `json:"entered_zones"`
	SnapshotTime  float64   `json:"snapshot_time"` // before 0.14: when the best frame was taken
	Snapshot      *Snapshot `json:"snapshot"`      // 0.14 and later: the best frame
}

// Snapshot is Frigate 0.14's best frame of an object.
type Snapshot struct {
	FrameTime float64   `json:"frame_time"`
	Box       []float64 `json:"box"`
	Score     float64   `json:"score"`
}

// SubLabel is Frigate's sub_label: a string before 0.14, [name, score]
// since, or null.
type SubLabel string

// UnmarshalJSON reads every form.
func (s *SubLabel) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = SubLabel(str)
		return nil
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err == nil && len(pair) > 0 {
		_ = json.Unmarshal(pair[0], &str)
		*s = SubLabel(str)
		return nil
	}
	*s = ""
	return nil
}

// BestTime is when the object was seen best: the snapshot's frame (0.14+),
// else snapshot_time (older Frigate), else its start.
func (o *Object) BestTime() time.Time {
	t := o.StartTime
	switch {
	case o.Snapshot != nil && o.Snapshot.FrameTime > 0:
		t = o.Snapshot.FrameTime
	case o.SnapshotTime > 0:
		t = o.SnapshotTime
	}
	return unixFloat(t)
}

func unixFloat(t float64) time.Time {
	sec, frac := math.Modf(t)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
}
