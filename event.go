package shrinkscope

import (
	"time"

	"github.com/google/uuid"
)

// Method is the detector's concealment class.
type Method string

// Concealment methods the detector tells apart.
const (
	MethodPocket   Method = "pocket"
	MethodBag      Method = "bag"
	MethodClothing Method = "under_clothing"
	MethodSleeve   Method = "sleeve"
	MethodStroller Method = "stroller"
	MethodOther    Method = "other"
	MethodUnknown  Method = "unknown"
)

// Methods lists every method, in a stable order.
var Methods = []Method{MethodPocket, MethodBag, MethodClothing, MethodSleeve, MethodStroller, MethodOther, MethodUnknown}

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	for _, x := range Methods {
		if x == m {
			return true
		}
	}
	return false
}

// EventInput is one concealment event as a client sends it.
type EventInput struct {
	ID         string   `json:"id"`
	Store      string   `json:"store"`
	Zone       string   `json:"zone"`
	Camera     string   `json:"camera"`
	Track      string   `json:"track"`
	OccurredAt string   `json:"occurred_at"`
	Score      *float64 `json:"score"`
	Method     Method   `json:"method"`
	Category   string   `json:"category"`
	EstValue   *float64 `json:"est_value"`
}

// Event is a validated concealment event. Store and zone are codes until
// resolved by the storage layer, which fills StoreID and ZoneID.
type Event struct {
	ID         uuid.UUID
	Store      string
	Zone       string
	StoreID    int64
	ZoneID     int64
	Camera     string
	Track      string
	OccurredAt time.Time
	Score      float64
	Method     Method
	Category   string  // "" means the zone's category
	EstValue   float64 // negative means the zone's unit value
}

// Limits on ingested times, relative to the server clock.
const (
	// MaxClockSkew is how far in the future a timestamp may lie.
	MaxClockSkew = 15 * time.Minute
)

// Earliest is the earliest timestamp the service accepts, and Latest the
// first it no longer accepts: every date and instant of the API lies in
// [Earliest, Latest). No shop's event, layout change, plan or report falls
// outside this century, and a bound keeps a typo or a probe (0001-01-01,
// 9999-12-31) from becoming a layout version from year 1 or a period whose
// date arithmetic runs off the calendar.
var (
	Earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	Latest   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckDate returns an EINVALID *Error naming field when t lies outside
// [Earliest, Latest), else nil.
func CheckDate(field string, t time.Time) error {
	if t.Before(Earliest) || !t.Before(Latest) {
		return Errorf(EINVALID, field, "%s %s is outside %s..%s, the dates the service accepts", field,
			t.Format(time.DateOnly), Earliest.Format(time.DateOnly), Latest.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return nil
}

// Parse validates the input against now and returns the event; errors go to
// be under item index i.
func (in *EventInput) Parse(i int, now time.Time, be *BatchError) (Event, bool) {
	n := len(be.Items)
	ev := Event{Store: in.Store, Zone: in.Zone, Camera: in.Camera, Track: in.Track, Method: in.Method, Category: in.Category, EstValue: -1}
	id, err := uuid.Parse(in.ID)
	switch {
	case in.ID == "":
		be.Add(i, "id", "id is required (a UUID, preferably v7)")
	case err != nil || len(in.ID) != 36:
		be.Add(i, "id", "id %q is not a UUID", in.ID)
	case id == uuid.Nil:
		be.Add(i, "id", "id must not be the nil UUID")
	}
	ev.ID = id
	if !ValidCode(in.Store) {
		be.Add(i, "store", "store code %q is missing or malformed", in.Store)
	}
	if !ValidCode(in.Zone) {
		be.Add(i, "zone", "zone id %q is missing or malformed", in.Zone)
	}
	for _, f := range [...]struct{ name, value string }{{"camera", in.Camera}, {"track", in.Track}, {"category", in.Category}} {
		if p := TextProblem(f.name, f.value, 64); p != "" {
			be.Add(i, f.name, "%s", p)
		}
	}
	ev.OccurredAt = parseInstant(i, "occurred_at", in.OccurredAt, now, be)
	switch {
	case in.Score == nil:
		be.Add(i, "score", "score is required")
	case !(*in.Score >= 0 && *in.Score <= 1):
		be.Add(i, "score", "score must be between 0 and 1, got %v", *in.Score)
	default:
		ev.Score = *in.Score
	}
	if ev.Method == "" {
		ev.Method = MethodUnknown
	} else if !ev.Method.Valid() {
		be.Add(i, "method", "method %q is not one of %v", in.Method, Methods)
	}
	if in.EstValue != nil {
		if !(*in.EstValue >= 0 && *in.EstValue <= 1e6) {
			be.Add(i, "est_value", "est_value must be between 0 and 1000000, got %v", *in.EstValue)
		} else {
			ev.EstValue = *in.EstValue
		}
	}
	return ev, len(be.Items) == n
}

// ParseInstant reads the required RFC 3339 timestamp s of item i's field
// as events' times are read (no earlier than Earliest, no later than
// now+MaxClockSkew), in UTC; errors go to be.
func ParseInstant(i int, field, s string, now time.Time, be *BatchError) time.Time {
	return parseInstant(i, field, s, now, be)
}

// parseInstant reads a required RFC 3339 timestamp no earlier than Earliest
// and no later than now+MaxClockSkew.
func parseInstant(i int, field, s string, now time.Time, be *BatchError) time.Time {
	if s == "" {
		be.Add(i, field, "%s is required (RFC 3339, e.g. 2026-03-01T14:05:00Z)", field)
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		be.Add(i, field, "%s %q is not an RFC 3339 timestamp", field, s)
		return time.Time{}
	}
	if t.After(now.Add(MaxClockSkew)) {
		be.Add(i, field, "%s %s is in the future (server time %s)", field, s, now.UTC().Format(time.RFC3339))
	}
	if t.Before(Earliest) {
		be.Add(i, field, "%s %s is before %s", field, s, Earliest.Format("2006-01-02"))
	}
	return t.UTC()
}
