package frigate

import (
	"math"
	"slices"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/vision"
)

// Decision is what one message makes: an event, a visitor, or nothing
// with the reason.
type Decision struct {
	Event   *ss.EventInput // a concealment event, its id derived from Frigate's
	Visitor bool           // a person object in an entrance zone
	At      time.Time      // when the visitor entered
	Key     string         // what makes it once only: the event id, or the person's
	Drop    string         // why nothing, for the debug log
}

// Mapper turns Frigate objects into events and visitors. It is a pure
// function of the config, the zones and the message; remembering which
// objects were already sent is the caller's.
type Mapper struct {
	cfg  *Config
	cams map[string]*CameraConfig
}

// NewMapper prepares cfg's cameras.
func NewMapper(cfg *Config) *Mapper {
	m := &Mapper{cfg: cfg, cams: map[string]*CameraConfig{}}
	for i := range cfg.Cameras {
		m.cams[cfg.Cameras[i].Name] = &cfg.Cameras[i]
	}
	return m
}

// Map decides one message. zones places the boxes of calibrated cameras
// (nil: not fetched yet).
func (m *Mapper) Map(msg *Message, zones *vision.ZoneIndex) Decision {
	o := msg.After
	if o == nil || o.ID == "" {
		return Decision{Drop: "no after object"}
	}
	cam := m.cams[o.Camera]
	if cam == nil {
		return Decision{Drop: "camera " + o.Camera + " is not in the config"}
	}
	if o.FalsePositive {
		return Decision{Drop: "false positive"}
	}
	start := unixFloat(o.StartTime)
	if o.Label == m.cfg.Person {
		for _, z := range o.EnteredZones {
			if slices.Contains(cam.Entrance, z) {
				at := start
				if o.FrameTime > 0 {
					at = unixFloat(o.FrameTime)
				}
				return Decision{Visitor: true, At: at, Key: "visitor-" + EventID(m.cfg.Store, cam.ID, o.ID, start.UnixMilli())}
			}
		}
		return Decision{Drop: "person outside the entrance zones"}
	}
	method, ok := m.cfg.Methods[string(o.SubLabel)]
	if !ok || o.SubLabel == "" {
		if method, ok = m.cfg.Methods[o.Label]; !ok {
			return Decision{Drop: "label " + o.Label + " is not mapped to a method"}
		}
	}
	score := o.TopScore
	if score == 0 {
		score = o.Score
	}
	if score < m.cfg.MinScore {
		return Decision{Drop: "top_score under min_score"}
	}
	zone := m.zone(cam, o, zones)
	if zone == "" {
		return Decision{Drop: "in no zone"}
	}
	score = math.Round(min(score, 1)*1e4) / 1e4
	id := EventID(m.cfg.Store, cam.ID, o.ID, start.UnixMilli())
	return Decision{Key: id, Event: &ss.EventInput{
		ID: id, Store: m.cfg.Store, Zone: zone, Camera: cam.ID, Track: trackID(m.cfg.Store, cam.ID, o.ID),
		OccurredAt: o.BestTime().Format(time.RFC3339Nano), Score: &score, Method: ss.Method(method),
	}}
}

// zone is the object's zone code: the first mapped Frigate zone it stands
// in, else the last mapped one it entered; for a calibrated camera, the
// zone holding the bottom centre of its box on the floor plan.
func (m *Mapper) zone(cam *CameraConfig, o *Object, zones *vision.ZoneIndex) string {
	if len(cam.Zones) > 0 {
		for _, z := range o.CurrentZones {
			if code, ok := cam.Zones[z]; ok {
				return code
			}
		}
		for i := len(o.EnteredZones) - 1; i >= 0; i-- {
			if code, ok := cam.Zones[o.EnteredZones[i]]; ok {
				return code
			}
		}
		return ""
	}
	box := o.Box
	if o.Snapshot != nil && len(o.Snapshot.Box) == 4 {
		box = o.Snapshot.Box // where it was seen best
	}
	if zones == nil || len(box) != 4 {
		return ""
	}
	x, y := cam.homography.Apply((box[0]+box[2])/2, box[3])
	if z := zones.Lookup(x, y); z != nil {
		return z.Code
	}
	return ""
}

// Calibrated reports whether any camera places boxes by calibration, and so
// needs the store's zones.
func (c *Config) Calibrated() bool {
	for _, cam := range c.Cameras {
		if len(cam.Calibration) > 0 {
			return true
		}
	}
	return false
}
