package kpi

// KPIDef is one KPI of DESIGN.md: its name in the API and in targets, its
// CSV column (with the unit where the name does not say it), whether it is
// money (two decimals), how a group's figure is read and how its change is
// computed and stored.
type KPIDef struct {
	Name   string
	Column string
	Money  bool
	value  func(*Figures) *float64
	change func(*Changes) **float64
	diff   func(cur, prev *Figures) *float64
}

// KPIDefs is the one table of the KPIs a target may be set on and a change
// is reported for, in the order answers list them. Rates and shares are
// fractions (0.25 is a quarter) but for shrink_pct, a percentage.
var KPIDefs = []KPIDef{
	{"events", "events", false, func(f *Figures) *float64 { return count(&f.Events) },
		func(c *Changes) **float64 { return &c.Events }, func(a, b *Figures) *float64 { return countDiff(&a.Events, &b.Events) }},
	{"visitors", "visitors", false, func(f *Figures) *float64 { return count(f.Visitors) },
		func(c *Changes) **float64 { return &c.Visitors }, func(a, b *Figures) *float64 { return countDiff(a.Visitors, b.Visitors) }},
	ratioDef("rate_per_1k", "rate_per_1k", func(f *Figures) *float64 { return f.RatePer1k }, func(c *Changes) **float64 { return &c.RatePer1k }),
	{"est_loss", "est_loss", true, func(f *Figures) *float64 { return f.moneyOrNil(missingEstLoss, num(f.EstLoss)) },
		func(c *Changes) **float64 { return &c.EstLoss }, func(a, b *Figures) *float64 { return moneyDiff(a, b, missingEstLoss, a.EstLoss, b.EstLoss) }},
	{"recovered_value", "recovered_value", true, func(f *Figures) *float64 { return f.moneyOrNil(missingRecovered, num(f.RecoveredValue)) },
		func(c *Changes) **float64 { return &c.RecoveredValue }, func(a, b *Figures) *float64 {
			return moneyDiff(a, b, missingRecovered, a.RecoveredValue, b.RecoveredValue)
		}},
	{"recovered_by_intervention", "recovered_by_intervention", true, func(f *Figures) *float64 { return f.moneyOrNil(missingRecovered, num(f.RecoveredByIntervention)) },
		func(c *Changes) **float64 { return &c.RecoveredByIntervention }, func(a, b *Figures) *float64 {
			return moneyDiff(a, b, missingRecovered, a.RecoveredByIntervention, b.RecoveredByIntervention)
		}},
	{"paid_unprompted", "paid_unprompted", true, func(f *Figures) *float64 { return f.moneyOrNil(missingRecovered, num(f.PaidUnprompted)) },
		func(c *Changes) **float64 { return &c.PaidUnprompted }, func(a, b *Figures) *float64 {
			return moneyDiff(a, b, missingRecovered, a.PaidUnprompted, b.PaidUnprompted)
		}},
	ratioDef("recovery_rate", "recovery_rate", func(f *Figures) *float64 { return f.RecoveryRate }, func(c *Changes) **float64 { return &c.RecoveryRate }),
	ratioDef("intervention_rate", "intervention_rate", func(f *Figures) *float64 { return f.InterventionRate }, func(c *Changes) **float64 { return &c.InterventionRate }),
	ratioDef("response_p50", "response_p50_s", func(f *Figures) *float64 { return f.ResponseP50 }, func(c *Changes) **float64 { return &c.ResponseP50 }),
	ratioDef("response_p90", "response_p90_s", func(f *Figures) *float64 { return f.ResponseP90 }, func(c *Changes) **float64 { return &c.ResponseP90 }),
	ratioDef("false_positive_rate", "false_positive_rate", func(f *Figures) *float64 { return f.FalsePositiveRate }, func(c *Changes) **float64 { return &c.FalsePositiveRate }),
	ratioDef("hotspot_index", "hotspot_index", func(f *Figures) *float64 { return f.HotspotIndex }, func(c *Changes) **float64 { return &c.HotspotIndex }),
	ratioDef("shrink_pct", "shrink_pct", func(f *Figures) *float64 { return f.ShrinkPct }, func(c *Changes) **float64 { return &c.ShrinkPct }),
}

// KPINames are the names of KPIDefs, in order.
var KPINames = func() []string {
	out := make([]string, len(KPIDefs))
	for i, d := range KPIDefs {
		out[i] = d.Name
	}
	return out
}()

// ratioDef is a KPI shown as a rounded decimal (a ratio or a response
// time), whose change is the exact difference of the two decimals.
func ratioDef(name, column string, value func(*Figures) *float64, field func(*Changes) **float64) KPIDef {
	return KPIDef{name, column, false, value, field, func(a, b *Figures) *float64 { return decimalDiff(value(a), value(b)) }}
}

// Value is the figure of f for this KPI; nil is a null.
func (d KPIDef) Value(f *Figures) *float64 { return d.value(f) }

// Of is the change of this KPI in c; nil is a null, as is every change
// when c is nil.
func (d KPIDef) Of(c *Changes) *float64 {
	if c == nil {
		return nil
	}
	return *d.change(c)
}

// Values lists the KPIs of f by name; nil entries are nulls.
func (f *Figures) Values() map[string]*float64 {
	out := make(map[string]*float64, len(KPIDefs))
	for _, d := range KPIDefs {
		out[d.Name] = d.value(f)
	}
	return out
}

// Values lists the changes by KPI name; every entry is null when c is nil
// (a change not computed, with its reason in the row).
func (c *Changes) Values() map[string]*float64 {
	out := make(map[string]*float64, len(KPIDefs))
	for _, d := range KPIDefs {
		if c != nil {
			out[d.Name] = *d.change(c)
		} else {
			out[d.Name] = nil
		}
	}
	return out
}

func num(v float64) *float64 { return &v }

func count(v *int64) *float64 {
	if v == nil {
		return nil
	}
	return num(float64(*v))
}

func countDiff(a, b *int64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return num(float64(*a - *b))
}

// centsDiff is the change of a money figure, computed in cents.
func centsDiff(a, b float64) *float64 { return num(fromCents(toCents(a) - toCents(b))) }

// moneyDiff is the change of a money figure, null when either period's
// figure needs a missing rate.
func moneyDiff(a, b *Figures, m moneyMissing, x, y float64) *float64 {
	if a.missing&m != 0 || b.missing&m != 0 {
		return nil
	}
	return centsDiff(x, y)
}
