package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/reports"
)

func (s *Server) storeReports(c echo.Context) error {
	code := c.Param("code")
	if err := requireStore(c, code); err != nil {
		return err
	}
	if _, err := s.layout.Store(c.Request().Context(), code); err != nil {
		return err
	}
	list, err := s.reports.List(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"store": code, "reports": list})
}

// estateReports lists the estate's reports, for principals who see every store.
func (s *Server) estateReports(c echo.Context) error {
	if p := principal(c); len(p.Stores) > 0 {
		return ss.Errorf(ss.EFORBIDDEN, "", "the estate's reports need a token for every store")
	}
	list, err := s.reports.List(c.Request().Context(), "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reports": list})
}

// getReport serves a snapshot as one self-contained document: its policy
// lets the inline script and styles run and loads nothing else.
func (s *Server) getReport(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return ss.Errorf(ss.EINVALID, "id", "report id must be a number, got %q", c.Param("id"))
	}
	code, doc, err := s.reports.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p := principal(c)
	if code == "" && len(p.Stores) > 0 || code != "" && !p.CanSeeStore(code) {
		return ss.Errorf(ss.ENOTFOUND, "id", "no report %d", id)
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")
	return c.HTMLBlob(http.StatusOK, doc)
}

// echarts serves the embedded ECharts script, where go-echarts' AssetsHost points.
func (s *Server) echarts(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", reports.EChartsJS())
}
