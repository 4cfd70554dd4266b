package reports

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/findings"
)

// Webhook events.
const (
	EventReportCreated = "report.created"  // a weekly report snapshot was stored
	EventJobFailed     = "job.failed"      // a job's tick failed after its retries
	EventFinding       = "finding.created" // the weekly findings job found a series that changed
)

// Events lists every event a webhook may subscribe to.
var Events = []string{EventReportCreated, EventJobFailed, EventFinding}

// findingCreated is the data of a finding.created event.
type findingCreated struct {
	Week string `json:"week"`
	findings.Stored
}

// FindingsCreated writes a finding.created delivery per finding, in the
// transaction that stores them (a findings.Hook).
func FindingsCreated(ctx context.Context, tx pgx.Tx, week time.Time, found []findings.Stored) error {
	for _, f := range found {
		if err := enqueue(ctx, tx, EventFinding, findingCreated{Week: week.Format(time.DateOnly), Stored: f}); err != nil {
			return err
		}
	}
	return nil
}

// Webhook is a registered receiver of events; its secret is never shown.
type Webhook struct {
	ID        int64     `json:"id" db:"id"`
	URL       string    `json:"url" db:"url"`
	Events    []string  `json:"events" db:"events"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// NewWebhook is a webhook to register.
type NewWebhook struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// Limits of a webhook's fields. A short secret makes the signature
// guessable; the caps keep a registration from storing arbitrary data
// (2,048 characters is the URL length every HTTP stack accepts).
const (
	MinSecret = 16
	MaxSecret = 256
	MaxURL    = 2048
)

// Validate checks w, naming the field at fault, and returns it with its URL
// normalised: scheme and host in lower case, no fragment (never sent). The
// URL must be http or https, without credentials, and must not name an
// address the network rules refuse (webhooks_net.go) unless allow lists it;
// a host name is checked again each time a delivery dials it.
func (w NewWebhook) Validate(allow Allow) (NewWebhook, error) {
	if strings.TrimSpace(w.URL) == "" {
		return w, ss.Errorf(ss.EINVALID, "url", "url is required")
	}
	if err := ss.CheckText("url", w.URL, MaxURL); err != nil {
		return w, err
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return w, ss.Errorf(ss.EINVALID, "url", "url is not a URL: %v", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return w, ss.Errorf(ss.EINVALID, "url", "url must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return w, ss.Errorf(ss.EINVALID, "url", "url needs a host")
	}
	if u.User != nil {
		return w, ss.Errorf(ss.EINVALID, "url", "url may not hold credentials; the secret signs each delivery")
	}
	if why := allow.checkHost(u.Hostname()); why != "" {
		return w, ss.Errorf(ss.EINVALID, "url", "%s", why)
	}
	u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Host), "", ""
	w.URL = u.String()
	if len(w.URL) > MaxURL {
		return w, ss.Errorf(ss.EINVALID, "url", "url is at most %d characters once normalised", MaxURL)
	}
	if len(w.Events) == 0 {
		return w, ss.Errorf(ss.EINVALID, "events", "events must name at least one of %s", strings.Join(Events, ", "))
	}
	for i, e := range w.Events {
		if !slices.Contains(Events, e) {
			return w, ss.Errorf(ss.EINVALID, "events", "unknown event %q; events are %s", e, strings.Join(Events, ", "))
		}
		if slices.Contains(w.Events[:i], e) {
			return w, ss.Errorf(ss.EINVALID, "events", "event %q is listed twice", e)
		}
	}
	if err := ss.CheckText("secret", w.Secret, MaxSecret); err != nil {
		return w, err
	}
	if len(w.Secret) < MinSecret {
		return w, ss.Errorf(ss.EINVALID, "secret", "secret must be at least %d characters", MinSecret)
	}
	return w, nil
}

// Webhooks registers webhooks and delivers their events.
type Webhooks struct {
	pool   *pgxpool.Pool
	cfg    DeliveryConfig
	client *http.Client // dials only what cfg.Allow and the network rules let through
}

// NewWebhooks returns the webhook service on pool; cfg's zero fields take their defaults.
func NewWebhooks(pool *pgxpool.Pool, cfg DeliveryConfig) *Webhooks {
	cfg.defaults()
	return &Webhooks{pool: pool, cfg: cfg, client: deliveryClient(cfg.Allow, cfg.Timeout)}
}

const webhookColumns = `id, url, events, created_at`

// Create registers w, its URL normalised.
func (s *Webhooks) Create(ctx context.Context, w NewWebhook) (Webhook, error) {
	w, err := w.Validate(s.cfg.Allow)
	if err != nil {
		return Webhook{}, err
	}
	rows, err := s.pool.Query(ctx, `INSERT INTO report_webhooks (url, events, secret) VALUES ($1, $2, $3)
RETURNING `+webhookColumns, w.URL, w.Events, w.Secret)
	if err != nil {
		return Webhook{}, fmt.Errorf("reports: create webhook: %w", err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Webhook])
	if err != nil {
		return Webhook{}, fmt.Errorf("reports: create webhook: %w", err)
	}
	return out, nil
}

// List returns every webhook, oldest first.
func (s *Webhooks) List(ctx context.Context) ([]Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM report_webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reports: list webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Webhook])
	if err != nil {
		return nil, fmt.Errorf("reports: list webhooks: %w", err)
	}
	if out == nil {
		out = []Webhook{}
	}
	return out, nil
}

// Delete removes webhook id and its delivery history.
func (s *Webhooks) Delete(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM report_webhooks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("reports: delete webhook %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ss.Errorf(ss.ENOTFOUND, "id", "no webhook %d", id)
	}
	return nil
}

// Delivery is one event sent (or to be sent) to one webhook.
type Delivery struct {
	ID            string     `json:"id" db:"id"`
	WebhookID     int64      `json:"webhook_id" db:"webhook_id"`
	Event         string     `json:"event" db:"event"`
	Status        string     `json:"status" db:"status"` // pending, delivered or failed
	Attempts      int        `json:"attempts" db:"attempts"`
	LastStatus    *int       `json:"last_status" db:"last_status"` // the receiver's last HTTP status
	LastError     string     `json:"last_error" db:"last_error"`
	NextAttemptAt time.Time  `json:"next_attempt_at" db:"next_attempt_at"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at" db:"delivered_at"`
}

// Deliveries lists webhook id's deliveries, newest first, at most limit.
func (s *Webhooks) Deliveries(ctx context.Context, id int64, limit int) ([]Delivery, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM report_webhooks WHERE id = $1)`, id).Scan(&exists); err != nil {
		return nil, fmt.Errorf("reports: deliveries of webhook %d: %w", id, err)
	}
	if !exists {
		return nil, ss.Errorf(ss.ENOTFOUND, "id", "no webhook %d", id)
	}
	rows, err := s.pool.Query(ctx, `SELECT id, webhook_id, event, status, attempts, last_status, last_error,
    next_attempt_at, created_at, delivered_at
FROM report_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("reports: deliveries of webhook %d: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Delivery])
	if err != nil {
		return nil, fmt.Errorf("reports: deliveries of webhook %d: %w", id, err)
	}
	if out == nil {
		out = []Delivery{}
	}
	return out, nil
}

// enqueue writes a delivery of event with data to every webhook subscribed
// to it, inside tx: the event and its deliveries commit or roll back together.
// Every webhook gets every store's events: only a token for the whole
// estate may register one (the route table's estate scope), so no webhook's
// creator is limited to some stores.
func enqueue(ctx context.Context, tx pgx.Tx, event string, data any) error {
	body, err := eventBody(event, time.Now(), data)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO report_deliveries (webhook_id, event, body)
SELECT id, $1, $2 FROM report_webhooks WHERE $1 = ANY (events)`, event, string(body)); err != nil {
		return fmt.Errorf("reports: enqueue %s: %w", event, err)
	}
	return nil
}
