package workforce

import (
	"math"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// ErlangRequest is a SOC what-if: alerts an hour, mean handling time, and the
// share of alerts to pick up within answer_seconds.
type ErlangRequest struct {
	AlertsPerHour float64 `json:"alerts_per_hour"`
	HandleSeconds float64 `json:"handle_seconds"`
	ServiceLevel  float64 `json:"service_level"`
	AnswerSeconds float64 `json:"answer_seconds"`
}

// ErlangResult is the fewest operators meeting the service level and what
// they achieve.
type ErlangResult struct {
	Operators            int     `json:"operators"`
	ServiceLevelAchieved float64 `json:"service_level_achieved"`
	Occupancy            float64 `json:"occupancy"`        // load per operator: A / c
	WaitProbability      float64 `json:"wait_probability"` // Erlang C: share of alerts that wait at all
}

// Validate names the first bad field.
func (q *ErlangRequest) Validate() error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	switch {
	case bad(q.AlertsPerHour) || q.AlertsPerHour < 0 || q.AlertsPerHour > 1e6:
		return ss.Errorf(ss.EINVALID, "alerts_per_hour", "alerts_per_hour must be between 0 and 1000000, got %v", q.AlertsPerHour)
	case bad(q.HandleSeconds) || q.HandleSeconds <= 0 || q.HandleSeconds > 86_400:
		return ss.Errorf(ss.EINVALID, "handle_seconds", "handle_seconds must be above 0 and at most 86400, got %v", q.HandleSeconds)
	case bad(q.ServiceLevel) || q.ServiceLevel <= 0 || q.ServiceLevel >= 1:
		return ss.Errorf(ss.EINVALID, "service_level", "service_level must be between 0 and 1 (exclusive), got %v", q.ServiceLevel)
	case bad(q.AnswerSeconds) || q.AnswerSeconds < 0 || q.AnswerSeconds > 86_400:
		return ss.Errorf(ss.EINVALID, "answer_seconds", "answer_seconds must be between 0 and 86400, got %v", q.AnswerSeconds)
	}
	if q.AlertsPerHour*q.HandleSeconds/3600 > 50_000 {
		return ss.Errorf(ss.EINVALID, "alerts_per_hour", "the load (alerts_per_hour × handle_seconds / 3600) is at most 50000 erlangs")
	}
	return nil
}

// Erlang answers the what-if by Erlang C (internal/stats).
func Erlang(q ErlangRequest) (ErlangResult, error) {
	if err := q.Validate(); err != nil {
		return ErlangResult{}, err
	}
	rate := q.AlertsPerHour / 3600
	c := stats.Servers(rate, q.HandleSeconds, q.AnswerSeconds, q.ServiceLevel)
	if c <= 0 {
		return ErlangResult{Operators: 0, ServiceLevelAchieved: 1}, nil
	}
	a := rate * q.HandleSeconds
	return ErlangResult{
		Operators:            c,
		ServiceLevelAchieved: round6(stats.ServiceLevel(c, rate, q.HandleSeconds, q.AnswerSeconds)),
		Occupancy:            round6(a / float64(c)),
		// A probability that can be tiny keeps its significant digits.
		WaitProbability: stats.Significant(stats.ErlangC(c, a), stats.StatDigits),
	}, nil
}

// SOCHour is one hour of a shared SOC's week.
type SOCHour struct {
	Start     string  `json:"start"` // RFC 3339, UTC
	Alerts    float64 `json:"alerts"`
	Operators int     `json:"operators"`
}
