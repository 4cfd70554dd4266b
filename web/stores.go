package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

func (s *Server) listStores(c echo.Context) error {
	stores, err := s.layout.Stores(c.Request().Context(), visible(c))
	if err != nil {
		return err
	}
	if stores == nil {
		stores = []ss.Store{}
	}
	return c.JSON(http.StatusOK, map[string]any{"stores": stores})
}

func (s *Server) getStore(c echo.Context) error {
	code := c.Param("code")
	st, err := s.layout.Store(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) putStore(c echo.Context) error {
	code := c.Param("code")
	var st ss.Store
	if err := s.decodeJSON(c, &st); err != nil {
		return err
	}
	if st.Code != "" && st.Code != code {
		return ss.Errorf(ss.EINVALID, "code", "body code %q differs from the path's %q", st.Code, code)
	}
	st.Code = code
	created, err := s.layout.PutStore(c.Request().Context(), &st)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, st)
}

func (s *Server) getZones(c echo.Context) error {
	code := c.Param("code")
	if day, ok, err := queryDate(c, "at"); err != nil || ok {
		if err != nil {
			return err
		}
		return s.zonesAt(c, code, day)
	}
	zones, err := s.layout.Zones(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ss.GeoJSON(zones))
}

func (s *Server) putZones(c echo.Context) error {
	code := c.Param("code")
	var fc ss.FeatureCollection
	if err := s.decodeJSON(c, &fc); err != nil {
		return err
	}
	zones, err := ss.ZonesFromGeoJSON(&fc)
	if err != nil {
		return err
	}
	// effective_from dates a layout that was already in force before it was uploaded.
	var effective time.Time
	if v := c.QueryParam("effective_from"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		switch {
		case err != nil:
			return ss.Errorf(ss.EINVALID, "effective_from", "effective_from %q is not an RFC 3339 timestamp", v)
		case t.Before(ss.Earliest):
			return ss.Errorf(ss.EINVALID, "effective_from", "effective_from %s is before %s", v, ss.Earliest.Format(time.DateOnly))
		case t.After(time.Now().Add(ss.MaxClockSkew)):
			return ss.Errorf(ss.EINVALID, "effective_from", "effective_from %s is in the future; upload a layout when it takes effect", v)
		}
		effective = t
	}
	version, err := s.layout.PutZones(c.Request().Context(), code, zones, effective)
	if err != nil {
		return err
	}
	s.refreshRecommendations(c, code)
	return c.JSON(http.StatusOK, map[string]any{"store": code, "layout_version": version, "zones": len(zones)})
}
