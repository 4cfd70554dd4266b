package web

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/segments"
)

// estateColumns are the KPIs of the estate table, in column order.
var estateColumns = []string{"events", "rate_per_1k", "est_loss", "recovery_rate", "shrink_pct"}

// estateCards are the KPIs of the estate's headline cards.
var estateCards = []string{"events", "rate_per_1k", "est_loss", "recovered_by_intervention", "recovery_rate", "shrink_pct"}

// estateRow is one store of the estate table.
type estateRow struct {
	Store       ss.Store
	Tier        string // "" while the store has too little data
	Recommended ss.OperatingModel
	Cells       []kpiCard
	sortKey     map[string]*float64
}

// sortColumn is a sortable header of the estate table.
type sortColumn struct {
	Label, Href, Dir string // Dir: "ascending", "descending" or "" (not sorted by it)
}

// filterChoice is one option of a filter select.
type filterChoice struct {
	Value, Label string
	Selected     bool
}

func (s *Server) estatePage(c echo.Context) error {
	rs := s.on(c)
	p := principal(c)
	if !slices.Contains(operators, p.Role) {
		return c.Redirect(http.StatusSeeOther, homeOf(p.Role))
	}
	ctx, vis := c.Request().Context(), visible(c)
	now := time.Now()
	per, err := pagePeriod(c, now, nil)
	if err != nil {
		return err
	}
	segWindow := ss.LastDays(now, nil, segments.Window.DefaultDays)
	segFrom, segTo := segWindow.From, segWindow.To
	var (
		stores []ss.Store
		rows   []kpi.Row
		segs   []segments.Segment
	)
	g, gctx := errgroup.WithContext(ctx) // independent reads, at once
	q := kpi.Query{From: per.From, To: per.To, Dates: true, Scope: vis, By: "store"}
	g.Go(func() (err error) { stores, err = rs.layout.Stores(gctx, vis); return err })
	g.Go(func() (err error) { rows, err = rs.kpis.Get(gctx, q); return err })
	g.Go(func() (err error) {
		segs, err = rs.segments.Segments(gctx, segFrom, segTo, vis, s.opt.Segments)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	byStore := map[string]*kpi.Row{}
	for i := range rows {
		byStore[rows[i].Key.Store] = &rows[i]
	}
	seg := map[string]segments.Segment{}
	for _, sg := range segs {
		seg[sg.Store] = sg
	}
	f := struct{ Region, Tier, Model string }{c.QueryParam("region"), c.QueryParam("tier"), c.QueryParam("model")}
	var table []estateRow
	regions := map[string]bool{}
	for _, st := range stores {
		regions[st.Region] = true
		sg := seg[st.Code]
		r := estateRow{Store: st, Tier: sg.Tier}
		if sg.Mismatch {
			r.Recommended = sg.Recommended
		}
		if f.Region != "" && st.Region != f.Region || f.Tier != "" && sg.Tier != f.Tier ||
			f.Model != "" && string(st.OperatingModel) != f.Model {
			continue
		}
		row := byStore[st.Code]
		if row == nil {
			row = &kpi.Row{}
		}
		r.Cells = cardsOf(row, estateColumns...)
		r.sortKey = row.Figures.Values()
		if rep := row.Reporting; rep != nil {
			// Stores in different currencies sort by their figures in the reporting currency.
			r.sortKey["est_loss"], r.sortKey["recovered_value"] = rep.EstLoss, rep.RecoveredValue
		}
		table = append(table, r)
	}
	filtered := f.Region != "" || f.Tier != "" || f.Model != ""
	total, trend, err := s.estateFigures(ctx, rs.kpis, per, vis, table, filtered)
	if err != nil {
		return err
	}
	sortBy, dir := c.QueryParam("sort"), c.QueryParam("dir")
	sortEstate(table, sortBy, dir == "desc")
	data := struct {
		shell
		Cards      []kpiCard
		Rows       []estateRow
		Total      int
		Columns    []sortColumn
		Regions    []filterChoice
		Tiers      []filterChoice
		Models     []filterChoice
		Filtered   bool
		Trend      []trendWeek
		TrendSVG   [2]template.HTML // events, estimated loss
		SegFrom    time.Time
		SegTo      time.Time
		FilterVals url.Values
	}{
		shell: newShell(c, "estate", "Estate"), Rows: table, Total: len(stores),
		Filtered: filtered, SegFrom: segFrom, SegTo: segTo, Trend: trend,
	}
	if len(trend) > 0 {
		data.TrendSVG[0] = weekTrendSVG(trend, "Events", func(w trendWeek) (float64, float64) {
			return float64(w.Events), float64(w.PrevEvents)
		}, fmtInt)
		data.TrendSVG[1] = weekTrendSVG(trend, "Estimated loss", func(w trendWeek) (float64, float64) { return w.Loss, w.PrevLoss }, fmtInt)
	}
	data.Period = per
	if len(total) == 1 {
		data.Cards = cardsOf(&total[0], estateCards...)
	}
	data.Columns = sortColumns(c, per, sortBy, dir)
	var regionList []string
	for r := range regions {
		regionList = append(regionList, r)
	}
	slices.Sort(regionList)
	data.Regions = choices(f.Region, regionList, regionList)
	data.Tiers = choices(f.Tier, []string{segments.TierHigh, segments.TierMedium, segments.TierLow}, []string{"High", "Medium", "Low"})
	data.Models = choices(f.Model, []string{"soc", "checkout", "detection"}, []string{"SOC-led", "Aisle-to-checkout", "Detection-only"})
	return render(c, http.StatusOK, "estate.html", data)
}

// estateFigures reads the headline cards' figures and the trend by week
// for the stores the table shows: every store in scope, or those the
// filters leave (none: no figures).
func (s *Server) estateFigures(ctx context.Context, kpis *kpi.KPIs, per *period, vis []string, table []estateRow, filtered bool) ([]kpi.Row, []trendWeek, error) {
	scope := vis
	if filtered {
		if len(table) == 0 {
			return nil, nil, nil
		}
		scope = make([]string, len(table))
		for i, r := range table {
			scope[i] = r.Store.Code
		}
	}
	prev := ss.Period{From: per.From, To: per.To, Dates: true}.Previous()
	qe := kpi.Query{From: per.From, To: per.To, Dates: true, Scope: scope, By: kpi.ByEstate}
	qw := qe
	qw.By = kpi.ByWeek
	qp := qw
	qp.From, qp.To = prev.From, prev.To
	var total, cur, before []kpi.Row
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { total, err = kpis.Get(gctx, qe); return err })
	g.Go(func() (err error) { cur, err = kpis.Get(gctx, qw); return err })
	g.Go(func() (err error) { before, err = kpis.Get(gctx, qp); return err })
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return total, estateTrend(per.From, per.To, prev.From, prev.To, cur, before), nil
}

func choices(selected string, values, labels []string) []filterChoice {
	out := make([]filterChoice, len(values))
	for i, v := range values {
		out[i] = filterChoice{Value: v, Label: labels[i], Selected: v == selected}
	}
	return out
}

// estateSortable are the table's sortable columns: key and header.
var estateSortable = [][2]string{{"store", "Store"}, {"region", "Region"}, {"tier", "Risk tier"}, {"model", "Operating model"},
	{"events", "Events"}, {"rate_per_1k", "Rate /1k"}, {"est_loss", "Est. loss"}, {"recovery_rate", "Recovery"}, {"shrink_pct", "Shrink"}}

// sortColumns are the headers' links: a click sorts by the column, a second reverses it.
func sortColumns(c echo.Context, per *period, by, dir string) []sortColumn {
	out := make([]sortColumn, 0, len(estateSortable))
	for _, col := range estateSortable {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			q[k] = v
		}
		q.Set("from", per.From.Format(time.DateOnly))
		q.Set("to", per.To.Format(time.DateOnly))
		q.Set("sort", col[0])
		sc := sortColumn{Label: col[1]}
		q.Del("dir")
		if by == col[0] {
			sc.Dir = "ascending"
			if dir == "desc" {
				sc.Dir = "descending"
			} else {
				q.Set("dir", "desc")
			}
		}
		sc.Href = "?" + q.Encode()
		out = append(out, sc)
	}
	return out
}

var tierRank = map[string]int{segments.TierHigh: 3, segments.TierMedium: 2, segments.TierLow: 1}

// sortEstate orders rows by a column; stores without the figure sort last
// either way, and ties fall back to the store code.
func sortEstate(rows []estateRow, by string, desc bool) {
	slices.SortStableFunc(rows, func(a, b estateRow) int {
		var d int
		switch by {
		case "", "store":
			d = strings.Compare(a.Store.Code, b.Store.Code)
		case "region":
			d = strings.Compare(a.Store.Region, b.Store.Region)
		case "model":
			d = strings.Compare(string(a.Store.OperatingModel), string(b.Store.OperatingModel))
		case "tier":
			d = cmp.Compare(tierRank[a.Tier], tierRank[b.Tier])
		default:
			va, vb := a.sortKey[by], b.sortKey[by]
			switch {
			case va == nil && vb == nil:
			case va == nil:
				return 1
			case vb == nil:
				return -1
			default:
				d = cmp.Compare(*va, *vb)
			}
		}
		if desc {
			d = -d
		}
		if d == 0 {
			d = strings.Compare(a.Store.Code, b.Store.Code)
		}
		return d
	})
}
