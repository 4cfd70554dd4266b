package shrinkscope

import (
	"time"

	"github.com/google/uuid"
)

// OutcomeKind is what happened after a detection.
type OutcomeKind string

// Outcome kinds (DESIGN.md, "KPI definitions").
const (
	OutcomePaid                OutcomeKind = "paid"
	OutcomeNudgedPaid          OutcomeKind = "nudged_paid"
	OutcomeBlockedRecovered    OutcomeKind = "blocked_recovered"
	OutcomeIntervenedRecovered OutcomeKind = "intervened_recovered"
	OutcomeWalkedOut           OutcomeKind = "walked_out"
	// OutcomeConfirmed: a person reviewed the event and it was a real
	// concealment, but nobody intervened (a detection store's review, an
	// alert closed without a response).
	OutcomeConfirmed     OutcomeKind = "confirmed"
	OutcomeFalsePositive OutcomeKind = "false_positive"
	OutcomeUnresolved    OutcomeKind = "unresolved"
)

// OutcomeKinds lists every kind, in a stable order.
var OutcomeKinds = []OutcomeKind{OutcomePaid, OutcomeNudgedPaid, OutcomeBlockedRecovered, OutcomeIntervenedRecovered, OutcomeWalkedOut, OutcomeConfirmed, OutcomeFalsePositive, OutcomeUnresolved}

// OutcomeClass groups outcome kinds for KPIs.
type OutcomeClass string

// The five classes.
const (
	ClassRecovered OutcomeClass = "recovered"
	ClassLost      OutcomeClass = "lost"
	ClassConfirmed OutcomeClass = "confirmed"
	ClassFalse     OutcomeClass = "false"
	ClassOpen      OutcomeClass = "open"
)

// Class returns the KPI class of k; an unknown or empty kind is open.
func (k OutcomeKind) Class() OutcomeClass {
	switch k {
	case OutcomePaid, OutcomeNudgedPaid, OutcomeBlockedRecovered, OutcomeIntervenedRecovered:
		return ClassRecovered
	case OutcomeWalkedOut:
		return ClassLost
	case OutcomeConfirmed:
		return ClassConfirmed
	case OutcomeFalsePositive:
		return ClassFalse
	default:
		return ClassOpen
	}
}

// Reviewed reports whether an event with outcome k was reviewed: its class
// is recovered, lost, confirmed or false (DESIGN.md, "KPI definitions").
func (k OutcomeKind) Reviewed() bool { return k.Class() != ClassOpen }

// Intervention reports whether k involved an intervention (nudge, block or staff).
func (k OutcomeKind) Intervention() bool {
	return k == OutcomeNudgedPaid || k == OutcomeBlockedRecovered || k == OutcomeIntervenedRecovered
}

// Valid reports whether k is a known kind.
func (k OutcomeKind) Valid() bool {
	for _, x := range OutcomeKinds {
		if x == k {
			return true
		}
	}
	return false
}

// OutcomeInput is one outcome as a client sends it.
type OutcomeInput struct {
	Event          string      `json:"event"`
	Outcome        OutcomeKind `json:"outcome"`
	At             string      `json:"at"`
	RespondedAt    string      `json:"responded_at"`
	ValueRecovered *float64    `json:"value_recovered"`
}

// Outcome is a validated outcome of one event; the latest one sent wins.
type Outcome struct {
	EventID        uuid.UUID
	Kind           OutcomeKind
	At             time.Time
	RespondedAt    *time.Time
	ValueRecovered *float64
}

// Parse validates the input against now; errors go to be under index i.
func (in *OutcomeInput) Parse(i int, now time.Time, be *BatchError) (Outcome, bool) {
	n := len(be.Items)
	var o Outcome
	id, err := uuid.Parse(in.Event)
	if err != nil || len(in.Event) != 36 {
		be.Add(i, "event", "event %q is not an event id (UUID)", in.Event)
	}
	o.EventID = id
	o.Kind = in.Outcome
	if !in.Outcome.Valid() {
		be.Add(i, "outcome", "outcome %q is not one of %v", in.Outcome, OutcomeKinds)
	}
	o.At = parseInstant(i, "at", in.At, now, be)
	if in.RespondedAt != "" {
		t := parseInstant(i, "responded_at", in.RespondedAt, now, be)
		o.RespondedAt = &t
	}
	if v := in.ValueRecovered; v != nil {
		switch {
		case !(*v >= 0 && *v <= 1e6):
			be.Add(i, "value_recovered", "value_recovered must be between 0 and 1000000, got %v", *v)
		case in.Outcome.Valid() && in.Outcome.Class() != ClassRecovered:
			be.Add(i, "value_recovered", "value_recovered applies only to recovered outcomes, not %q", in.Outcome)
		default:
			o.ValueRecovered = v
		}
	}
	return o, len(be.Items) == n
}
