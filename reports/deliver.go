package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeliveryConfig sets how the worker sends deliveries.
type DeliveryConfig struct {
	Poll        time.Duration // how often the worker looks for due deliveries; default 1s
	Timeout     time.Duration // one attempt's HTTP timeout; default 10s
	Backoff     time.Duration // wait after the first failed attempt, doubling per attempt; default 10s
	MaxBackoff  time.Duration // longest wait between attempts; default 1h
	MaxAttempts int           // attempts before a delivery is failed; default 12 (about 7 hours)
	Batch       int           // deliveries one pass takes; default 20
	// Allow lists the hosts and networks a webhook may reach beyond public
	// addresses (--webhook-allow); the zero value allows none.
	Allow Allow
	Log   *slog.Logger // default: slog.Default()
}

func (c *DeliveryConfig) defaults() {
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = 10 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// takeSQL leases due deliveries: rows another worker holds are skipped, and
// next_attempt_at moves past the send timeout so no other worker takes them
// while this one sends. A worker that dies leaves them due again later.
const takeSQL = `WITH due AS (
    SELECT id FROM report_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
)
UPDATE report_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $2::interval
FROM due, report_webhooks w WHERE d.id = due.id AND w.id = d.webhook_id
RETURNING d.id, d.event, d.body, d.attempts, w.url, w.secret`

type taken struct {
	ID       string
	Event    string
	Body     string
	Attempts int
	URL      string
	Secret   string
}

// DeliverDue sends every due delivery once and records each outcome; it
// returns how many it sent successfully.
func (s *Webhooks) DeliverDue(ctx context.Context) (int, error) {
	lease := fmt.Sprintf("%d milliseconds", (2*s.cfg.Timeout + 30*time.Second).Milliseconds())
	rows, err := s.pool.Query(ctx, takeSQL, s.cfg.Batch, lease)
	if err != nil {
		return 0, fmt.Errorf("reports: take due deliveries: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowToStructByPos[taken])
	if err != nil {
		return 0, fmt.Errorf("reports: take due deliveries: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent int
		errs []error
	)
	for _, d := range due {
		wg.Go(func() {
			ok, err := s.deliver(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			sent += b2i(ok)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return sent, errs[0]
	}
	return sent, nil
}

// deliver makes one attempt of d and records it.
func (s *Webhooks) deliver(ctx context.Context, d taken) (bool, error) {
	code, errText, cause := s.post(ctx, d)
	// The outcome is recorded even when ctx ended mid-send.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var status *int
	if code != 0 {
		status = &code
	}
	if errText == "" {
		_, err := s.pool.Exec(rctx, `UPDATE report_deliveries SET status = 'delivered', last_status = $2, last_error = '',
    delivered_at = now() WHERE id = $1`, d.ID, status)
		if err != nil {
			return false, fmt.Errorf("reports: record delivery %s: %w", d.ID, err)
		}
		return true, nil
	}
	next, state := retryDelay(s.cfg.Backoff, s.cfg.MaxBackoff, d.Attempts), "pending"
	if d.Attempts >= s.cfg.MaxAttempts {
		state = "failed"
	}
	if cause == nil {
		cause = errors.New(errText)
	}
	s.cfg.Log.Warn("webhook delivery failed", "delivery", d.ID, "event", d.Event, "url", d.URL, "attempt", d.Attempts, "err", cause, "state", state)
	_, err := s.pool.Exec(rctx, `UPDATE report_deliveries SET status = $2, last_status = $3, last_error = $4,
    next_attempt_at = now() + $5 * interval '1 millisecond' WHERE id = $1`, d.ID, state, status, errText, next.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("reports: record delivery %s: %w", d.ID, err)
	}
	return false, nil
}

// ErrNoAnswer is the last_error of an attempt that got no HTTP answer. It
// is the same whatever the cause (refused connection, reset, timeout, TLS,
// a destination the network rules refuse), so the delivery history cannot
// serve as a port scanner of the operator's network; the cause goes to the
// server log.
const ErrNoAnswer = "no HTTP answer from the receiver (the server log has the cause)"

// post sends d; any 2xx answer delivers it, and a redirect is not followed.
// It returns the HTTP status (0 when there was none) and, unless
// delivered, why not: the text to record, and the cause to log.
func (s *Webhooks) post(ctx context.Context, d taken) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, ErrNoAnswer, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shrinkscope-webhooks")
	req.Header.Set(SignatureHeader, Sign(d.Secret, body))
	req.Header.Set(DeliveryHeader, d.ID)
	req.Header.Set(EventHeader, d.Event)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, ErrNoAnswer, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	// The status code alone is recorded: the reason phrase is the receiver's own text.
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		return resp.StatusCode, fmt.Sprintf("receiver answered %d; redirects are not followed", resp.StatusCode), nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return resp.StatusCode, fmt.Sprintf("receiver answered %d", resp.StatusCode), nil
	}
	return resp.StatusCode, "", nil
}

// Run sends due deliveries every Poll until ctx ends. A slow receiver
// delays only its own deliveries' pass, never the job that made them.
func (s *Webhooks) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("webhook deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
