package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// The alert stream is Server-Sent Events: each change of an alert in the
// token's stores is a message "id: N / event: alert / data: the alert". A
// console that reconnects sends the last id it got (Last-Event-ID, which
// EventSource sends by itself, or ?last_event_id=) and gets what came
// after it from the outbox, nothing twice; when that id is older than the
// outbox keeps it gets "event: resync" and reloads the list. After the
// replay comes "event: ready" whose id is where the stream stands, so even
// a console that saw no alert resumes without a gap. A comment line every
// AlertHeartbeat keeps proxies from closing a quiet stream.
//
// The route stays out of the read gate (its slots are for short reads:
// a stream would hold one for hours), counts once against the token's rate
// limit, and the server sets no write timeout; the stream ends when the
// client leaves, when the server shuts down, or when this replica's hub
// drops it (the console then reconnects and resumes).

// streamPath is the one long-lived route.
const streamPath = "/api/v1/alerts/stream"

func (s *Server) alertStream(c echo.Context) error {
	if s.alerts == nil {
		return noAlerts()
	}
	raw := c.Request().Header.Get("Last-Event-ID")
	if raw == "" {
		raw = c.QueryParam("last_event_id")
	}
	var last int64
	resume := raw != ""
	if resume {
		var err error
		if last, err = strconv.ParseInt(raw, 10, 64); err != nil || last < 0 {
			return ss.Errorf(ss.EINVALID, "Last-Event-ID", "Last-Event-ID must be a message id (a whole number), got %q", raw)
		}
	}
	ctx := c.Request().Context()
	feed, err := s.alerts.Follow(ctx, visible(c), resume, last)
	if err != nil {
		return err
	}
	defer feed.Close()
	w := c.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	if feed.Resync {
		fmt.Fprintf(w, "id: %d\nevent: resync\ndata: {\"reason\":\"the stream's history no longer holds id %d: reload the alert list\"}\n\n", feed.Cursor, last)
	}
	for _, m := range feed.Backlog {
		fmt.Fprintf(w, "id: %d\nevent: alert\ndata: %s\n\n", m.ID, m.Data)
	}
	fmt.Fprintf(w, "id: %d\nevent: ready\ndata: {\"id\":%d}\n\n", feed.Cursor, feed.Cursor)
	w.Flush()
	beat := time.NewTicker(s.opt.AlertHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.stopping:
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
		case m, ok := <-feed.Live():
			if !ok {
				return nil // behind, or the hub lost the database: the console resumes
			}
			if !feed.Accept(m) {
				continue
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: alert\ndata: %s\n\n", m.ID, m.Data); err != nil {
				return nil
			}
		}
		w.Flush()
	}
}
