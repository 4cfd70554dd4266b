package vision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Client calls the server's API with the ingest token.
type Client struct {
	URL   string
	Token string
	HTTP  *http.Client
}

// response is what a call returned: the status, the Retry-After hint and
// the body.
type response struct {
	status int
	retry  time.Duration
	body   []byte
}

func (c *Client) do(ctx context.Context, method, path string, body []byte) (response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return response{}, err
	}
	r := response{status: res.StatusCode, body: data}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		r.retry = time.Duration(s) * time.Second
	}
	return r, nil
}

// Zones fetches the store's zones as GeoJSON. A 401, 403 or 404 is a
// *RefusedError: the token or the store code needs fixing.
func (c *Client) Zones(ctx context.Context, store string) ([]byte, error) {
	r, err := c.do(ctx, http.MethodGet, "/api/v1/stores/"+store+"/zones", nil)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		if perm, msg := permanent(r); perm && r.status != http.StatusUnprocessableEntity {
			return nil, &RefusedError{Kind: "zones", Status: r.status, Message: msg}
		}
		return nil, fmt.Errorf("GET zones of %s: %d %s", store, r.status, bytes.TrimSpace(r.body))
	}
	return r.body, nil
}

// ParseZones decodes and validates a zones FeatureCollection.
func ParseZones(data []byte) ([]ss.Zone, error) {
	var fc ss.FeatureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("zones: %w", err)
	}
	return ss.ZonesFromGeoJSON(&fc)
}

// Sender delivers the spool to the ingest API until its context ends.
type Sender struct {
	Spool    *Spool
	Client   *Client
	Batch    int
	Interval time.Duration
	RetryMin time.Duration
	RetryMax time.Duration
	// Wait keeps delivering after a permanent refusal (delivery.on_refusal:
	// wait): the refused kind is tried again every RetryMax while the others
	// go on. Without it the first permanent refusal ends Run.
	Wait    bool
	Log     *slog.Logger
	Metrics *Metrics
	Wake    chan struct{} // a send on it starts a delivery round now

	refused map[string]time.Time // kind → when a waiting sender tries it again
}

// kinds are the spooled kinds, their endpoints and request keys.
var kinds = []struct{ dir, path, key string }{
	{spoolEvents, "/api/v1/events", "events"},
	{spoolFootfall, "/api/v1/footfall", "footfall"},
	{spoolPresence, "/api/v1/checkout/presence", "presence"},
}

// Run delivers until ctx ends, backing off exponentially (honouring
// Retry-After) while the server cannot take the items. A permanent refusal
// (*RefusedError) ends it with that error, unless Wait is set.
func (s *Sender) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		wait := s.Interval
		more, err := s.Round(ctx)
		var re *RefusedError
		switch {
		case errors.As(err, &re):
			return err
		case err != nil && ctx.Err() == nil:
			var hint time.Duration
			if re, ok := err.(*retryError); ok {
				hint = re.after
			}
			backoff = min(max(2*backoff, s.RetryMin), s.RetryMax)
			wait = max(backoff, hint)
			s.Log.Warn("delivery failed; will retry", "err", err, "retry_in", wait)
		case more:
			backoff, wait = 0, 0
		default:
			backoff = 0
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			case <-s.Wake:
			}
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// Drain delivers until the spool is empty (or ctx ends), backing off while
// the server is away. A permanent refusal ends it with the *RefusedError
// unless Wait is set, when it waits for the refused kind.
func (s *Sender) Drain(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		more, err := s.Round(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var re *RefusedError
		if errors.As(err, &re) {
			s.Log.Error("delivery stopped", "err", err.Error())
			return err
		}
		if err != nil {
			backoff = min(max(2*backoff, s.RetryMin), s.RetryMax)
			s.Log.Warn("delivery failed; will retry", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if !more && s.Spool.Depth(spoolEvents) == 0 && s.Spool.Depth(spoolFootfall) == 0 && s.Spool.Depth(spoolPresence) == 0 {
			s.Log.Info("spool drained")
			return nil
		}
		if !more { // only refused kinds are left: wait for them
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(s.Interval):
			}
		}
	}
}

type retryError struct {
	msg   string
	after time.Duration
}

func (e *retryError) Error() string { return e.msg }

// Round sends one batch of each kind; more reports items left behind. A
// kind the server refuses for good returns a *RefusedError, or, with Wait,
// is logged once and left until RetryMax has passed while the other kinds
// go on.
func (s *Sender) Round(ctx context.Context) (more bool, err error) {
	defer s.Metrics.setDepth(s.Spool)
	for _, k := range kinds {
		if next, ok := s.refused[k.key]; ok && time.Now().Before(next) {
			continue
		}
		items, err := s.Spool.pending(k.dir, s.Batch)
		if err != nil {
			return false, err
		}
		if len(items) == 0 {
			continue
		}
		err = s.send(ctx, k.path, k.key, items)
		var re *RefusedError
		if errors.As(err, &re) {
			re.Waiting = s.Spool.Depth(k.dir)
			if !s.Wait {
				return false, err
			}
			if _, again := s.refused[k.key]; !again {
				s.Log.Error("delivery of "+k.key+" stopped; the spool keeps it and it is tried again every delivery.retry_max (delivery.on_refusal: wait)", "err", err.Error())
			}
			if s.refused == nil {
				s.refused = map[string]time.Time{}
			}
			s.refused[k.key] = time.Now().Add(s.RetryMax)
			continue
		}
		if err != nil {
			return false, err
		}
		if _, was := s.refused[k.key]; was {
			s.Log.Info("delivery of " + k.key + " accepted again")
			delete(s.refused, k.key)
		}
		if len(items) == s.Batch {
			more = true
		}
	}
	return more, nil
}

func (s *Sender) send(ctx context.Context, path, key string, items []item) error {
	var body bytes.Buffer
	body.WriteString(`{"` + key + `":[`)
	for i, it := range items {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(it.data)
	}
	body.WriteString("]}")
	r, err := s.Client.do(ctx, http.MethodPost, path, body.Bytes())
	if err != nil {
		return &retryError{msg: fmt.Sprintf("POST %s: %v", path, err)}
	}
	if perm, msg := permanent(r); perm {
		return &RefusedError{Kind: key, Status: r.status, Message: msg}
	}
	switch {
	case r.status == http.StatusOK:
		var res struct{ Accepted, Duplicates int }
		_ = json.Unmarshal(r.body, &res)
		if err := s.Spool.done(items); err != nil {
			return err
		}
		s.Metrics.delivered(key, res.Accepted, res.Duplicates)
		s.Log.Info("delivered", "kind", key, "items", len(items), "accepted", res.Accepted, "duplicates", res.Duplicates)
		return nil
	case r.status == http.StatusUnprocessableEntity || r.status == http.StatusConflict || r.status == http.StatusRequestEntityTooLarge:
		return s.refusedBatch(ctx, path, key, items, r)
	default: // 429, 5xx and the like: keep everything and retry
		return &retryError{msg: fmt.Sprintf("POST %s: %d %s", path, r.status, bytes.TrimSpace(r.body)), after: r.retry}
	}
}

// refused handles a batch the server refused: nothing of it was stored. The
// items it names are set aside; without names a batch is retried one by one
// so that only the bad item is set aside.
func (s *Sender) refusedBatch(ctx context.Context, path, key string, items []item, r response) error {
	var eb struct {
		Error struct {
			Message string         `json:"message"`
			Items   []ss.ItemError `json:"items"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &eb)
	if len(eb.Error.Items) > 0 && len(items) > 1 {
		for _, ie := range eb.Error.Items {
			if ie.Index >= 0 && ie.Index < len(items) {
				s.setAside(items[ie.Index], fmt.Sprintf("%d %s: %s", r.status, ie.Field, ie.Message))
			}
		}
		return nil // the rest goes in the next round
	}
	if len(items) == 1 {
		s.setAside(items[0], fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)))
		return nil
	}
	for _, it := range items {
		if err := s.send(ctx, path, key, []item{it}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sender) setAside(it item, reason string) {
	s.Log.Error("server refused a spooled item; set aside in rejected/", "file", it.path, "reason", reason)
	s.Metrics.rejected.Inc()
	if err := s.Spool.reject(it, reason); err != nil {
		s.Log.Error("set aside", "err", err)
	}
}
