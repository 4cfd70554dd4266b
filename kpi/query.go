package kpi

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
)

// Query is one KPI request.
type Query struct {
	// From and To bound the period. With Dates they are local calendar dates
	// (midnight UTC values), both inclusive, read in each store's time zone;
	// otherwise instants, the half-open [From, To), counted in whole local
	// hours that start inside it.
	From, To time.Time
	Dates    bool
	Scope    []string // store codes the caller may see; empty: all
	Store    string
	Region   string
	Zone     string // needs Store
	Category string
	Method   string // concealment method (ss.Methods)
	By       Grouping
	// MinReviews is the reviews a store needs in the period before its own
	// false share discounts its open events in est_loss (read_basis.go);
	// 0: the reader's setting (KPIs.SetMinReviews, DefaultMinReviews).
	MinReviews int

	reporting ss.Currency // set by KPIs.Answer: the currency of multi-store rows
	zoneRows  bool        // tests: read zone and hour rows where kpi_estate_cuts would serve, as a small scope does
	moneySQL  bool        // tests: convert money with moneySQL where kpi_estate's day rows would serve, as a small scope does
	storeRows bool        // tests: read store rows by day or week where kpi_estate's day rows would serve, as a small scope does
}

// Validate checks the query and names the bad parameter.
func (q *Query) Validate() error {
	if !q.By.Valid() {
		return ss.Errorf(ss.EINVALID, "by", "by must be one of %s, got %q", groupingNames(), q.By)
	}
	if q.From.IsZero() || q.To.IsZero() {
		return ss.Errorf(ss.EINVALID, "from", "from and to are required (dates YYYY-MM-DD or RFC 3339 instants)")
	}
	if q.Dates && q.To.Before(q.From) || !q.Dates && !q.To.After(q.From) {
		return ss.Errorf(ss.EINVALID, "to", "to must not be before from")
	}
	if n := q.Period().Days(); n > ss.MaxPeriodDays {
		return ss.Errorf(ss.EINVALID, "to", "a period is at most %d days, got %d", ss.MaxPeriodDays, n)
	}
	if q.Method != "" && !ss.Method(q.Method).Valid() {
		return ss.Errorf(ss.EINVALID, "method", "method must be one of %v, got %q", ss.Methods, q.Method)
	}
	if q.Zone != "" && q.Store == "" {
		return ss.Errorf(ss.EINVALID, "zone", "zone ids are per store: give store too")
	}
	if q.By == ByZone && q.Store == "" && q.Region == "" && len(q.Scope) == 0 {
		// Allowed, but an estate of thousands of stores by zone is a big answer; keep it explicit.
		return ss.Errorf(ss.EINVALID, "by", "by=zone needs a store or region")
	}
	return nil
}

// Period is the query's period.
func (q Query) Period() ss.Period { return ss.Period{From: q.From, To: q.To, Dates: q.Dates} }

// previous is the query over the period of equal length just before q's.
func (q Query) previous() Query {
	p := q
	prev := q.Period().Previous()
	p.From, p.To = prev.From, prev.To
	return p
}

// KPIs answers KPI requests from the rollups.
type KPIs struct {
	pool       *pgxpool.Pool
	minReviews int
	reporting  ss.Currency // of multi-store figures; empty: DefaultReportingCurrency
}

// NewKPIs returns the KPI reader on pool.
func NewKPIs(pool *pgxpool.Pool) *KPIs { return &KPIs{pool: pool, minReviews: DefaultMinReviews} }

// SetMinReviews sets the reviews a store needs in a period before its own
// false share discounts its open events; n < 1 is DefaultMinReviews.
func (k *KPIs) SetMinReviews(n int) {
	if n < 1 {
		n = DefaultMinReviews
	}
	k.minReviews = n
}

// MinReviews is the reviews a store needs before its own false share counts.
func (k *KPIs) MinReviews() int { return k.minReviews }

// Row is one group of a KPI answer: its key, its figures, the previous
// period's and the change between them. Change is null, with the reason,
// unless both periods are fully covered by data.
type Row struct {
	Key          Key                `json:"key"`
	Figures                         // the period's KPIs, inline
	Previous     *Figures           `json:"previous"`
	Change       *Changes           `json:"change"`
	ChangeReason string             `json:"change_reason,omitempty"` // why change is null: one of the Change… reasons
	Targets      map[string]Verdict `json:"targets,omitempty"`
}

// Answer is a KPI request's rows and how much of each period holds data.
type Answer struct {
	Current  Coverage
	Previous Coverage
	Rows     []Row
}

// Key names a group; only the fields of the grouping are set.
type Key struct {
	Store      string `json:"store,omitempty"`
	Region     string `json:"region,omitempty"`
	Zone       string `json:"zone,omitempty"`
	Category   string `json:"category,omitempty"`
	Method     string `json:"method,omitempty"`
	Day        string `json:"day,omitempty"`
	Week       string `json:"week,omitempty"`
	HourOfWeek *int   `json:"hour_of_week,omitempty"`
}

func (k Key) less(o Key) bool {
	a := []string{k.Region, k.Store, k.Zone, k.Category, k.Method, k.Day, k.Week}
	b := []string{o.Region, o.Store, o.Zone, o.Category, o.Method, o.Day, o.Week}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	if k.HourOfWeek != nil && o.HourOfWeek != nil {
		return *k.HourOfWeek < *o.HourOfWeek
	}
	return false
}

// Figures are the KPIs of DESIGN.md for one group and period. A ratio with
// nothing to divide by is null.
type Figures struct {
	Events    int64    `json:"events"`
	Visitors  *int64   `json:"visitors"`
	RatePer1k *float64 `json:"rate_per_1k"`
	EstLoss   float64  `json:"est_loss"`
	// EstLossEstimated is true when est_loss holds open (unreviewed) value
	// at its expected share; EstLossBasis says whose reviews gave that
	// share (store, region, estate, none: no review in the period, open
	// value counted whole; mixed: stores on different bases) and
	// EstLossFalseShare the false share, where one applies to the group.
	EstLossEstimated  bool     `json:"est_loss_estimated"`
	EstLossBasis      string   `json:"est_loss_basis,omitempty"`
	EstLossFalseShare *float64 `json:"est_loss_false_share"`
	RecoveredValue    float64  `json:"recovered_value"`
	// RecoveredByIntervention is recovered_value of nudged_paid,
	// blocked_recovered and intervened_recovered events: what the system
	// changed. PaidUnprompted is that of paid events.
	RecoveredByIntervention float64  `json:"recovered_by_intervention"`
	PaidUnprompted          float64  `json:"paid_unprompted"`
	Recovered               int64    `json:"recovered"`
	Lost                    int64    `json:"lost"`
	Confirmed               int64    `json:"confirmed"`
	FalsePositives          int64    `json:"false_positives"`
	Reviewed                int64    `json:"reviewed"` // recovered + lost + confirmed + false positives
	Open                    int64    `json:"open"`
	Interventions           int64    `json:"interventions"`
	RecoveryRate            *float64 `json:"recovery_rate"`
	InterventionRate        *float64 `json:"intervention_rate"`
	ResponseP50             *float64 `json:"response_p50"`
	ResponseP90             *float64 `json:"response_p90"`
	FalsePositiveRate       *float64 `json:"false_positive_rate"`
	HotspotIndex            *float64 `json:"hotspot_index"`
	Sales                   *float64 `json:"sales"`
	ShrinkPct               *float64 `json:"shrink_pct"`

	// Currency is the currency of est_loss, recovered_value and sales: the
	// store's for a row of one store, the reporting currency for a row of
	// several (converted day by day, money.go).
	Currency ss.Currency `json:"currency"`
	// MoneyReason says why a money figure is null: the rates it would need
	// and the table lacks, by currency and days.
	MoneyReason string `json:"money_reason,omitempty"`
	// Reporting is a store row's money in the reporting currency.
	Reporting *Converted `json:"reporting,omitempty"`

	missing moneyMissing // money figures that need a missing rate: null
}

// Get computes the query's rows and the previous period's, ordered by key.
func (k *KPIs) Get(ctx context.Context, q Query) ([]Row, error) {
	a, err := k.Answer(ctx, q)
	if err != nil {
		return nil, err
	}
	return a.Rows, nil
}

// Answer computes the query's rows, the previous period's, the change
// where both periods are covered, and each period's coverage.
func (k *KPIs) Answer(ctx context.Context, q Query) (*Answer, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q.reporting = k.ReportingCurrency()
	if q.MinReviews <= 0 {
		q.MinReviews = k.minReviews
	}
	cur, prev, live, cov, err := k.periods(ctx, q)
	if err != nil {
		return nil, err
	}
	a := &Answer{Rows: make([]Row, 0, len(cur.order))}
	a.Current, a.Previous = cov.periods(newPlan(q))
	reason := ""
	switch {
	case !a.Previous.Complete:
		reason = ChangePreviousPartial
	case !a.Current.Complete:
		reason = ChangeCurrentPartial
	}
	pair, aligned := previousKey(q)
	for _, key := range cur.order {
		r := Row{Key: cur.keys[key], Figures: *cur.figures[key], ChangeReason: reason}
		if !aligned {
			r.Previous = nil
		} else if p, ok := prev.figures[pair(key)]; ok {
			r.Previous = p
		} else {
			r.Previous = &Figures{Currency: r.Currency}
			if r.Reporting != nil {
				r.Previous.Reporting = &Converted{Currency: r.Reporting.Currency, EstLoss: num(0), RecoveredValue: num(0)}
			}
			r.Previous.derive()
		}
		switch {
		case !aligned:
			r.ChangeReason = ChangeNotAligned
		case reason == "":
			r.Change = change(&r.Figures, r.Previous)
		}
		a.Rows = append(a.Rows, r)
	}
	sort.Slice(a.Rows, func(i, j int) bool { return a.Rows[i].Key.less(a.Rows[j].Key) })
	judge(q, a.Rows, live)
	return a, nil
}

// previousKey pairs a group key of the period with the key of the same
// group in the previous period: itself, but for days and weeks, which
// pair with the day or week one period length earlier. Weeks pair up only
// when the period is whole weeks long.
func previousKey(q Query) (pair func(string) string, aligned bool) {
	if q.By != ByDay && q.By != ByWeek {
		return func(k string) string { return k }, true
	}
	span := q.To.Sub(q.From)
	if q.Dates {
		span += 24 * time.Hour
	}
	days := int(span / (24 * time.Hour))
	if span%(24*time.Hour) != 0 || q.By == ByWeek && days%7 != 0 {
		return nil, false
	}
	return func(k string) string {
		d, err := time.Parse(time.DateOnly, k)
		if err != nil {
			return k
		}
		return d.AddDate(0, 0, -days).Format(time.DateOnly)
	}, true
}
