package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// Rate is a token bucket: it holds N requests, and refills N every Per, so
// a token may send N at once and N per Per on end.
type Rate struct {
	N   int
	Per time.Duration
}

// String writes r as ParseRateLimits reads it.
func (r Rate) String() string {
	unit := "s"
	if r.Per == time.Minute {
		unit = "m"
	}
	return fmt.Sprintf("%d/%s", r.N, unit)
}

// DefaultRateLimits are the limits serve applies per token: far above what
// a store's vision tier (one batch a second or so, a few hundred a
// minute when it drains a spool after an outage) or a person on the pages
// sends, and low enough that one runaway client cannot flood a replica. A
// store's point of sale shares one checkout token across its tills, each
// asking its lane at every basket: 200/s.
const DefaultRateLimits = "admin=20/s,ops=20/s,planner=20/s,merchandiser=20/s,ingest=50/s,soc=20/s,checkout=200/s"

// ParseRateLimits reads "role=N/s,role=N/m,…" (s: per second, m: per
// minute); roles left out are not limited. A bad entry fails naming it.
func ParseRateLimits(s string) (map[ss.Role]Rate, error) {
	out := map[ss.Role]Rate{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		role, spec, ok := strings.Cut(part, "=")
		if !ok || !ss.Role(role).Valid() {
			return nil, fmt.Errorf("%q: want role=N/s or role=N/m with a role of %v", part, ss.Roles)
		}
		num, unit, _ := strings.Cut(spec, "/")
		n, err := strconv.Atoi(num)
		per := map[string]time.Duration{"s": time.Second, "m": time.Minute}[unit]
		if err != nil || n < 1 || per == 0 {
			return nil, fmt.Errorf("%s: want a count of at least 1 per s or m, such as 50/s, got %q", role, spec)
		}
		if _, dup := out[ss.Role(role)]; dup {
			return nil, fmt.Errorf("%s: given twice", role)
		}
		out[ss.Role(role)] = Rate{N: n, Per: per}
	}
	return out, nil
}

// FormatRateLimits writes limits as ParseRateLimits reads them, roles in
// their usual order.
func FormatRateLimits(limits map[ss.Role]Rate) string {
	var parts []string
	for _, r := range ss.Roles {
		if l, ok := limits[r]; ok {
			parts = append(parts, string(r)+"="+l.String())
		}
	}
	return strings.Join(parts, ",")
}

// limiter keeps a token bucket per API token, in this process: limits are
// per replica, so N replicas behind a balancer admit up to N times a rate.
// Sessions share their token's bucket.
type limiter struct {
	rates   map[ss.Role]Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[int64]*bucket // by token id; tokens are few, so never swept
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rates map[ss.Role]Rate, now func() time.Time) *limiter {
	return &limiter{rates: rates, now: now, buckets: map[int64]*bucket{}}
}

// take spends one request of p's bucket; when it is empty, ok is false and
// wait says when the next request will be admitted.
func (l *limiter) take(p *ss.Principal) (ok bool, wait time.Duration) {
	if l == nil {
		return true, 0
	}
	r, limited := l.rates[p.Role]
	if !limited {
		return true, 0
	}
	perToken := r.Per.Seconds() / float64(r.N) // seconds to refill one request
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[p.TokenID]
	if b == nil {
		b = &bucket{tokens: float64(r.N), last: now}
		l.buckets[p.TokenID] = b
	}
	b.tokens = math.Min(float64(r.N), b.tokens+now.Sub(b.last).Seconds()/perToken)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * perToken * float64(time.Second))
}

// limit answers 429 with Retry-After (whole seconds, at least 1) once p's
// token has spent its bucket.
func (s *Server) limit(c echo.Context, p *ss.Principal) error {
	ok, wait := s.limits.take(p)
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	r := s.limits.rates[p.Role]
	return ss.Errorf(ss.ETOOMANY, "", "token %q (role %s) is limited to %s on this server; retry after %d s", p.Name, p.Role, r, secs)
}
