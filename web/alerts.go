package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
)

// noAlerts answers the alert routes of a server built without the service.
func noAlerts() error {
	return ss.Errorf(ss.ENOTFOUND, "", "live alerts are not served here")
}

// listAlerts answers GET /api/v1/alerts?status=&store=&from=&to=.
func (s *Server) listAlerts(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	q := alerts.Query{Status: alerts.Status(c.QueryParam("status")), Stores: visible(c)}
	if q.Status != "" && !q.Status.Valid() {
		return ss.Errorf(ss.EINVALID, "status", "status must be open, claimed or closed, got %q", q.Status)
	}
	if code := c.QueryParam("store"); code != "" {
		if q.Stores != nil && !slices.Contains(q.Stores, code) {
			return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
		}
		q.Stores = []string{code}
	}
	if c.QueryParam("from") != "" || c.QueryParam("to") != "" {
		p, err := queryPeriod(c, ss.PeriodRules{})
		if err != nil {
			return err
		}
		q.Period = p
	}
	list, err := s.alerts.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"alerts": list})
}

// alertAction answers POST /api/v1/alerts/:id/claim and …/release.
func (s *Server) alertAction(act func(*alerts.Service, echo.Context, int64) (alerts.Alert, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.alerts == nil {
			return noAlerts()
		}
		id, err := pathID(c)
		if err != nil {
			return err
		}
		a, err := act(s.alerts, c, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, a)
	}
}

func (s *Server) claimAlert(c echo.Context) error {
	return s.alertAction(func(a *alerts.Service, c echo.Context, id int64) (alerts.Alert, error) {
		return a.Claim(c.Request().Context(), principal(c), id)
	})(c)
}

func (s *Server) releaseAlert(c echo.Context) error {
	return s.alertAction(func(a *alerts.Service, c echo.Context, id int64) (alerts.Alert, error) {
		return a.Release(c.Request().Context(), principal(c), id)
	})(c)
}

func (s *Server) closeAlert(c echo.Context) error {
	return s.alertAction(func(a *alerts.Service, c echo.Context, id int64) (alerts.Alert, error) {
		var in alerts.CloseInput
		if err := s.decodeJSON(c, &in); err != nil {
			return alerts.Alert{}, err
		}
		if in.Outcome == "" {
			return alerts.Alert{}, ss.Errorf(ss.EINVALID, "outcome", "outcome is required")
		}
		return a.Close(c.Request().Context(), principal(c), id, in)
	})(c)
}

// alertStore resolves the store of an alert, for the routes naming one by id.
func (s *Server) alertStore(ctx context.Context, id int64) (string, error) {
	if s.alerts == nil {
		return "", noAlerts()
	}
	return s.alerts.Store(ctx, id)
}

func (s *Server) getAlertSettings(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	st, err := s.alerts.Settings(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) putAlertSettings(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	var in struct {
		ClaimSeconds  *int `json:"claim_seconds"`
		ExpireMinutes *int `json:"expire_minutes"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if in.ClaimSeconds == nil {
		return ss.Errorf(ss.EINVALID, "claim_seconds", "claim_seconds is required")
	}
	if in.ExpireMinutes == nil {
		return ss.Errorf(ss.EINVALID, "expire_minutes", "expire_minutes is required")
	}
	st, err := s.alerts.SetSettings(c.Request().Context(), alerts.Settings{Store: c.Param("code"), ClaimSeconds: *in.ClaimSeconds, ExpireMinutes: *in.ExpireMinutes})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
