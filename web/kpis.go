package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// parsePeriod reads from and to: both dates (inclusive, local) or both RFC
// 3339 instants (half-open). Without both, the last 30 full days.
func parsePeriod(c echo.Context, now time.Time) (from, to time.Time, dates bool, err error) {
	f, t := c.QueryParam("from"), c.QueryParam("to")
	if f == "" && t == "" {
		y := now.UTC().AddDate(0, 0, -1)
		to = time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
		return to.AddDate(0, 0, -29), to, true, nil
	}
	if f == "" || t == "" {
		return from, to, false, ss.Errorf(ss.EINVALID, "from", "give both from and to, or neither (the last 30 days)")
	}
	fd, errFd := time.Parse(time.DateOnly, f)
	td, errTd := time.Parse(time.DateOnly, t)
	if errFd == nil && errTd == nil {
		return fd, td, true, checkPeriod(fd, td, f, t)
	}
	fi, errFi := time.Parse(time.RFC3339, f)
	ti, errTi := time.Parse(time.RFC3339, t)
	switch {
	case errFd != nil && errFi != nil:
		return from, to, false, ss.Errorf(ss.EINVALID, "from", "from %q is neither a date (YYYY-MM-DD) nor an RFC 3339 instant", f)
	case errFi != nil || errTi != nil:
		return from, to, false, ss.Errorf(ss.EINVALID, "to", "to %q is not of the same kind as from: use two dates or two RFC 3339 instants", t)
	}
	return fi, ti, false, checkPeriod(fi, ti, f, t)
}

// checkPeriod refuses a bound before the earliest time the service stores,
// which would otherwise read as a missing bound (the zero time).
func checkPeriod(from, to time.Time, f, t string) error {
	if from.Before(ss.Earliest) {
		return ss.Errorf(ss.EINVALID, "from", "from %s is before %s, the earliest date the service stores", f, ss.Earliest.Format(time.DateOnly))
	}
	if to.Before(ss.Earliest) {
		return ss.Errorf(ss.EINVALID, "to", "to %s is before %s, the earliest date the service stores", t, ss.Earliest.Format(time.DateOnly))
	}
	return nil
}

func (s *Server) getKPIs(c echo.Context) error {
	from, to, dates, err := parsePeriod(c, time.Now())
	if err != nil {
		return err
	}
	q := kpi.Query{
		From: from, To: to, Dates: dates, Scope: principal(c).Stores,
		Store: c.QueryParam("store"), Region: c.QueryParam("region"), Zone: c.QueryParam("zone"),
		Category: c.QueryParam("category"), By: c.QueryParam("by"),
	}
	if q.By == "" {
		q.By = "store"
	}
	if q.Store != "" {
		if err := requireStore(c, q.Store); err != nil {
			return err
		}
	}
	rows, err := s.kpis.Get(c.Request().Context(), q)
	if err != nil {
		return err
	}
	if c.QueryParam("format") == "csv" || strings.Contains(c.Request().Header.Get("Accept"), "text/csv") {
		return writeKPICSV(c, q.By, rows)
	}
	layout := time.RFC3339
	if dates {
		layout = time.DateOnly
	}
	return c.JSON(http.StatusOK, map[string]any{
		"from": from.Format(layout), "to": to.Format(layout), "by": q.By, "rows": rows,
	})
}

// keyColumns are the CSV key columns of each grouping.
var keyColumns = map[string][]string{
	"estate": {}, "region": {"region"}, "store": {"store"}, "zone": {"store", "zone"}, "category": {"category"},
	"day": {"day"}, "week": {"week"}, "hour_of_week": {"hour_of_week"},
}

// writeKPICSV streams rows as CSV: key columns, each KPI, each previous-period
// KPI and each change; an empty cell is a null.
func writeKPICSV(c echo.Context, by string, rows []kpi.Row) error {
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="kpis-`+by+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	header := append([]string{}, keyColumns[by]...)
	for _, prefix := range []string{"", "previous_", "change_"} {
		for _, name := range kpi.KPINames {
			header = append(header, prefix+name)
		}
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		rec := make([]string, 0, len(header))
		for _, col := range keyColumns[by] {
			rec = append(rec, r.Key.Field(col))
		}
		for _, vals := range []map[string]*float64{r.Values(), r.Previous.Values(), r.Change.Values()} {
			for _, name := range kpi.KPINames {
				rec = append(rec, cell(vals[name]))
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func cell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func (s *Server) getTargets(c echo.Context) error {
	history := c.QueryParam("history") == "true"
	list, err := s.kpis.Targets(c.Request().Context(), principal(c).Stores, history)
	if err != nil {
		return err
	}
	if list == nil {
		list = []kpi.Target{}
	}
	return c.JSON(http.StatusOK, map[string]any{"targets": list})
}

func (s *Server) putTarget(c echo.Context) error {
	var t kpi.Target
	var in struct {
		Store string  `json:"store"`
		KPI   string  `json:"kpi"`
		Op    string  `json:"op"`
		Value float64 `json:"value"`
		Note  string  `json:"note"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	p := principal(c)
	if len(p.Stores) > 0 && (in.Store == "" || !p.CanSeeStore(in.Store)) {
		return ss.Errorf(ss.EFORBIDDEN, "store", "a store-scoped token sets targets of its own stores only")
	}
	t = kpi.Target{Store: in.Store, KPI: in.KPI, Op: in.Op, Value: in.Value, Note: in.Note, SetBy: p.Name}
	if err := s.kpis.SetTarget(c.Request().Context(), &t); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) deleteTarget(c echo.Context) error {
	store, name := c.QueryParam("store"), c.QueryParam("kpi")
	p := principal(c)
	if len(p.Stores) > 0 && (store == "" || !p.CanSeeStore(store)) {
		return ss.Errorf(ss.EFORBIDDEN, "store", "a store-scoped token clears targets of its own stores only")
	}
	if err := s.kpis.ClearTarget(c.Request().Context(), store, name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getSegments(c echo.Context) error {
	days := 90
	if v := c.QueryParam("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return ss.Errorf(ss.EINVALID, "days", "days must be a whole number, got %q", v)
		}
		days = n
	}
	y := time.Now().UTC().AddDate(0, 0, -1)
	to := time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
	if v := c.QueryParam("to"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return ss.Errorf(ss.EINVALID, "to", "to must be a date (YYYY-MM-DD), got %q", v)
		}
		to = d
	}
	segs, err := s.kpis.Segments(c.Request().Context(), to, days, principal(c).Stores, s.opt.Segments)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"to": to.Format(time.DateOnly), "days": days, "stores": segs})
}
