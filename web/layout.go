package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/layout"
)

// pathID reads the :id path parameter as a positive integer.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ss.Errorf(ss.EINVALID, "id", "id must be a positive integer, got %q", c.Param("id"))
	}
	return id, nil
}

// queryDate reads an optional YYYY-MM-DD query parameter.
func queryDate(c echo.Context, name string) (time.Time, bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, false, ss.Errorf(ss.EINVALID, name, "%s must be a date YYYY-MM-DD, got %q", name, v)
	}
	if err := ss.CheckDate(name, t); err != nil {
		return time.Time{}, false, err
	}
	return t, true, nil
}

// zonesAt answers GET zones?at=DATE: the planogram version of that day.
func (s *Server) zonesAt(c echo.Context, code string, day time.Time) error {
	v, err := s.layout.ZonesAt(c.Request().Context(), code, day)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"store": code, "at": day.Format(time.DateOnly),
		"layout_version": v.Version, "effective_from": v.EffectiveFrom, "note": v.Note,
		"type": v.Zones.Type, "features": v.Zones.Features})
}

func (s *Server) getHotspots(c echo.Context) error {
	rs := s.on(c)
	code := c.Param("code")
	st, err := rs.layout.Store(c.Request().Context(), code)
	if err != nil {
		return err
	}
	loc, err := st.Location()
	if err != nil {
		return err
	}
	r := layout.HotspotWindow
	r.Location = loc
	per, err := queryPeriod(c, r)
	if err != nil {
		return err
	}
	from, to := per.From, per.To
	h, err := rs.layout.Hotspots(c.Request().Context(), code, from, to)
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, h)
}

func (s *Server) postLayoutChange(c echo.Context) error {
	code := c.Param("code")
	var in layout.ChangeInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	id, err := s.layout.CreateChange(c.Request().Context(), code, principal(c).Name, in)
	if err != nil {
		return err
	}
	s.refreshRecommendations(c, code)
	return c.JSON(http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) getLayoutChanges(c echo.Context) error {
	code := c.Param("code")
	changes, err := s.layout.Changes(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"store": code, "changes": changes})
}

func (s *Server) getEvaluation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ev, err := s.layout.Evaluation(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ev)
}

// refreshRecommendations regenerates a store's recommendations after its
// layout changed (a zone upload, a change implemented): they are read as
// stored. The layout is already committed, so a failure is logged, not
// answered; the weekly job and POST …/recommendations/refresh redo it.
func (s *Server) refreshRecommendations(c echo.Context, code string) {
	if _, err := s.layout.RefreshStoreRecommendations(c.Request().Context(), code); err != nil {
		s.log.Warn("recommendations not refreshed after a layout change", "store", code, "err", err)
	}
}

// postRecommendationsRefresh is POST /api/v1/stores/{code}/recommendations/refresh.
func (s *Server) postRecommendationsRefresh(c echo.Context) error {
	code := c.Param("code")
	n, err := s.layout.RefreshStoreRecommendations(c.Request().Context(), code)
	if err != nil {
		return err
	}
	recs, err := s.layout.Recommendations(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"store": code, "refreshed": n, "recommendations": recs})
}

func (s *Server) getRecommendations(c echo.Context) error {
	code := c.Param("code")
	recs, err := s.layout.Recommendations(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"store": code, "recommendations": recs})
}

func (s *Server) acceptRecommendation(c echo.Context) error { return s.decide(c, true) }

func (s *Server) rejectRecommendation(c echo.Context) error { return s.decide(c, false) }

func (s *Server) decide(c echo.Context, accept bool) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if c.Request().ContentLength != 0 {
		if err := s.decodeJSON(c, &body); err != nil {
			return err
		}
	}
	r, err := s.layout.Decide(c.Request().Context(), id, accept, principal(c).Name, body.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
