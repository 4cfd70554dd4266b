package web

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
)

// putEvidence answers PUT /api/v1/events/:id/evidence: an MP4 clip of at
// most EvidenceMaxBytes for the event's alert. It is sent after the event
// itself, which never waits for it.
func (s *Server) putEvidence(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	id, _ := uuid.Parse(c.Param("id")) // the scope has checked it
	r := c.Request()
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != alerts.EvidenceType {
		return ss.Errorf(ss.EUNSUPPORTED, "Content-Type", "Content-Type must be %s, got %q", alerts.EvidenceType, r.Header.Get("Content-Type"))
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(c.Response(), r.Body, s.opt.EvidenceMaxBytes)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ss.Errorf(ss.ETOOLARGE, "body", "a clip may be at most %d bytes", s.opt.EvidenceMaxBytes)
		}
		return err
	}
	if err := s.alerts.PutEvidence(r.Context(), principal(c), id, buf.Bytes()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// getEvidence answers GET /api/v1/alerts/:id/evidence with the clip, after
// recording the view; no cache may keep it.
func (s *Server) getEvidence(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	clip, err := s.alerts.Evidence(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, alerts.EvidenceType, clip)
}

// getEvidenceViews answers GET /api/v1/alerts/:id/evidence/views: who
// viewed the clip, and when.
func (s *Server) getEvidenceViews(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	views, err := s.alerts.Views(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"views": views})
}

func (s *Server) eventStore(ctx context.Context, id uuid.UUID) (string, error) {
	if s.alerts == nil {
		return "", noAlerts()
	}
	return s.alerts.EventStore(ctx, id)
}
