package main

import (
	"fmt"
	"strconv"
	"time"
)

// alertFlags are the live alerts' settings: the stream and escalation.
var alertFlags = []string{"alert-heartbeat", "alert-outbox-keep", "alert-escalate-every", "evidence-retention", "evidence-max-bytes"}

// alertConfig holds them.
type alertConfig struct {
	// AlertHeartbeat (SHRINKSCOPE_ALERT_HEARTBEAT) is how often a quiet alert stream sends a comment line.
	AlertHeartbeat time.Duration
	// AlertOutboxKeep (SHRINKSCOPE_ALERT_OUTBOX_KEEP) is how long stream messages stay replayable.
	AlertOutboxKeep time.Duration
	// AlertEscalateEvery (SHRINKSCOPE_ALERT_ESCALATE_EVERY) is how often a replica looks for alerts to escalate or expire.
	AlertEscalateEvery time.Duration
	// EvidenceRetention (SHRINKSCOPE_EVIDENCE_RETENTION) is how long an alert's clip is kept.
	EvidenceRetention time.Duration
	// EvidenceMaxBytes (SHRINKSCOPE_EVIDENCE_MAX_BYTES) caps one clip.
	EvidenceMaxBytes int64
}

func alertSettings(c *Config) []setting {
	dur := func(p *time.Duration) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a positive duration such as 15s, got %q", v)
			}
			*p = d
			return nil
		}
	}
	return []setting{
		{"alert-heartbeat", "SHRINKSCOPE_ALERT_HEARTBEAT", "15s", "how often a quiet alert stream sends a comment line, so proxies keep it open", dur(&c.AlertHeartbeat)},
		{"alert-outbox-keep", "SHRINKSCOPE_ALERT_OUTBOX_KEEP", "24h", "how long alert stream messages stay replayable; a console resuming from an older one gets resync", dur(&c.AlertOutboxKeep)},
		{"alert-escalate-every", "SHRINKSCOPE_ALERT_ESCALATE_EVERY", "5s", "how often a replica raises alert.unclaimed, expires alerts and deletes clips past their retention (one replica at a time)", dur(&c.AlertEscalateEvery)},
		{"evidence-retention", "SHRINKSCOPE_EVIDENCE_RETENTION", "72h", "how long an alert's evidence clip is kept after its upload; then it is deleted", dur(&c.EvidenceRetention)},
		{"evidence-max-bytes", "SHRINKSCOPE_EVIDENCE_MAX_BYTES", "8388608", "largest evidence clip; larger gets 413", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("want a positive number of bytes, got %q", v)
			}
			c.EvidenceMaxBytes = n
			return nil
		}},
	}
}
