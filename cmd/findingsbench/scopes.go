package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/shrinkscope/shrinkscope/findings"
)

// scopesOf reads -fdr-scope: one scope, or both (each measurement made
// under both from the same verdicts, estate first).
func scopesOf(v string) []string {
	if v == "both" {
		return []string{findings.ScopeEstate, findings.ScopeStore}
	}
	s, err := findings.ParseScope(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "findingsbench: -fdr-scope: %v (or both)\n", err)
		os.Exit(2)
	}
	return []string{s}
}

// judgedWeek is one week's verdicts of every series with history enough,
// before any correction: what both scopes select from.
type judgedWeek struct {
	keys []findings.Key
	ps   []float64
	v    []findings.Verdict
}

// judgeWeek judges week t of every series, on every CPU.
func judgeWeek(series []findings.Series, t int, cfg findings.Config) judgedWeek {
	vs := make([]findings.Verdict, len(series))
	var wg sync.WaitGroup
	n := runtime.GOMAXPROCS(0)
	for w := range n {
		wg.Go(func() {
			for i := w; i < len(series); i += n {
				vs[i] = findings.Judge(series[i].Weeks, t, cfg)
			}
		})
	}
	wg.Wait()
	var jw judgedWeek
	for i, v := range vs {
		if v.Judged {
			jw.keys = append(jw.keys, series[i].Key)
			jw.ps = append(jw.ps, v.P)
			jw.v = append(jw.v, v)
		}
	}
	return jw
}

// found is a selected series of a judged week.
type found struct {
	findings.Key
	findings.Selected
	P float64
}

// selectWeek is the week's findings under scope.
func (jw judgedWeek) selectWeek(fdr float64, scope string) []found {
	var out []found
	for i, s := range findings.SelectIn(jw.keys, jw.ps, fdr, scope) {
		if s.Found {
			out = append(out, found{Key: jw.keys[i], Selected: s, P: jw.ps[i]})
		}
	}
	return out
}
