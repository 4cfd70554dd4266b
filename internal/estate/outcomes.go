package estate

import (
	"math"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Outcome mix of checkout stores: paid, nudged_paid, blocked_recovered,
// walked_out, unresolved (false positives are drawn first, from the score).
var (
	checkoutKinds   = [5]ss.OutcomeKind{ss.OutcomePaid, ss.OutcomeNudgedPaid, ss.OutcomeBlockedRecovered, ss.OutcomeWalkedOut, ss.OutcomeUnresolved}
	checkoutWeights = [5]float64{40, 28, 12, 17, 3}
)

// detectionSample is the share of a detection store's events its staff
// review, chosen at random (DESIGN.md: only a random sample measures the
// false-alarm rate without bias).
const detectionSample = 0.15

// outcome draws what happened after ev under the store's operating model;
// value is the concealed goods' value. It reports false when no outcome is
// known before End (none recorded yet, or it would arrive after End).
func (g *gen) outcome(ev *ss.Event, value float64) (ss.Outcome, bool) {
	s, r := g.s, g.r
	o := ss.Outcome{EventID: ev.ID}
	// Low detector scores are more often not concealment at all.
	doubt := (0.99 - ev.Score) / 0.49
	var responded time.Time
	switch s.OperatingModel {
	case ss.ModelSOC:
		if r.float() < 0.03 {
			return o, false // the alert was never closed
		}
		// Response time: lognormal around 70 s, faster with more staff.
		sec := min(max(70/math.Sqrt(s.Profile.StaffingCapacity)*r.lognormal(0.55), 20), 300)
		responded = ev.OccurredAt.Add(seconds(sec))
		pRecover := 0.85 * math.Exp(-sec/250)
		u, u2 := r.float(), r.float()
		switch {
		case u < 0.04+0.30*doubt:
			o.Kind = ss.OutcomeFalsePositive
		case u2 < pRecover:
			o.Kind = ss.OutcomeIntervenedRecovered
		case u2 < pRecover+0.1:
			o.Kind = ss.OutcomeUnresolved // guard could not find the shopper
		default:
			o.Kind = ss.OutcomeWalkedOut
		}
		o.At = responded.Add(seconds(240 * r.lognormal(0.6)))
	case ss.ModelCheckout:
		if r.float() < 0.08 {
			return o, false // the track never reached a till
		}
		o.At = ev.OccurredAt.Add(seconds(min(max(480*r.lognormal(0.6), 120), 2400)))
		u, k := r.float(), r.pick(checkoutWeights[:])
		if u < 0.03+0.20*doubt {
			o.Kind = ss.OutcomeFalsePositive
		} else {
			o.Kind = checkoutKinds[k]
		}
	default: // detection: nobody intervenes; a random sample is reviewed, days later
		u := r.float()
		o.At = ev.OccurredAt.Add(seconds(r.between(1, 14) * 86400))
		if u >= detectionSample {
			return o, false
		}
		// u / detectionSample is uniform too: the review's finding, with the
		// false-alarm odds a SOC's operators see at the same score.
		if u/detectionSample < 0.04+0.30*doubt {
			o.Kind = ss.OutcomeFalsePositive
		} else {
			o.Kind = ss.OutcomeConfirmed
		}
	}
	if s.OperatingModel != ss.ModelDetection && r.float() < 0.04 {
		// Late: settled days later (stock count, refund, CCTV review).
		o.At = o.At.Add(seconds(r.between(1, 10) * 86400))
	}
	pValue := r.float()
	if !o.At.Before(g.end) {
		return o, false
	}
	if !responded.IsZero() {
		o.RespondedAt = &responded
	}
	if o.Kind.Class() == ss.ClassRecovered && pValue < 0.6 {
		v := value
		o.ValueRecovered = &v
	}
	return o, true
}

// seconds converts seconds to a Duration rounded to the millisecond.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s*1000)) * time.Millisecond
}
