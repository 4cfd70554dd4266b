package main

import (
	"fmt"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/web"
)

// guardFlags are the settings that protect serve from its clients: browser
// sessions and rate limits.
var guardFlags = []string{"session-ttl", "session-idle", "rate-limit"}

func guardSettings(c *Config) []setting {
	dur := func(p *time.Duration, zeroOK bool) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d == 0 && !zeroOK {
				want := "a positive duration such as 12h"
				if zeroOK {
					want = "a duration such as 2h, or 0"
				}
				return fmt.Errorf("want %s, got %q", want, v)
			}
			*p = d
			return nil
		}
	}
	return []setting{
		{"session-ttl", "SHRINKSCOPE_SESSION_TTL", "12h", "how long a browser session lasts from sign-in, enforced by the server", dur(&c.SessionTTL, false)},
		{"session-idle", "SHRINKSCOPE_SESSION_IDLE", "2h", "a browser session unused this long ends; 0: no idle limit", dur(&c.SessionIdle, true)},
		{"rate-limit", "SHRINKSCOPE_RATE_LIMIT", web.DefaultRateLimits, "requests per token by role, a token bucket of N refilled every s or m, in each replica (role=N/s or role=N/m, comma-separated; roles left out are not limited; none: no limits)", func(v string) error {
			if v == "none" {
				c.RateLimits = nil
				return nil
			}
			m, err := web.ParseRateLimits(v)
			if err != nil {
				return err
			}
			c.RateLimits = m
			return nil
		}},
	}
}

// webGuards are the server options of the guard settings.
func webGuards(c *Config, o *web.Options) {
	o.SessionTTL, o.SessionIdle = c.SessionTTL, c.SessionIdle
	if c.SessionIdle == 0 {
		o.SessionIdle = -1 // web.Options: negative is no idle limit
	}
	o.RateLimits = c.RateLimits
	if o.RateLimits == nil {
		o.RateLimits = map[ss.Role]web.Rate{} // none asked for: limit nothing
	}
}
