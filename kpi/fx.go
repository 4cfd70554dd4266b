package kpi

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Rate is one day's exchange rate: one unit of Currency in units of the
// reporting currency on Day.
type Rate struct {
	Day      string      `json:"day"`
	Currency ss.Currency `json:"currency"`
	Rate     float64     `json:"rate"`
}

// MaxRates is the most rates one PUT may carry (ten years of a currency
// a day, several times over).
const MaxRates = 20000

// PutRates validates rates whole and upserts them against the reporting
// currency: all of them or none, a bad item named by index and field.
func (k *KPIs) PutRates(ctx context.Context, rates []Rate) (int, error) {
	rep := k.ReportingCurrency()
	if len(rates) > MaxRates {
		return 0, ss.Errorf(ss.ETOOLARGE, "rates", "at most %d rates per request, got %d", MaxRates, len(rates))
	}
	var be ss.BatchError
	type key struct {
		cur ss.Currency
		day time.Time
	}
	first := map[key]int{}
	curs, texts := make([]string, 0, len(rates)), make([]string, 0, len(rates))
	days := make([]time.Time, 0, len(rates))
	for i, r := range rates {
		n := len(be.Items)
		d, err := time.Parse(time.DateOnly, r.Day)
		switch {
		case err != nil:
			be.Add(i, "day", "day %q is not a date (YYYY-MM-DD)", r.Day)
		case d.Before(ss.Earliest) || d.After(time.Now().Add(48*time.Hour)):
			be.Add(i, "day", "day %s is outside %s..today", r.Day, ss.Earliest.Format(time.DateOnly))
		}
		switch {
		case r.Currency == rep:
			be.Add(i, "currency", "currency %s is the reporting currency: its rate is 1", r.Currency)
		default:
			if err := ss.CheckCurrency("currency", r.Currency); err != nil {
				be.Add(i, "currency", "%s", err.(*ss.Error).Message)
			}
		}
		if !(r.Rate > 0 && r.Rate <= 1e9) || math.IsInf(r.Rate, 0) {
			be.Add(i, "rate", "rate must be above 0 and at most 1000000000 (%s per unit of the currency), got %v", rep, r.Rate)
		}
		if len(be.Items) > n {
			continue
		}
		if j, dup := first[key{r.Currency, d}]; dup {
			be.Add(i, "day", "item %d already gives %s on %s", j, r.Currency, r.Day)
			continue
		}
		first[key{r.Currency, d}] = i
		// The rate as the shortest decimal that reads back as the same
		// float64: what the client wrote, stored as an exact numeric.
		curs, days, texts = append(curs, string(r.Currency)), append(days, d), append(texts, strconv.FormatFloat(r.Rate, 'f', -1, 64))
	}
	if err := be.Err(); err != nil {
		return 0, err
	}
	_, err := k.pool.Exec(ctx, `
INSERT INTO fx_rates (reporting, currency, day, rate)
SELECT $1, c, d, r::numeric FROM unnest($2::text[], $3::date[], $4::text[]) AS x (c, d, r)
ON CONFLICT (reporting, currency, day) DO UPDATE SET rate = excluded.rate, updated_at = now()`,
		string(rep), curs, days, texts)
	if err != nil {
		return 0, fmt.Errorf("kpi: put %d rates: %w", len(curs), err)
	}
	return len(curs), nil
}

// Rates lists the stored rates against the reporting currency of the days
// from..to (both inclusive) and, when currency is set, of it alone.
func (k *KPIs) Rates(ctx context.Context, currency ss.Currency, from, to time.Time) ([]Rate, error) {
	rows, err := k.pool.Query(ctx, `
SELECT day::text, currency, rate::float8 FROM fx_rates
WHERE reporting = $1 AND day BETWEEN $2::date AND $3::date AND ($4 = '' OR currency = $4)
ORDER BY currency, day`, string(k.ReportingCurrency()), from, to, string(currency))
	if err != nil {
		return nil, fmt.Errorf("kpi: rates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Rate, error) {
		var x Rate
		err := r.Scan(&x.Day, &x.Currency, &x.Rate)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: rates: %w", err)
	}
	return out, nil
}
