package web

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// storeCards are the KPI cards of a store page per operating model: what
// DESIGN.md says each model's reporting must show.
var storeCards = map[ss.OperatingModel][]string{
	ss.ModelSOC:       {"events", "rate_per_1k", "est_loss", "recovered_by_intervention", "recovery_rate", "intervention_rate", "response_p50", "response_p90", "false_positive_rate", "shrink_pct"},
	ss.ModelCheckout:  {"events", "rate_per_1k", "est_loss", "recovered_by_intervention", "paid_unprompted", "recovery_rate", "intervention_rate", "false_positive_rate", "shrink_pct"},
	ss.ModelDetection: {"events", "rate_per_1k", "est_loss", "visitors", "false_positive_rate", "shrink_pct"},
}

// zoneRow is one zone of the store's zone table.
type zoneRow struct {
	planZone
	Colour   string
	Visitors *int64
	EstLoss  float64
}

// dayRow is one day of the trend table; Data is false for a day without figures.
type dayRow struct {
	dayPoint
	Data bool
}

func (s *Server) storePage(c echo.Context) error {
	rs := s.on(c)
	code := c.Param("code")
	ctx := c.Request().Context()
	ref, err := rs.layout.Directory().Store(ctx, code, "")
	if err != nil {
		return err
	}
	if ref == nil {
		return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	}
	// The default period ends yesterday in the store's own zone.
	per, err := pagePeriod(c, time.Now(), ref.Location)
	if err != nil {
		return err
	}
	// The page's reads are independent: run them at once, so its time is
	// the slowest read's, not their sum.
	var (
		st                                    *ss.Store
		zones                                 []ss.Zone
		storeRows, zoneRows, howRows, dayRows []kpi.Row
		found                                 *findings.WeekResult
		friction                              kpi.CheckoutFriction
	)
	g, gctx := errgroup.WithContext(ctx)
	q := kpi.Query{From: per.From, To: per.To, Dates: true, Store: code}
	get := func(by kpi.Grouping, into *[]kpi.Row) {
		g.Go(func() (err error) {
			q := q
			q.By = by
			*into, err = rs.kpis.Get(gctx, q)
			return err
		})
	}
	g.Go(func() (err error) { st, err = rs.layout.Store(gctx, code); return err })
	g.Go(func() (err error) { zones, err = rs.layout.Zones(gctx, code); return err })
	// The latest judged week's findings: what changed, whatever the period.
	g.Go(func() (err error) { found, err = rs.findings.List(gctx, time.Time{}, nil, code); return err })
	// What the tills' nudges and blocks cost shoppers (shown for a
	// checkout store): one read of the store's daily rollups.
	g.Go(func() (err error) {
		friction, err = rs.kpis.StoreCheckoutFriction(gctx, code, per.From, per.To)
		return err
	})
	get("store", &storeRows)
	get("zone", &zoneRows)
	get("hour_of_week", &howRows)
	get("day", &dayRows)
	if err := g.Wait(); err != nil {
		return err
	}
	row := &kpi.Row{}
	if len(storeRows) == 1 {
		row = &storeRows[0]
	}
	data := struct {
		shell
		Store        *ss.Store
		HasData      bool
		Cards        []kpiCard
		Plan         any
		Zones        []zoneRow
		Heat         any
		HeatRows     [7][24]int64
		Days         []dayRow
		Trend        any
		Mix          []mixPart
		MixSVG       any
		MixTotal     int64
		CanTarget    bool
		Targets      []kpiMeta
		WeekdayNames [7]string
		Findings     *findings.WeekResult
		Friction     *kpi.CheckoutFriction // checkout stores only
	}{
		shell: newShell(c, "estate", st.Name), Store: st,
		HasData:      row.Events > 0 || row.Visitors != nil || row.FalsePositives > 0,
		CanTarget:    slices.Contains(operators, principal(c).Role),
		WeekdayNames: weekdayNames,
		Findings:     found,
	}
	data.Period = per
	if st.OperatingModel == ss.ModelCheckout {
		data.Friction = &friction
	}
	data.Cards = cardsOf(row, storeCards[st.OperatingModel]...)
	data.Zones = zoneTable(zones, zoneRows)
	plan := make([]planZone, len(data.Zones))
	for i, z := range data.Zones {
		plan[i] = z.planZone
	}
	slices.SortStableFunc(data.Zones, func(a, b zoneRow) int { return -cmpNil(a.Index, b.Index) })
	data.Plan = floorPlanSVG(plan)
	var heat [168]int64
	for _, r := range howRows {
		if h := r.Key.HourOfWeek; h != nil && *h >= 0 && *h < 168 {
			heat[*h] = r.Events
			data.HeatRows[*h/24][*h%24] = r.Events
		}
	}
	data.Heat = heatmapSVG(&heat)
	data.Days = dayTable(per, dayRows)
	pts := make([]dayPoint, len(data.Days))
	for i, d := range data.Days {
		pts[i] = d.dayPoint
	}
	data.Trend = trendSVG(pts)
	data.Mix = outcomeMix(st.OperatingModel, &row.Figures)
	for _, m := range data.Mix {
		data.MixTotal += m.Count
	}
	data.MixSVG = mixSVG(data.Mix)
	for _, n := range storeCards[st.OperatingModel] {
		data.Targets = append(data.Targets, kpiMetas[n])
	}
	return render(c, http.StatusOK, "store.html", data)
}

// cmpNil orders nil before every value.
func cmpNil(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

// zoneTable joins the zones' polygons to their figures; a zone without a
// KPI row had no events and no counted visitors in the period.
func zoneTable(zones []ss.Zone, rows []kpi.Row) []zoneRow {
	fig := map[string]*kpi.Row{}
	for i := range rows {
		fig[rows[i].Key.Zone] = &rows[i]
	}
	out := make([]zoneRow, 0, len(zones))
	for _, z := range zones {
		zr := zoneRow{planZone: planZone{Code: z.Code, Name: z.Name, Category: z.Category, Polygon: z.Polygon}}
		if r := fig[z.Code]; r != nil {
			zr.Index, zr.Events, zr.Rate, zr.Visitors, zr.EstLoss = r.HotspotIndex, r.Events, r.RatePer1k, r.Visitors, r.EstLoss
		}
		zr.Colour = indexColour(zr.Index)
		out = append(out, zr)
	}
	return out
}

// dayTable lays the day rows on every date of the period, so a day without
// figures shows as a gap rather than as a zero.
func dayTable(per *period, rows []kpi.Row) []dayRow {
	byDay := map[string]*kpi.Row{}
	for i := range rows {
		byDay[rows[i].Key.Day] = &rows[i]
	}
	var out []dayRow
	for d := per.From; !d.After(per.To); d = d.AddDate(0, 0, 1) {
		key := d.Format(time.DateOnly)
		dr := dayRow{dayPoint: dayPoint{Day: key}}
		if r := byDay[key]; r != nil {
			dr.Events, dr.Rate, dr.Data = r.Events, r.RatePer1k, true
		}
		out = append(out, dr)
	}
	return out
}

// outcomeMix splits a period's detections by what happened to them, in the
// terms of the store's operating model. Paid-unprompted is recovered less
// interventions: the recovered class is paid plus the three intervention
// outcomes (DESIGN.md).
func outcomeMix(m ss.OperatingModel, f *kpi.Figures) []mixPart {
	paid := f.Recovered - f.Interventions
	switch m {
	case ss.ModelSOC:
		return []mixPart{
			{"Recovered by intervention", "ok", f.Interventions}, {"Paid unprompted", "paid", paid},
			{"Walked out", "lost", f.Lost}, {"Confirmed, not stopped", "lost", f.Confirmed},
			{"Unresolved", "open", f.Open}, {"False alarms", "false", f.FalsePositives}}
	case ss.ModelCheckout:
		return []mixPart{
			{"Paid at the till", "paid", paid}, {"Nudged or blocked, recovered", "ok", f.Interventions},
			{"Walked out", "lost", f.Lost}, {"Confirmed, not stopped", "lost", f.Confirmed},
			{"Unlinked", "open", f.Open}, {"False links", "false", f.FalsePositives}}
	}
	// Detection: nobody intervenes; a random sample is reviewed.
	return []mixPart{
		{"Not reviewed", "open", f.Open}, {"Reviewed: concealment", "lost", f.Confirmed}, {"Paid", "paid", paid},
		{"Walked out", "lost", f.Lost}, {"Recovered", "ok", f.Interventions}, {"Reviewed: not concealment", "false", f.FalsePositives}}
}

// setStoreTarget is the target form of a store page: the value is read in
// the unit the page shows (percent for ratios), and the form's period
// applies to counts and money only (the API refuses one on a ratio; the
// form has one select for both).
func (s *Server) setStoreTarget(c echo.Context) error {
	code := c.Param("code")
	name, op := c.FormValue("kpi"), c.FormValue("op")
	raw := strings.TrimSpace(c.FormValue("value"))
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return ss.Errorf(ss.EINVALID, "value", "value must be a number, got %q", raw)
	}
	if kpiMetas[name].Percent {
		v = math.Round(v*1e4) / 1e6 // percent to a ratio, without float noise
	}
	per := c.FormValue("period")
	if !kpi.Additive(name) {
		per = ""
	}
	t := kpi.Target{Store: code, KPI: name, Op: op, Value: v, Period: per, Note: c.FormValue("note"), SetBy: principal(c).Name}
	if err := s.kpis.SetTarget(c.Request().Context(), &t); err != nil {
		return err
	}
	back := "/stores/" + url.PathEscape(code)
	if from, to := c.FormValue("from"), c.FormValue("to"); from != "" && to != "" {
		back += "?" + url.Values{"from": {from}, "to": {to}}.Encode()
	}
	return c.Redirect(http.StatusSeeOther, back+"#targets")
}
