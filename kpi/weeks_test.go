package kpi

import (
	"testing"
	"time"
)

func TestSplitWeeks(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	dates := func(ss ...string) []time.Time {
		var out []time.Time
		for _, s := range ss {
			out = append(out, d(s))
		}
		return out
	}
	cases := []struct {
		from, to    string
		days, weeks []time.Time
	}{
		// 2026-10-03 is a Saturday; Mondays in October 2026: 5, 12, 19, 26.
		{"2026-10-03", "2026-11-01", dates("2026-10-03", "2026-10-04"), dates("2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26")},
		{"2026-10-05", "2026-10-11", nil, dates("2026-10-05")},
		{"2026-10-06", "2026-10-12", dates("2026-10-06", "2026-10-07", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-11", "2026-10-12"), nil},
		{"2026-10-04", "2026-10-20", dates("2026-10-04", "2026-10-19", "2026-10-20"), dates("2026-10-05", "2026-10-12")},
		{"2026-10-07", "2026-10-07", dates("2026-10-07"), nil},
	}
	for _, c := range cases {
		days, weeks := splitWeeks(d(c.from), d(c.to))
		if !same(days, c.days) || !same(weeks, c.weeks) {
			t.Errorf("splitWeeks(%s, %s) = days %v weeks %v, want %v %v", c.from, c.to, days, weeks, c.days, c.weeks)
		}
	}
}

func same(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
