package workforce

import (
	"context"
	"math"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Shift roles.
const (
	RoleFloor    = "loss_prevention" // on the shop floor
	RoleOperator = "soc_operator"    // watching the store's alerts at the SOC
)

// PlanShift is one shift of a plan, in the store's local time.
type PlanShift struct {
	Day       string    `json:"day"`   // local date the shift starts
	Start     string    `json:"start"` // local HH:MM
	End       string    `json:"end"`   // local HH:MM; past midnight when before Start
	Hours     int       `json:"hours"`
	Headcount int       `json:"headcount"`
	Role      string    `json:"role"`
	StartsAt  time.Time `json:"starts_at"`
}

// PlanHour is one real hour of a plan's week.
type PlanHour struct {
	Start          time.Time `json:"start"`
	Date           string    `json:"date"`
	Hour           int       `json:"hour"`
	Open           bool      `json:"open"`
	ForecastEvents float64   `json:"forecast_events"`
	ForecastAlerts float64   `json:"forecast_alerts"`
	ForecastLoss   float64   `json:"forecast_loss"`
	Required       int       `json:"required"`
	Scheduled      int       `json:"scheduled"`
	Short          int       `json:"short"`
	UncoveredLoss  float64   `json:"uncovered_loss"` // forecast loss × short / required
	Operators      int       `json:"operators"`      // SOC operators by Erlang C (soc stores)
}

// Plan is a store's staffing plan for one local week.
type Plan struct {
	Store    string `json:"store"`
	Week     string `json:"week"` // local Monday
	Timezone string `json:"timezone"`
	Model    string `json:"operating_model"`
	Policy   Policy `json:"policy"`
	// SOC is the store's SOC workload definition the plan was built on
	// (soc stores).
	SOC           *SOCParams `json:"soc,omitempty"`
	PaidHours     int        `json:"paid_hours"`          // FloorHours + OperatorHours
	FloorHours    int        `json:"floor_paid_hours"`    // floor staff: what the policy's budget_hours caps
	OperatorHours int        `json:"operator_paid_hours"` // SOC operators' shifts (soc stores)
	// OperatorNeeded is Σ over the hours of the operators Erlang C asks
	// for: the week's SOC workload (SOCLoad), as /soc-staffing and the
	// segments count it; OperatorHours is its shifts, at least as long.
	OperatorNeeded int         `json:"operator_hours_needed"`
	FloorCost      float64     `json:"floor_cost"`    // FloorHours × the policy's hourly_cost
	OperatorCost   float64     `json:"operator_cost"` // OperatorHours × the SOC's operator_hourly
	Cost           float64     `json:"cost"`          // FloorCost + OperatorCost
	Currency       ss.Currency `json:"currency"`      // of the costs, uncovered_loss, the hours' losses and the policy's hourly costs: the store's
	UncoveredLoss  float64     `json:"uncovered_loss"`
	Shifts         []PlanShift `json:"shifts"`
	Hours          []PlanHour  `json:"hours"`
	// AsOf, when set, is the instant up to which the database the plan was
	// read from held every commit (a read replica lags): WriteXLSX says it
	// below the time zone. JSON answers carry it as as_of themselves.
	AsOf time.Time `json:"-"`
}

// BuildPlan turns a week's forecast into a plan: each hour's requirement by
// the policy, shifts over each run of consecutive open hours (so a store open
// past midnight gets shifts across it) by PlanSpans under the weekly budget,
// and, for stores on the soc model, operators per hour by Erlang C under
// soc (SOCParams.Load) with their own shifts, costed at its operator rate.
// It stops with ctx.Err() when ctx ends.
func BuildPlan(ctx context.Context, st *ss.Store, loc *time.Location, week time.Time, fc []HourForecast, p Policy, soc SOCParams) (Plan, error) {
	pl := Plan{Store: st.Code, Week: week.Format(time.DateOnly), Timezone: st.Timezone, Model: string(st.OperatingModel), Policy: p, Currency: st.Currency,
		Shifts: []PlanShift{}, Hours: make([]PlanHour, len(fc))}
	var load SOCLoad
	if st.OperatingModel == ss.ModelSOC {
		load = soc.Load(fc)
		pl.SOC, pl.OperatorNeeded = &soc, load.OperatorHours
	}
	for i, f := range fc {
		h := PlanHour{Start: f.Start, Date: f.Date, Hour: f.Hour, Open: f.Open,
			ForecastEvents: f.Events, ForecastAlerts: f.Alerts, ForecastLoss: f.Loss}
		if f.Open {
			h.Required = p.Required(f.Events)
			if st.OperatingModel == ss.ModelSOC {
				h.Operators = load.PerHour[i]
			}
		}
		pl.Hours[i] = h
	}
	runs := openRuns(fc)
	ds := make([]Demand, len(runs))
	for k, r := range runs {
		d := Demand{Req: make([]int, r[1]-r[0]), Weight: make([]float64, r[1]-r[0])}
		for i := r[0]; i < r[1]; i++ {
			h := pl.Hours[i]
			d.Req[i-r[0]] = h.Required
			// The value of one required staffer there: the hour's expected
			// loss shared among them, and a little for the minimum staffing.
			d.Weight[i-r[0]] = h.ForecastLoss/float64(max(h.Required, 1)) + 0.01
		}
		ds[k] = d
	}
	budget := -1
	if p.BudgetHours != nil {
		budget = *p.BudgetHours
	}
	covers, err := PlanSpans(ctx, ds, p.ShiftRules, budget)
	if err != nil {
		return Plan{}, err
	}
	for k, c := range covers {
		r := runs[k]
		for i := r[0]; i < r[1]; i++ {
			h := &pl.Hours[i]
			h.Scheduled, h.Short = c.Scheduled[i-r[0]], c.Short[i-r[0]]
			if h.Short > 0 && h.Required > 0 {
				h.UncoveredLoss = math.Round(h.ForecastLoss*float64(h.Short)/float64(h.Required)*100) / 100
				pl.UncoveredLoss += h.UncoveredLoss
			}
		}
		pl.Shifts = append(pl.Shifts, planShifts(fc, r[0], c.Shifts, RoleFloor, loc)...)
		pl.FloorHours += c.Paid
	}
	if st.OperatingModel == ss.ModelSOC {
		for _, r := range runs {
			req := make([]int, r[1]-r[0])
			for i := range req {
				req[i] = pl.Hours[r[0]+i].Operators
			}
			c := CoverSpan(req, p.ShiftRules)
			pl.Shifts = append(pl.Shifts, planShifts(fc, r[0], c.Shifts, RoleOperator, loc)...)
			pl.OperatorHours += c.Paid
		}
	}
	pl.PaidHours = pl.FloorHours + pl.OperatorHours
	pl.UncoveredLoss = math.Round(pl.UncoveredLoss*100) / 100
	pl.FloorCost = math.Round(float64(pl.FloorHours)*p.HourlyCost*100) / 100
	pl.OperatorCost = math.Round(float64(pl.OperatorHours)*soc.OperatorHourly*100) / 100
	pl.Cost = math.Round((pl.FloorCost+pl.OperatorCost)*100) / 100
	return pl, nil
}

// openRuns returns the [first, end) index ranges of consecutive open hours.
func openRuns(fc []HourForecast) [][2]int {
	var out [][2]int
	for i := 0; i < len(fc); {
		if !fc[i].Open {
			i++
			continue
		}
		j := i
		for j < len(fc) && fc[j].Open {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// planShifts turns a span's shifts (hour offsets from fc[first]) into local
// shifts, merging equal ones.
func planShifts(fc []HourForecast, first int, shifts []Shift, role string, loc *time.Location) []PlanShift {
	var out []PlanShift
	idx := map[[2]int]int{}
	for _, s := range shifts {
		k := [2]int{s.Start, s.Hours}
		if i, ok := idx[k]; ok {
			out[i].Headcount += s.Headcount
			continue
		}
		start := fc[first+s.Start].Start
		end := start.Add(time.Duration(s.Hours) * time.Hour)
		ls := start.In(loc)
		idx[k] = len(out)
		out = append(out, PlanShift{Day: ls.Format(time.DateOnly), Start: ls.Format("15:04"), End: end.In(loc).Format("15:04"),
			Hours: s.Hours, Headcount: s.Headcount, Role: role, StartsAt: start})
	}
	return out
}
