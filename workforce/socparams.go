package workforce

import (
	"math"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// SOCParams is the one definition of a store's SOC operator workload, used
// by its staffing plans, by /soc-staffing and, through app, by the segments'
// SOC return: alert arrivals are the store's forecast alerts of each open
// hour (Forecast); an operator handles an alert in HandleSeconds; the SOC
// picks up ServiceLevel of them within AnswerSeconds (Erlang C sizes the
// operators of each hour); an operator hour costs OperatorHourly, a plain
// amount in the store's currency. The defaults come from configuration
// (Service.SOC); a store's staffing policy may override any field.
type SOCParams struct {
	HandleSeconds  float64 `json:"handle_seconds"`
	AnswerSeconds  float64 `json:"answer_seconds"`
	ServiceLevel   float64 `json:"service_level"`
	OperatorHourly float64 `json:"operator_hourly"`
}

// DefaultSOCParams are the defaults where configuration sets none: 90 s
// per alert (watch the clip, decide, dispatch, log), 90% picked up within
// 30 s (a concealer reaches the door in a minute or two, so a later answer
// is mostly wasted), 20 an operator hour (wage, on-costs, supervision and
// the seat).
func DefaultSOCParams() SOCParams {
	return SOCParams{HandleSeconds: 90, AnswerSeconds: 30, ServiceLevel: 0.9, OperatorHourly: 20}
}

// WithDefaults fills each zero field of p from d.
func (p SOCParams) WithDefaults(d SOCParams) SOCParams {
	def := func(x *float64, v float64) {
		if *x == 0 {
			*x = v
		}
	}
	def(&p.HandleSeconds, d.HandleSeconds)
	def(&p.AnswerSeconds, d.AnswerSeconds)
	def(&p.ServiceLevel, d.ServiceLevel)
	def(&p.OperatorHourly, d.OperatorHourly)
	return p
}

// Validate names the first bad field, prefixed (e.g. "soc.").
func (p SOCParams) Validate(prefix string) error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case !finite(p.HandleSeconds) || p.HandleSeconds <= 0 || p.HandleSeconds > 86_400:
		return ss.Errorf(ss.EINVALID, prefix+"handle_seconds", "%shandle_seconds must be above 0 and at most 86400, got %v", prefix, p.HandleSeconds)
	case !finite(p.AnswerSeconds) || p.AnswerSeconds < 0 || p.AnswerSeconds > 86_400:
		return ss.Errorf(ss.EINVALID, prefix+"answer_seconds", "%sanswer_seconds must be between 0 and 86400, got %v", prefix, p.AnswerSeconds)
	case !finite(p.ServiceLevel) || p.ServiceLevel <= 0 || p.ServiceLevel >= 1:
		return ss.Errorf(ss.EINVALID, prefix+"service_level", "%sservice_level must be between 0 and 1 (exclusive), got %v", prefix, p.ServiceLevel)
	case !finite(p.OperatorHourly) || p.OperatorHourly < 0 || p.OperatorHourly > 10_000:
		return ss.Errorf(ss.EINVALID, prefix+"operator_hourly", "%soperator_hourly must be between 0 and 10000, got %v", prefix, p.OperatorHourly)
	}
	return nil
}

// Operators is the fewest operators that answer ServiceLevel of alertsPerHour
// within AnswerSeconds (Erlang C, stats.Servers); 0 for no alerts.
func (p SOCParams) Operators(alertsPerHour float64) int {
	return max(stats.Servers(alertsPerHour/3600, p.HandleSeconds, p.AnswerSeconds, p.ServiceLevel), 0)
}

// SOCLoad is a store's SOC operator workload for one local week under its
// SOCParams: the operators each open hour needs and what their hours cost.
// OperatorHours is what plans (as operator_hours_needed, before shifts
// round it up), /soc-staffing for the store alone and segments (× 365/7 a
// year) all report.
type SOCLoad struct {
	Store         string    `json:"store"`
	Week          string    `json:"week"` // local Monday
	Params        SOCParams `json:"soc"`
	Alerts        float64   `json:"alerts"`         // forecast alerts of the open hours
	OperatorHours int       `json:"operator_hours"` // Σ over the hours of Erlang C operators
	Cost          float64   `json:"cost"`           // OperatorHours × OperatorHourly, to the cent
	PerHour       []int     `json:"-"`              // operators of each forecast hour
}

// Load is the week's SOC workload of the forecast fc under p: closed hours
// take no operators.
func (p SOCParams) Load(fc []HourForecast) SOCLoad {
	l := SOCLoad{Params: p, PerHour: make([]int, len(fc))}
	for i, f := range fc {
		if !f.Open {
			continue
		}
		l.Alerts += f.Alerts
		l.PerHour[i] = p.Operators(f.Alerts)
		l.OperatorHours += l.PerHour[i]
	}
	l.Alerts = round6(l.Alerts)
	l.Cost = math.Round(float64(l.OperatorHours)*p.OperatorHourly*100) / 100
	return l
}
