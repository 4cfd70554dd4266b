package findings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// Service runs the findings job and reads its results: the thin part
// around the statistics of judge.go. It reads the rollups through kpi and
// the stores, zones and layout changes through layout, and owns the
// findings and findings_weeks tables.
type Service struct {
	pool   *pgxpool.Pool
	kpis   *kpi.KPIs
	layout *layout.Service
	cfg    Config
}

// NewService returns the findings service on pool with DefaultConfig.
func NewService(pool *pgxpool.Pool, kpis *kpi.KPIs, lay *layout.Service) *Service {
	return &Service{pool: pool, kpis: kpis, layout: lay, cfg: DefaultConfig}
}

// SetConfig sets the method's parameters (zero fields: defaults).
func (s *Service) SetConfig(c Config) { s.cfg = c.withDefaults() }

// Config returns the parameters in force.
func (s *Service) Config() Config { return s.cfg }

// Stored is a finding as the API shows it.
type Stored struct {
	Series     Series0  `json:"series"`
	StoreName  string   `json:"store_name"`
	ZoneName   string   `json:"zone_name,omitempty"`
	Category   string   `json:"category,omitempty"`
	BlockLabel string   `json:"block_label,omitempty"`
	Direction  string   `json:"direction"`
	Observed   int64    `json:"observed"`
	Expected   float64  `json:"expected"`
	Weeks      int      `json:"weeks"`
	Running    int      `json:"weeks_running"`
	Ratio      *float64 `json:"ratio"`    // null: the baseline had no events
	RatioLo    float64  `json:"ratio_lo"` // the ratio's 95% interval
	RatioHi    *float64 `json:"ratio_hi"` // null: unbounded
	P          float64  `json:"p"`
	Q          float64  `json:"q"`
	Level      int      `json:"level"`     // 1: judged with the zone and method series of its scope; 2: a block of a zone found at level 1
	FDRScope   string   `json:"fdr_scope"` // the scope of the false discovery control it was judged under: estate or store
	Sentence   string   `json:"sentence"`
}

// Series0 names a finding's series the way KPI rows name theirs: an object
// of the grouping's keys (block null for a whole-week series).
type Series0 struct {
	Store  string `json:"store"`
	Zone   string `json:"zone,omitempty"`
	Block  *int   `json:"block"`
	Method string `json:"method,omitempty"`
}

// WeekResult is one judged week.
type WeekResult struct {
	Week     *string  `json:"week"`   // its Monday; null when no week has been judged
	Judged   int      `json:"judged"` // series judged across the estate, at either level; 0: not judged
	FDR      float64  `json:"fdr"`
	FDRScope string   `json:"fdr_scope"` // ScopeEstate or ScopeStore: what FDR bounds (README, Findings)
	Findings []Stored `json:"findings"`
}

// Hook is called in the transaction that stores a week's findings, with
// the new ones (the webhook outbox writes finding.created there).
type Hook func(ctx context.Context, tx pgx.Tx, week time.Time, found []Stored) error

// Monday is the Monday starting the ISO week of day (a date).
func Monday(day time.Time) time.Time {
	y, m, d := day.Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// judged is one series' verdict with what the sentence needs.
type judged struct {
	store   ss.Store
	zone    *ss.Zone
	key     Key
	verdict Verdict
}

// RunWeek judges the local week starting Monday week in every store, keeps
// the findings at the configured false discovery rate over the configured
// scope (the estate, or each store), and stores them
// (replacing an earlier run of the same week) in one transaction, in which
// hook (may be nil) also runs. It returns how many findings it stored.
func (s *Service) RunWeek(ctx context.Context, week time.Time, hook Hook) (int, error) {
	week = Monday(week)
	cfg := s.cfg.withDefaults()
	stores, err := s.layout.Stores(ctx, nil)
	if err != nil {
		return 0, err
	}
	span := cfg.History + cfg.MaxRun + 1
	from := week.AddDate(0, 0, -7*(span-1))
	var all []judged
	for _, st := range stores {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		got, err := s.storeSeries(ctx, st, from, span, cfg)
		if err != nil {
			return 0, err
		}
		all = append(all, got...)
	}
	keys, ps := make([]Key, len(all)), make([]float64, len(all))
	for i := range all {
		keys[i], ps[i] = all[i].key, all[i].verdict.P
	}
	var found []Stored
	for i, sel := range SelectIn(keys, ps, cfg.FDR, cfg.Scope) {
		if !sel.Found {
			continue
		}
		all[i].verdict.interval(cfg)
		f := stored(all[i], sel)
		f.FDRScope = cfg.Scope
		found = append(found, f)
	}
	slices.SortStableFunc(found, func(a, b Stored) int { return cmp.Compare(a.P, b.P) })
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM findings_weeks WHERE week = $1`, week); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO findings_weeks (week, judged, found, fdr, fdr_scope) VALUES ($1, $2, $3, $4, $5)`,
			week, len(all), len(found), cfg.FDR, cfg.Scope); err != nil {
			return err
		}
		ids := map[string]int64{}
		for _, st := range stores {
			ids[st.Code] = st.ID
		}
		for _, f := range found {
			block := -1
			if f.Series.Block != nil {
				block = *f.Series.Block
			}
			if _, err := tx.Exec(ctx, `
INSERT INTO findings (week, store_id, zone, block, method, direction, observed, expected, weeks, running, ratio, ratio_lo, ratio_hi,
                      p, q, sentence, store_name, zone_name, category)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
				week, ids[f.Series.Store], f.Series.Zone, block, f.Series.Method, f.Direction, f.Observed, f.Expected,
				f.Weeks, f.Running, f.Ratio, f.RatioLo, f.RatioHi, f.P, f.Q, f.Sentence, f.StoreName, f.ZoneName, f.Category); err != nil {
				return err
			}
		}
		if hook != nil && len(found) > 0 {
			return hook(ctx, tx, week, found)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("findings: store week %s: %w", week.Format(time.DateOnly), err)
	}
	return len(found), nil
}

// storeSeries builds and judges one store's series over span weeks from
// from; the judged week is the last.
func (s *Service) storeSeries(ctx context.Context, st ss.Store, from time.Time, span int, cfg Config) ([]judged, error) {
	ws, err := s.kpis.WeeklySeries(ctx, st.ID, from, span)
	if err != nil {
		return nil, err
	}
	zones, err := s.layout.Zones(ctx, st.Code)
	if err != nil {
		return nil, err
	}
	changes, err := s.layout.Changes(ctx, st.Code)
	if err != nil {
		return nil, err
	}
	t := span - 1
	exposure := func(v []int64) []float64 {
		var sum int64
		for _, x := range v {
			sum += x
		}
		if sum == 0 {
			return nil // no footfall counted: each week weighs 1
		}
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	// A layout change of a zone is a breakpoint: the week it happened in and
	// those before it are not the zone's baseline.
	breaks := map[string]int{}
	for _, c := range changes {
		day, err := time.Parse(time.DateOnly, c.ImplementedAt)
		if err != nil {
			continue
		}
		k := int(day.Sub(from).Hours()/24) / 7
		if day.Before(from) || k > t {
			continue
		}
		for _, z := range c.Zones {
			breaks[z] = max(breaks[z], k+1)
		}
	}
	var out []judged
	judge := func(z *ss.Zone, key Key, counts []int64, exp []float64, brk int) {
		if counts == nil {
			counts = make([]int64, span)
		}
		v := Judge(Weeks{Counts: counts, Exposure: exp, From: brk}, t, cfg)
		if v.Judged {
			out = append(out, judged{store: st, zone: z, key: key, verdict: v})
		}
	}
	storeExp := exposure(ws.Visitors)
	for i := range zones {
		z := &zones[i]
		if z.Kind == ss.KindEntrance {
			continue
		}
		brk := breaks[z.Code]
		judge(z, Key{Store: st.Code, Zone: z.Code, Block: -1}, ws.Zone[z.ID], storeExp, brk)
		for b := range Blocks {
			bv := ws.BlockVis[int64(b)]
			counts := ws.Block[[2]int64{z.ID, int64(b)}]
			if counts == nil && sum(bv) == 0 {
				continue // closed in this block and nothing seen there
			}
			exp := exposure(bv)
			if storeExp != nil && exp == nil {
				continue // footfall counted, but never in this block: the store is closed then
			}
			judge(z, Key{Store: st.Code, Zone: z.Code, Block: b}, counts, exp, brk)
		}
	}
	for _, m := range ss.Methods {
		if counts := ws.Method[string(m)]; counts != nil {
			judge(nil, Key{Store: st.Code, Block: -1, Method: string(m)}, counts, storeExp, 0)
		}
	}
	return out, ctx.Err()
}

func sum(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s
}

func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}

func stored(j judged, sel Selected) Stored {
	v, q := j.verdict, sel.Q
	f := Stored{
		Series:    Series0{Store: j.key.Store, Zone: j.key.Zone, Method: j.key.Method},
		StoreName: j.store.Name, Direction: string(v.Direction), Observed: v.Observed, Expected: v.Expected,
		Weeks: v.Weeks, Running: v.Running, Ratio: finite(v.Ratio), RatioLo: v.Lo, RatioHi: finite(v.Hi), P: v.P, Q: q,
		Level: sel.Level,
	}
	if j.key.Block >= 0 {
		b := j.key.Block
		f.Series.Block = &b
		f.BlockLabel = BlockLabel(b)
	}
	if j.zone != nil {
		f.ZoneName, f.Category = j.zone.Name, j.zone.Category
	}
	f.Sentence = Sentence(f)
	return f
}

// List returns the judged week starting Monday week (the latest judged
// week when week is zero), with its findings in the stores of scope (all
// when empty) or in store alone. A week not judged has Judged 0.
func (s *Service) List(ctx context.Context, week time.Time, scope []string, store string) (*WeekResult, error) {
	var res WeekResult
	var w time.Time
	q := `SELECT week, judged, fdr, fdr_scope FROM findings_weeks WHERE week = $1`
	args := []any{Monday(week)}
	if week.IsZero() {
		q, args = `SELECT week, judged, fdr, fdr_scope FROM findings_weeks ORDER BY week DESC LIMIT 1`, nil
	}
	if err := s.pool.QueryRow(ctx, q, args...).Scan(&w, &res.Judged, &res.FDR, &res.FDRScope); err != nil {
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("findings: week: %w", err)
		}
		// Not judged (yet): nothing found, said as judged 0.
		res.FDR, res.FDRScope, res.Findings = s.cfg.FDR, s.cfg.Scope, []Stored{}
		if !week.IsZero() {
			d := Monday(week).Format(time.DateOnly)
			res.Week = &d
		}
		return &res, nil
	}
	d := w.Format(time.DateOnly)
	res.Week = &d
	rows, err := s.pool.Query(ctx, `
SELECT d.code, f.store_name, f.zone, f.zone_name, f.category, f.block, f.method, f.direction, f.observed,
       f.expected, f.weeks, f.running, f.ratio, f.ratio_lo, f.ratio_hi, f.p, f.q, f.sentence
FROM findings f
JOIN store_directory d ON d.id = f.store_id
WHERE f.week = $1 AND (coalesce(cardinality($2::text[]), 0) = 0 OR d.code = ANY ($2)) AND ($3 = '' OR d.code = $3)
ORDER BY f.p, d.code, f.zone, f.block, f.method`, w, scope, store)
	if err != nil {
		return nil, fmt.Errorf("findings: list: %w", err)
	}
	res.Findings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Stored, error) {
		var f Stored
		var block int
		err := r.Scan(&f.Series.Store, &f.StoreName, &f.Series.Zone, &f.ZoneName, &f.Category, &block, &f.Series.Method,
			&f.Direction, &f.Observed, &f.Expected, &f.Weeks, &f.Running, &f.Ratio, &f.RatioLo, &f.RatioHi, &f.P, &f.Q, &f.Sentence)
		f.Level, f.FDRScope = 1, res.FDRScope
		if block >= 0 {
			f.Series.Block = &block
			f.BlockLabel = BlockLabel(block)
			f.Level = 2 // block series are judged only inside zones found at level 1
		}
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("findings: list: %w", err)
	}
	if res.Findings == nil {
		res.Findings = []Stored{}
	}
	return &res, nil
}
