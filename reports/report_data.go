package reports

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// doc is what report.html renders.
type doc struct {
	Title, Week, WeekEnd, Written string
	KPIs                          []kpiLine
	Currency                      ss.Currency // of the headline money figures
	MoneyReason                   string      // why a headline money figure is missing
	Hotspots                      []hotspotLine
	Stores                        []storeLine
	Sections                      []Section
	Charts                        []Chart
	// Findings open a store's report: what changed beyond chance that week
	// (nil: the week was not judged).
	Findings *findingsPart
}

type findingsPart struct {
	Lines  []findingLine
	Judged int
	FDR    string
	Scope  string // findings.ScopeEstate or ScopeStore: what FDR bounds
}

type findingLine struct{ Sentence, P, Q string }

type kpiLine struct{ Name, Now, Prev, Change, Target, Class string }
type hotspotLine struct{ Zone, Events, Index string }
type storeLine struct {
	Store, Name, Events, Rate, Loss, Recovered  string
	Currency, ReportingLoss, ReportingRecovered string // the store's currency; its money in the reporting one
}

// moneyText shows an amount of cur with its minor unit's decimals.
func moneyText(cur ss.Currency, p *float64) string { return show(p, decimals(cur.StoredDecimals())) }

// headline KPIs of a report, by their API names.
var headline = []string{"events", "visitors", "rate_per_1k", "est_loss", "recovered_by_intervention", "paid_unprompted", "recovery_rate",
	"intervention_rate", "response_p50", "response_p90", "false_positive_rate", "shrink_pct"}

func round(p *float64, d int) *float64 {
	if p == nil {
		return nil
	}
	s := strconv.FormatFloat(*p, 'f', d, 64)
	v, _ := strconv.ParseFloat(s, 64)
	return &v
}

func kpiLines(row *kpi.Row) []kpiLine {
	now := row.Figures.Values()
	var prev map[string]*float64
	if row.Previous != nil {
		prev = row.Previous.Values()
	}
	ch := row.Change.Values()
	var out []kpiLine
	for _, k := range headline {
		f := kpiFormats[k]
		l := kpiLine{Name: f.Label, Now: show(now[k], f.Value), Prev: show(prev[k], f.Value), Change: show(ch[k], f.Delta)}
		if kpiMoney(k) {
			// Money says its currency, at its minor unit.
			cur := row.Currency
			l.Name += " (" + string(cur) + ")"
			l.Now, l.Prev = moneyText(cur, now[k]), moneyText(cur, prev[k])
			l.Change = show(ch[k], signedBy(decimals(cur.StoredDecimals())))
		}
		if v, ok := row.Targets[k]; ok {
			value := func(x float64) string {
				if x != math.Trunc(x) && (k == "events" || k == "visitors") {
					return decimals(2)(x) // a count's share of a period
				}
				return f.Value(x)
			}
			l.Target = v.Op + " " + value(v.Value)
			if v.Period != "" && v.Days != nil {
				// Judged against the value scaled to the report's days.
				l.Target += " a " + v.Period + " (" + value(v.JudgedAgainst) + " over " +
					strconv.FormatFloat(*v.Days, 'f', -1, 64) + " days)"
			}
			if v.Met != nil && *v.Met {
				l.Class, l.Target = "met", l.Target+" met"
			} else if v.Met != nil {
				l.Class, l.Target = "missed", l.Target+" missed"
			}
		}
		out = append(out, l)
	}
	return out
}

func (r *Reports) get(ctx context.Context, q kpi.Query) ([]kpi.Row, error) {
	q.Dates = true
	return r.kpis.Get(ctx, q)
}

// common reads the period's headline row and its trend and hour-of-week charts.
func (r *Reports) common(ctx context.Context, d *doc, q kpi.Query, prefix string) (*kpi.Row, error) {
	week := q.From
	d.Week, d.WeekEnd = week.Format(time.DateOnly), q.To.Format(time.DateOnly)
	d.Written = time.Now().UTC().Format("2 January 2006, 15:04 UTC")
	head, err := r.get(ctx, q)
	if err != nil {
		return nil, err
	}
	var row kpi.Row
	if len(head) > 0 {
		row = head[0]
	}
	d.KPIs = kpiLines(&row)
	d.Currency, d.MoneyReason = row.Currency, row.MoneyReason
	q.By = "day"
	days, err := r.get(ctx, q)
	if err != nil {
		return nil, err
	}
	byDay := map[string]kpi.Row{}
	for _, x := range days {
		byDay[x.Key.Day] = x
	}
	var trend []TrendPoint
	for i := 0; i < 7; i++ {
		day := week.AddDate(0, 0, i).Format(time.DateOnly)
		x := byDay[day]
		trend = append(trend, TrendPoint{Day: day, Events: x.Events, RatePer1k: round(x.RatePer1k, 2)})
	}
	q.By = "hour_of_week"
	how, err := r.get(ctx, q)
	if err != nil {
		return nil, err
	}
	var counts [168]float64
	for _, x := range how {
		if x.Key.HourOfWeek != nil {
			counts[*x.Key.HourOfWeek] = float64(x.Events)
		}
	}
	d.Charts = append(d.Charts, TrendChart(prefix+"trend", trend), HourOfWeekChart(prefix+"how", counts))
	return &row, nil
}

func (r *Reports) storeDoc(ctx context.Context, st ss.Store, week time.Time) (*doc, error) {
	d := &doc{Title: fmt.Sprintf("%s (%s) — weekly report", st.Name, st.Code)}
	q := kpi.Query{From: week, To: week.AddDate(0, 0, 6), Store: st.Code, By: "store"}
	row, err := r.common(ctx, d, q, "s")
	if err != nil {
		return nil, err
	}
	q.By = "zone"
	zones, err := r.get(ctx, q)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(zones, func(i, j int) bool { return val(zones[i].HotspotIndex) > val(zones[j].HotspotIndex) })
	var rank []ZoneValue
	for _, z := range zones {
		if z.HotspotIndex == nil {
			continue
		}
		d.Hotspots = append(d.Hotspots, hotspotLine{Zone: z.Key.Zone, Events: count(float64(z.Events)), Index: show(z.HotspotIndex, decimals(2))})
		rank = append(rank, ZoneValue{Zone: z.Key.Zone, Value: *round(z.HotspotIndex, 2)})
	}
	if len(rank) > 0 {
		d.Charts = append(d.Charts, ZoneRankingChart("szones", "Zones by hotspot index", rank))
	}
	d.Charts = append(d.Charts, OutcomeMixChart("smix", []OutcomeMix{mixOf(string(st.OperatingModel), &row.Figures)}))
	if r.findings != nil {
		res, err := r.findings.List(ctx, week, nil, st.Code)
		if err != nil {
			return nil, fmt.Errorf("reports: findings of %s: %w", st.Code, err)
		}
		if res.Judged > 0 {
			d.Findings = &findingsPart{Judged: res.Judged, FDR: strconv.FormatFloat(100*res.FDR, 'f', -1, 64) + " %", Scope: res.FDRScope}
			for _, f := range res.Findings {
				d.Findings.Lines = append(d.Findings.Lines, findingLine{Sentence: f.Sentence,
					P: stats.FormatSignificant(f.P, stats.StatDigits), Q: stats.FormatSignificant(f.Q, stats.StatDigits)})
			}
		}
	}
	if d.Sections, err = r.storeSections(ctx, st, week); err != nil {
		return nil, err
	}
	return d, nil
}

func (r *Reports) estateDoc(ctx context.Context, stores []ss.Store, week time.Time) (*doc, error) {
	d := &doc{Title: "Estate — weekly report"}
	q := kpi.Query{From: week, To: week.AddDate(0, 0, 6), By: "estate"}
	if _, err := r.common(ctx, d, q, "e"); err != nil {
		return nil, err
	}
	q.By = "store"
	rows, err := r.get(ctx, q)
	if err != nil {
		return nil, err
	}
	model, name := map[string]string{}, map[string]string{}
	for _, s := range stores {
		model[s.Code], name[s.Code] = string(s.OperatingModel), s.Name
	}
	mix := map[string]*OutcomeMix{}
	for _, x := range rows {
		line := storeLine{Store: x.Key.Store, Name: name[x.Key.Store], Events: count(float64(x.Events)),
			Rate: show(x.RatePer1k, decimals(2)), Currency: string(x.Currency),
			Loss: moneyText(x.Currency, &x.EstLoss), Recovered: moneyText(x.Currency, &x.RecoveredValue),
			ReportingLoss: noFigure, ReportingRecovered: noFigure}
		if rep := x.Reporting; rep != nil {
			line.ReportingLoss, line.ReportingRecovered = moneyText(rep.Currency, rep.EstLoss), moneyText(rep.Currency, rep.RecoveredValue)
		}
		d.Stores = append(d.Stores, line)
		m := model[x.Key.Store]
		if mix[m] == nil {
			mix[m] = &OutcomeMix{Model: m}
		}
		one := mixOf(m, &x.Figures)
		mix[m].Recovered += one.Recovered
		mix[m].Lost += one.Lost
		mix[m].FalsePositive += one.FalsePositive
		mix[m].Open += one.Open
		mix[m].Total += one.Total
	}
	var mixes []OutcomeMix
	for _, m := range []string{"soc", "checkout", "detection"} {
		if mix[m] != nil {
			mixes = append(mixes, *mix[m])
		}
	}
	d.Charts = append(d.Charts, OutcomeMixChart("emix", mixes))
	return d, nil
}

// mixOf is a row's outcome mix; confirmed concealments (reviewed, not
// stopped) count with the lost ones.
func mixOf(model string, f *kpi.Figures) OutcomeMix {
	return OutcomeMix{Model: model, Recovered: f.Recovered, Lost: f.Lost + f.Confirmed, FalsePositive: f.FalsePositives, Open: f.Open,
		Total: f.Recovered + f.Lost + f.Confirmed + f.FalsePositives + f.Open}
}

func val(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// kpiMoney says whether the KPI named k is money: it says its currency.
func kpiMoney(k string) bool {
	for _, d := range kpi.KPIDefs {
		if d.Name == k {
			return d.Money
		}
	}
	return false
}
