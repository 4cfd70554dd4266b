package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// noCheckout answers the checkout routes of a server built without the service.
func noCheckout() error {
	return ss.Errorf(ss.ENOTFOUND, "", "the checkout hand-off is not served here")
}

// postPresence answers POST /api/v1/checkout/presence: the vision tier's
// batch of tracks at lanes and exits through entrances.
func (s *Server) postPresence(c echo.Context) error {
	if s.checkout == nil {
		return noCheckout()
	}
	return postBatch(s, c, "presence", s.checkout.Presence)
}

// postCheckoutOutcomes answers POST /api/v1/checkout/outcomes: what the
// point of sale did with a flagged track.
func (s *Server) postCheckoutOutcomes(c echo.Context) error {
	if s.checkout == nil {
		return noCheckout()
	}
	return postBatch(s, c, "outcomes", s.checkout.Outcomes)
}

// getLane answers GET /api/v1/checkout/lanes/:code/:lane from the
// replica's memory.
func (s *Server) getLane(c echo.Context) error {
	if s.checkout == nil {
		return noCheckout()
	}
	st, err := s.checkout.Lane(c.Request().Context(), c.Param("code"), c.Param("lane"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) getCheckoutPolicy(c echo.Context) error {
	if s.checkout == nil {
		return noCheckout()
	}
	p, err := s.checkout.Policy(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) putCheckoutPolicy(c echo.Context) error {
	if s.checkout == nil {
		return noCheckout()
	}
	var in struct {
		NudgeMinValue *float64 `json:"nudge_min_value"`
		BlockMinValue *float64 `json:"block_min_value"`
		BlockMinItems *int     `json:"block_min_items"`
		BlockOnRepeat *bool    `json:"block_on_repeat"`
		VisitMinutes  *int     `json:"visit_minutes"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	// A field left out keeps the value in force (the store's, else the default).
	cur, err := s.checkout.Policy(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	p := cur.Policy
	if in.NudgeMinValue != nil {
		p.NudgeMinValue = *in.NudgeMinValue
	}
	if in.BlockMinValue != nil {
		p.BlockMinValue = *in.BlockMinValue
	}
	if in.BlockMinItems != nil {
		p.BlockMinItems = *in.BlockMinItems
	}
	if in.BlockOnRepeat != nil {
		p.BlockOnRepeat = *in.BlockOnRepeat
	}
	if in.VisitMinutes != nil {
		p.VisitMinutes = *in.VisitMinutes
	}
	out, err := s.checkout.SetPolicy(c.Request().Context(), c.Param("code"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// tills are the roles of the point of sale's routes: it reads its lanes
// and posts their outcomes.
var tills = []ss.Role{ss.RoleAdmin, ss.RoleCheckout}

// getCheckoutFriction answers GET /api/v1/stores/:code/checkout-friction?from=&to=
// (local dates, both inclusive; default the last 30 days).
func (s *Server) getCheckoutFriction(c echo.Context) error {
	p, err := queryPeriod(c, ss.PeriodRules{DatesOnly: true})
	if err != nil {
		return err
	}
	f, err := s.kpis.StoreCheckoutFriction(c.Request().Context(), c.Param("code"), p.From, p.To)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}
