package workforce

import (
	"math"

	ss "github.com/shrinkscope/shrinkscope"
)

// Policy is a store's staffing policy; a store without one uses DefaultPolicy.
type Policy struct {
	// IncidentsPerStaffer is how many forecast events one loss-prevention
	// staffer can cover in an hour.
	IncidentsPerStaffer float64 `json:"incidents_per_staffer"`
	// MinStaff and MaxStaff bound the staff on the floor in every open hour.
	MinStaff int `json:"min_staff"`
	MaxStaff int `json:"max_staff"`
	// ShiftRules are the allowed shift lengths.
	ShiftRules Rules `json:"shift_rules"`
	// BudgetHours, when set, caps the paid hours of a week's floor staff
	// (loss prevention). SOC operators, staffed by Erlang C to meet the
	// service level, are planned outside it; a plan reports both.
	BudgetHours *int `json:"budget_hours,omitempty"`
	// HourlyCost is the cost of one paid floor staff-hour, in the store's
	// currency (the policy's answer says which). SOC operator hours cost
	// OperatorHourly.
	HourlyCost float64 `json:"hourly_cost"`
	// The store's overrides of the SOC workload (SOCParams): mean handling
	// time of an alert, the share of alerts to pick up within AnswerSeconds,
	// and the cost of an operator hour. Absent, each is the configured
	// default (Service.SOC), the same for the plan, /soc-staffing and the
	// segments.
	HandleSeconds  *float64 `json:"handle_seconds,omitempty"`
	ServiceLevel   *float64 `json:"service_level,omitempty"`
	AnswerSeconds  *float64 `json:"answer_seconds,omitempty"`
	OperatorHourly *float64 `json:"operator_hourly,omitempty"`
}

// SOC is the store's SOC workload definition: its overrides over d.
func (p *Policy) SOC(d SOCParams) SOCParams {
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.HandleSeconds, p.HandleSeconds)
	set(&d.ServiceLevel, p.ServiceLevel)
	set(&d.AnswerSeconds, p.AnswerSeconds)
	set(&d.OperatorHourly, p.OperatorHourly)
	return d
}

// DefaultPolicy is the policy of a store that has none: 2 incidents per
// staffer-hour, 1–4 staff, shifts of 4–8 hours, no budget, 15 a floor hour,
// and the configured SOC workload.
func DefaultPolicy() Policy {
	return Policy{IncidentsPerStaffer: 2, MinStaff: 1, MaxStaff: 4, ShiftRules: Rules{4, 8}, HourlyCost: 15}
}

// Validate checks every field and names the first bad one.
func (p *Policy) Validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case !finite(p.IncidentsPerStaffer) || p.IncidentsPerStaffer <= 0 || p.IncidentsPerStaffer > 1000:
		return ss.Errorf(ss.EINVALID, "incidents_per_staffer", "incidents_per_staffer must be above 0 and at most 1000, got %v", p.IncidentsPerStaffer)
	case p.MinStaff < 0 || p.MinStaff > 100:
		return ss.Errorf(ss.EINVALID, "min_staff", "min_staff must be between 0 and 100, got %d", p.MinStaff)
	case p.MaxStaff < 1 || p.MaxStaff > 100:
		return ss.Errorf(ss.EINVALID, "max_staff", "max_staff must be between 1 and 100, got %d", p.MaxStaff)
	case p.MinStaff > p.MaxStaff:
		return ss.Errorf(ss.EINVALID, "min_staff", "min_staff (%d) must not exceed max_staff (%d)", p.MinStaff, p.MaxStaff)
	case p.BudgetHours != nil && (*p.BudgetHours < 0 || *p.BudgetHours > 100_000):
		return ss.Errorf(ss.EINVALID, "budget_hours", "budget_hours must be between 0 and 100000, got %d", *p.BudgetHours)
	case !finite(p.HourlyCost) || p.HourlyCost < 0 || p.HourlyCost > 1_000_000:
		return ss.Errorf(ss.EINVALID, "hourly_cost", "hourly_cost must be between 0 and 1000000 (in the store's currency), got %v", p.HourlyCost)
	}
	// Each override is checked as its own field; a valid stand-in fills the
	// others.
	if err := p.SOC(DefaultSOCParams()).Validate(""); err != nil {
		return err
	}
	return p.ShiftRules.Validate("shift_rules")
}

// Required is the loss-prevention staff an hour with the given forecast
// events needs: enough to cover them, within [MinStaff, MaxStaff].
func (p *Policy) Required(events float64) int {
	n := int(math.Ceil(events/p.IncidentsPerStaffer - 1e-9))
	return min(max(n, p.MinStaff), p.MaxStaff)
}
