package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shrinkscope/shrinkscope/reports"
)

func (s *Server) storeReports(c echo.Context) error {
	rs := s.on(c)
	code := c.Param("code")
	if _, err := rs.layout.Store(c.Request().Context(), code); err != nil {
		return err
	}
	list, err := rs.reports.List(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, map[string]any{"store": code, "reports": list})
}

// estateReports lists the estate's reports (its scope: estate).
func (s *Server) estateReports(c echo.Context) error {
	rs := s.on(c)
	list, err := rs.reports.List(c.Request().Context(), "")
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, map[string]any{"reports": list})
}

// getReport serves a snapshot as one self-contained document: its policy
// lets its own inline scripts run, named by their SHA-256 (computed here,
// so a snapshot stored before this policy opens too), and its inline
// styles, and loads nothing else; a script injected into it would not run.
func (s *Server) getReport(c echo.Context) error {
	rs := s.on(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	_, doc, err := rs.reports.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", reportCSP(doc))
	return c.HTMLBlob(http.StatusOK, doc)
}

// echarts serves the embedded ECharts script, where go-echarts' AssetsHost points.
func (s *Server) echarts(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", reports.EChartsJS())
}

// reportCSP is a snapshot's policy: script-src lists the hash of each of
// its inline scripts (CSP Level 2, "hash-source"), so no other script runs.
func reportCSP(doc []byte) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src")
	hashes := inlineScriptHashes(doc)
	if len(hashes) == 0 {
		b.WriteString(" 'none'")
	}
	for _, h := range hashes {
		b.WriteString(" 'sha256-" + h + "'")
	}
	b.WriteString("; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	return b.String()
}

// inlineScriptHashes returns the base64 SHA-256 of the text of every
// <script> element without a src in doc, as a browser hashes it: the bytes
// between the start tag's '>' and "</script". The documents are the
// server's own (reports' template), which write no "</script" inside a
// script.
func inlineScriptHashes(doc []byte) []string {
	var out []string
	for {
		i := bytes.Index(doc, []byte("<script"))
		if i < 0 {
			return out
		}
		doc = doc[i+len("<script"):]
		end := bytes.IndexByte(doc, '>')
		if end < 0 {
			return out
		}
		attrs := doc[:end]
		doc = doc[end+1:]
		stop := bytes.Index(doc, []byte("</script"))
		if stop < 0 {
			return out
		}
		if !bytes.Contains(attrs, []byte("src=")) {
			sum := sha256.Sum256(doc[:stop])
			out = append(out, base64.StdEncoding.EncodeToString(sum[:]))
		}
		doc = doc[stop:]
	}
}
