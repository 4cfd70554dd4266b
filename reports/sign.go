package reports

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Headers of a delivery.
const (
	// SignatureHeader holds "sha256=" and the hex HMAC-SHA256 of the body under the webhook's secret.
	SignatureHeader = "X-Shrinkscope-Signature"
	// DeliveryHeader holds the delivery's id, the same on every retry: receivers drop repeats by it.
	DeliveryHeader = "X-Shrinkscope-Delivery"
	// EventHeader names the event.
	EventHeader = "X-Shrinkscope-Event"
)

// Sign returns the signature header's value for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// eventBody is the JSON of one event, fixed when the event happens.
func eventBody(event string, at time.Time, data any) ([]byte, error) {
	b, err := json.Marshal(struct {
		Event      string    `json:"event"`
		OccurredAt time.Time `json:"occurred_at"`
		Data       any       `json:"data"`
	}{event, at.UTC().Truncate(time.Millisecond), data})
	if err != nil {
		return nil, fmt.Errorf("reports: encode %s: %w", event, err)
	}
	return b, nil
}

// retryDelay is the wait after failed attempt n (1-based): base doubling per
// attempt, at most max.
func retryDelay(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
