package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/reports"
)

func (s *Server) webhookService() (*reports.Webhooks, error) {
	if s.webhooks == nil {
		return nil, ss.Errorf(ss.ENOTFOUND, "id", "this server delivers no webhooks")
	}
	return s.webhooks, nil
}

// postWebhook registers a webhook: {url, events, secret}.
func (s *Server) postWebhook(c echo.Context) error {
	wh, err := s.webhookService()
	if err != nil {
		return err
	}
	var in reports.NewWebhook
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	w, err := wh.Create(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, w)
}

func (s *Server) listWebhooks(c echo.Context) error {
	wh, err := s.webhookService()
	if err != nil {
		return err
	}
	list, err := wh.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"webhooks": list, "events": reports.Events})
}

func (s *Server) deleteWebhook(c echo.Context) error {
	wh, err := s.webhookService()
	if err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := wh.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// webhookDeliveries shows a webhook's delivery history, newest first.
func (s *Server) webhookDeliveries(c echo.Context) error {
	wh, err := s.webhookService()
	if err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return ss.Errorf(ss.EINVALID, "limit", "limit must be a whole number from 1 to 1000, got %q", v)
		}
	}
	list, err := wh.Deliveries(c.Request().Context(), id, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"webhook_id": id, "deliveries": list})
}
