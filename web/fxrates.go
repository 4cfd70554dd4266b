package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// getFXRates lists the exchange rates to the reporting currency
// (?from=&to= dates, default the last 90 days; ?currency=).
func (s *Server) getFXRates(c echo.Context) error {
	to := time.Now().UTC().Truncate(24 * time.Hour)
	from := to.AddDate(0, 0, -89)
	if d, ok, err := queryDate(c, "from"); err != nil {
		return err
	} else if ok {
		from = d
	}
	if d, ok, err := queryDate(c, "to"); err != nil {
		return err
	} else if ok {
		to = d
	}
	if to.Before(from) {
		return ss.Errorf(ss.EINVALID, "to", "to must not be before from")
	}
	cur := ss.Currency(c.QueryParam("currency"))
	if cur != "" {
		if err := ss.CheckCurrency("currency", cur); err != nil {
			return err
		}
	}
	rates, err := s.kpis.Rates(c.Request().Context(), cur, from, to)
	if err != nil {
		return err
	}
	if rates == nil {
		rates = []kpi.Rate{}
	}
	return c.JSON(http.StatusOK, map[string]any{"reporting_currency": s.kpis.ReportingCurrency(), "rates": rates})
}

// putFXRates upserts rates: all of them, or none with every bad item named.
func (s *Server) putFXRates(c echo.Context) error {
	var in struct {
		Rates []kpi.Rate `json:"rates"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Rates == nil {
		return ss.Errorf(ss.EINVALID, "rates", `rates is required: [{"day":"2026-03-01","currency":"USD","rate":0.79}]`)
	}
	n, err := s.kpis.PutRates(c.Request().Context(), in.Rates)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reporting_currency": s.kpis.ReportingCurrency(), "accepted": n})
}
