package alerts

import (
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
)

// Status is where an alert stands.
type Status string

// Statuses.
const (
	StatusOpen    Status = "open"    // nobody holds it
	StatusClaimed Status = "claimed" // an operator holds it
	StatusClosed  Status = "closed"  // decided, with an outcome
)

// Valid reports whether st is a known status.
func (st Status) Valid() bool { return st == StatusOpen || st == StatusClaimed || st == StatusClosed }

// Change is what happened to an alert: one stream message each.
type Change string

// Changes.
const (
	ChangeOpened    Change = "opened"
	ChangeClaimed   Change = "claimed"
	ChangeReleased  Change = "released"
	ChangeClosed    Change = "closed"
	ChangeEscalated Change = "escalated" // unclaimed past the store's claim_seconds
	ChangeExpired   Change = "expired"   // closed unresolved by the system past expire_minutes
)

// SystemCloser is closed_by of an alert the system closed on expiry.
const SystemCloser = "system"

// Event is the detection an alert is about.
type Event struct {
	ID         uuid.UUID `json:"id"`
	Store      string    `json:"store"`
	Zone       string    `json:"zone"`
	Camera     string    `json:"camera"`
	Category   string    `json:"category"`
	EstValue   float64   `json:"est_value"`
	Method     ss.Method `json:"method"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Alert is one alert with its event and its state.
type Alert struct {
	ID             int64      `json:"id"`
	Status         Status     `json:"status"`
	Store          string     `json:"store"`
	Event          Event      `json:"event"`
	OpenedAt       time.Time  `json:"opened_at"`
	Holder         string     `json:"holder"`             // the claiming token's name; "" when nobody holds it
	HolderID       *int64     `json:"holder_id"`          // the claiming token's id
	ClaimedAt      *time.Time `json:"claimed_at"`         // the current claim
	RespondedAt    *time.Time `json:"responded_at"`       // the first claim: the response time's end
	EscalatedAt    *time.Time `json:"escalated_at"`       // when alert.unclaimed was raised
	ClosedAt       *time.Time `json:"closed_at"`          // when it was closed
	ClosedBy       string     `json:"closed_by"`          // who closed it; "system" on expiry
	Outcome        string     `json:"outcome"`            // the outcome written for its event; "" until closed
	ValueRecovered *float64   `json:"value_recovered"`    // with a recovered outcome
	Note           string     `json:"note"`               // the closer's note
	Change         Change     `json:"change,omitempty"`   // in a stream message: what changed
	Evidence       bool       `json:"evidence,omitempty"` // a clip is kept for it (GET /api/v1/alerts/{id}/evidence); absent without one, and always from webhooks
	storeID        int64
}

// Settings are a store's escalation settings.
type Settings struct {
	Store string `json:"store"`
	// ClaimSeconds: an alert nobody claimed this long after it opened raises alert.unclaimed. Default 60.
	ClaimSeconds int `json:"claim_seconds"`
	// ExpireMinutes: an alert not closed this long after it opened is closed unresolved by the system. Default 30.
	ExpireMinutes int `json:"expire_minutes"`
}

// Defaults of Settings, for a store that has set none.
const (
	DefaultClaimSeconds  = 60
	DefaultExpireMinutes = 30
)

// Validate names the first field out of range.
func (st Settings) Validate() error {
	if st.ClaimSeconds < 5 || st.ClaimSeconds > 3600 {
		return ss.Errorf(ss.EINVALID, "claim_seconds", "claim_seconds must be between 5 and 3600, got %d", st.ClaimSeconds)
	}
	if st.ExpireMinutes < 1 || st.ExpireMinutes > 1440 {
		return ss.Errorf(ss.EINVALID, "expire_minutes", "expire_minutes must be between 1 and 1440, got %d", st.ExpireMinutes)
	}
	if st.ExpireMinutes*60 <= st.ClaimSeconds {
		return ss.Errorf(ss.EINVALID, "expire_minutes", "expire_minutes (%d) must be longer than claim_seconds (%d)", st.ExpireMinutes, st.ClaimSeconds)
	}
	return nil
}
