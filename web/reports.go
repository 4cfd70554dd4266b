package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shrinkscope/shrinkscope/reports"
)

func (s *Server) storeReports(c echo.Context) error {
	code := c.Param("code")
	if _, err := s.layout.Store(c.Request().Context(), code); err != nil {
		return err
	}
	list, err := s.reports.List(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"store": code, "reports": list})
}

// estateReports lists the estate's reports (its scope: estate).
func (s *Server) estateReports(c echo.Context) error {
	list, err := s.reports.List(c.Request().Context(), "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reports": list})
}

// getReport serves a snapshot as one self-contained document: its policy
// lets the inline script and styles run and loads nothing else.
func (s *Server) getReport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	_, doc, err := s.reports.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")
	return c.HTMLBlob(http.StatusOK, doc)
}

// echarts serves the embedded ECharts script, where go-echarts' AssetsHost points.
func (s *Server) echarts(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", reports.EChartsJS())
}
