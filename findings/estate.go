package findings

import (
	"cmp"
	"slices"
)

// Key names a series: a store's zone, a zone's block of the week (Block ≥ 0:
// day × 3 hours, 0 = Monday 00–03 local), or a store's method (Zone empty).
type Key struct {
	Store  string `json:"store"`
	Zone   string `json:"zone,omitempty"`
	Block  int    `json:"block"` // -1: the whole week
	Method string `json:"method,omitempty"`
}

// Blocks is the number of hour-of-week blocks: 7 days × 8 blocks of 3 hours.
const Blocks = 7 * 8

// BlockOf is the block of a local weekday (0 = Monday) and hour.
func BlockOf(weekday, hour int) int { return weekday*8 + hour/3 }

// Series is one series' weekly history.
type Series struct {
	Key
	Weeks
}

// Finding is a series found to have changed in the judged week.
type Finding struct {
	Key
	Verdict
	Q float64 // the Benjamini–Hochberg q-value over every series judged
}

// Week judges week t of every series and keeps those whose q-value is at
// most the configured false discovery rate, most significant first. judged
// is how many series had history enough to be judged: the m of the
// correction.
func Week(series []Series, t int, cfg Config) (found []Finding, judged int) {
	cfg = cfg.withDefaults()
	var vs []Finding
	for _, s := range series {
		v := Judge(s.Weeks, t, cfg)
		if !v.Judged {
			continue
		}
		vs = append(vs, Finding{Key: s.Key, Verdict: v})
	}
	ps := make([]float64, len(vs))
	for i := range vs {
		ps[i] = vs[i].P
	}
	q := BH(ps)
	for i := range vs {
		vs[i].Q = q[i]
		if q[i] <= cfg.FDR {
			vs[i].interval(cfg)
			found = append(found, vs[i])
		}
	}
	slices.SortStableFunc(found, func(a, b Finding) int { return cmp.Compare(a.P, b.P) })
	return found, len(vs)
}
