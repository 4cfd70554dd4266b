package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/sheet"
	"github.com/shrinkscope/shrinkscope/kpi"
)

func (s *Server) getKPIs(c echo.Context) error {
	rs := s.on(c)
	per, err := queryPeriod(c, ss.PeriodRules{})
	if err != nil {
		return err
	}
	q := kpi.Query{
		From: per.From, To: per.To, Dates: per.Dates, Scope: visible(c),
		Store: c.QueryParam("store"), Region: c.QueryParam("region"), Zone: c.QueryParam("zone"),
		Category: c.QueryParam("category"), Method: c.QueryParam("method"), By: kpi.Grouping(c.QueryParam("by")),
	}
	if q.By == "" {
		q.By = kpi.ByStore
	}
	a, err := rs.kpis.Answer(c.Request().Context(), q)
	if err != nil {
		return err
	}
	if c.QueryParam("format") == "csv" || strings.Contains(c.Request().Header.Get("Accept"), "text/csv") {
		return writeKPICSV(c, q.By, a)
	}
	return readJSONRows(c, http.StatusOK, map[string]any{
		"from": a.Current.From, "to": a.Current.To, "by": q.By,
		"periods": map[string]kpi.Coverage{"current": a.Current, "previous": a.Previous},
	}, a.Rows)
}

// writeKPICSV streams an answer as CSV, in the order a person reads it: the
// key columns, the currency, as_of (the instant up to which the figures
// hold every commit: see replica.go), the period (from, to), each KPI, the previous period and its
// KPIs, each change and, where change is empty, the reason. Dates are ISO
// 8601 local dates (instants RFC 3339); an empty cell is a null; the
// figures are the JSON answer's, at the same precision; text cells (the
// keys: category, region, …) pass through sheet.Text.
func writeKPICSV(c echo.Context, by kpi.Grouping, a *kpi.Answer) error {
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="kpis-`+string(by)+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	stamp := asOf(c).UTC().Format(time.RFC3339)
	header := append([]string{}, by.KeyFields()...)
	header = append(header, "currency", "as_of")
	for _, prefix := range []string{"", "previous_", "change_"} {
		if prefix != "change_" {
			header = append(header, prefix+"from", prefix+"to")
		}
		for _, d := range kpi.KPIDefs {
			header = append(header, prefix+d.Column)
		}
	}
	header = append(header, "change_reason", "money_reason", "previous_money_reason")
	if by == kpi.ByStore {
		header = append(header, "reporting_currency", "reporting_est_loss", "reporting_recovered_value", "reporting_money_reason")
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for _, r := range a.Rows {
		rec := make([]string, 0, len(header))
		for _, col := range by.KeyFields() {
			rec = append(rec, sheet.Text(r.Key.Field(col)))
		}
		rec = append(rec, string(r.Currency), stamp)
		var prev, chg map[string]*float64
		if r.Previous != nil {
			prev = r.Previous.Values()
		}
		if r.Change != nil {
			chg = r.Change.Values()
		}
		for i, vals := range []map[string]*float64{r.Values(), prev, chg} {
			switch i {
			case 0:
				rec = append(rec, a.Current.From, a.Current.To)
			case 1:
				rec = append(rec, a.Previous.From, a.Previous.To)
			}
			for _, d := range kpi.KPIDefs {
				rec = append(rec, cell(vals[d.Name], d.Money, r.Currency))
			}
		}
		prevReason := ""
		if r.Previous != nil {
			prevReason = r.Previous.MoneyReason
		}
		rec = append(rec, sheet.Text(r.ChangeReason), sheet.Text(r.MoneyReason), sheet.Text(prevReason))
		if by == kpi.ByStore {
			if c := r.Reporting; c != nil {
				rec = append(rec, string(c.Currency), cell(c.EstLoss, true, c.Currency), cell(c.RecoveredValue, true, c.Currency), sheet.Text(c.MoneyReason))
			} else {
				rec = append(rec, "", "", "", "")
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// cell prints a figure as its shortest decimal (the figures are already
// rounded), money with the decimals of its currency's minor unit.
func cell(v *float64, money bool, cur ss.Currency) string {
	switch {
	case v == nil:
		return ""
	case money:
		return strconv.FormatFloat(*v, 'f', cur.StoredDecimals(), 64)
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func (s *Server) getTargets(c echo.Context) error {
	history := c.QueryParam("history") == "true"
	list, err := s.kpis.Targets(c.Request().Context(), visible(c), history)
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
		Store  string  `json:"store"`
		KPI    string  `json:"kpi"`
		Op     string  `json:"op"`
		Value  float64 `json:"value"`
		Period string  `json:"period"`
		Note   string  `json:"note"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	t = kpi.Target{Store: in.Store, KPI: in.KPI, Op: in.Op, Value: in.Value, Period: in.Period, Note: in.Note, SetBy: principal(c).Name}
	if err := s.kpis.SetTarget(c.Request().Context(), &t); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) deleteTarget(c echo.Context) error {
	store, name := c.QueryParam("store"), c.QueryParam("kpi")
	if err := s.kpis.ClearTarget(c.Request().Context(), store, name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
