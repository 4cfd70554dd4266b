package web

import (
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/stats"

	ss "github.com/shrinkscope/shrinkscope"
)

// pageFuncs are the formatting helpers of the templates. Every figure passes
// through one of them, so a missing value always reads "—" and never 0.
var pageFuncs = template.FuncMap{
	"num":      fmtInt,
	"money":    fmtMoney,
	"cash":     fmtCash,
	"pct":      fmtPct,
	"fixed":    fmtFixed,
	"sig":      fmtSig,
	"secs":     fmtSecs,
	"date":     func(t time.Time) string { return t.Format(time.DateOnly) },
	"longdate": func(t time.Time) string { return t.Format("2 Jan 2006") },
	"swatch":   swatch,
	"sig3":     func(x float64) string { return stats.FormatSignificant(x, stats.StatDigits) },
	// utc writes an instant in UTC and says so: the pages' instants (job
	// runs, reports written) are the estate's, not one store's.
	"utc": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	// offset is t's UTC offset (±hh:mm) in the time zone tz: beside a store's
	// local hour it tells the two 01:00s of an autumn night apart.
	"offset": func(t time.Time, tz string) string {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		return t.In(loc).Format("-07:00")
	},
	// utcs is utc to the second.
	"utcs": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}

// noValue is what a page shows for a figure that has no value.
const noValue = "—"

// fmtInt formats a count: 12,345. It takes int64, int, float64 or *float64.
func fmtInt(v any) string {
	switch x := v.(type) {
	case int64:
		return ss.GroupThousands(strconv.FormatInt(x, 10))
	case int:
		return ss.GroupThousands(strconv.Itoa(x))
	case float64:
		return ss.GroupThousands(strconv.FormatFloat(math.Round(x), 'f', 0, 64))
	case *float64:
		if x == nil {
			return noValue
		}
		return fmtInt(*x)
	case *int64:
		if x == nil {
			return noValue
		}
		return fmtInt(*x)
	}
	return noValue
}

// fmtMoney formats an amount to the cent: 12,345.60.
func fmtMoney(v any) string {
	switch x := v.(type) {
	case float64:
		return ss.GroupThousands(strconv.FormatFloat(x, 'f', 2, 64))
	case *float64:
		if x == nil {
			return noValue
		}
		return fmtMoney(*x)
	}
	return noValue
}

// fmtCash formats an amount of a currency with its symbol and minor
// units: £12,345.60, ¥12,346, A$980.00; without a currency as fmtMoney.
func fmtCash(cur ss.Currency, v any) string {
	if cur == "" {
		return fmtMoney(v)
	}
	switch x := v.(type) {
	case float64:
		return cur.Format(x)
	case *float64:
		if x == nil {
			return noValue
		}
		return cur.Format(*x)
	}
	return noValue
}

// fmtPct formats a ratio (0.123) as a percentage to one decimal: 12.3%.
func fmtPct(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case *float64:
		if x == nil {
			return noValue
		}
		return fmtPct(*x)
	}
	return noValue
}

// fmtFixed formats a figure to n decimals.
func fmtFixed(n int, v any) string {
	switch x := v.(type) {
	case float64:
		return ss.GroupThousands(strconv.FormatFloat(x, 'f', n, 64))
	case *float64:
		if x == nil {
			return noValue
		}
		return fmtFixed(n, *x)
	}
	return noValue
}

// fmtSig formats a statistic (a p-value) to three significant digits,
// small ones in exponent form: 1.6e-6.
func fmtSig(v *float64) string {
	if v == nil {
		return noValue
	}
	return stats.FormatSignificant(*v, stats.StatDigits)
}

// fmtSecs formats seconds: 42 s, 3 min 05 s.
func fmtSecs(v any) string {
	var s float64
	switch x := v.(type) {
	case float64:
		s = x
	case *float64:
		if x == nil {
			return noValue
		}
		s = *x
	default:
		return noValue
	}
	n := int(math.Round(s))
	if n < 60 {
		return strconv.Itoa(n) + " s"
	}
	sec := strconv.Itoa(n % 60)
	if len(sec) == 1 {
		sec = "0" + sec
	}
	return strconv.Itoa(n/60) + " min " + sec + " s"
}

// swatch is a small colour key drawn as SVG: the pages' CSP allows no
// inline style attributes.
func swatch(colour string) template.HTML {
	return template.HTML(`<svg class="sw" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="` +
		template.HTMLEscapeString(colour) + `"/></svg>`)
}
