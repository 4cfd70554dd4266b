// Command loadbench measures ingest and KPI reads together: a real server
// on loopback, configured as `serve` is by default (an 8-connection pool,
// a 4-connection ingest pool, reads gated at 4 and shed after 2 s, token
// cache 5 s, rollups refreshed every 2 s), against a synthetic estate in a
// fresh test database. For each count of readers it runs that many keep-
// alive connections requesting the estate's KPIs by store as fast as they
// are answered, while 200 events a second are ingested (each store a batch
// a second, as its vision tier sends them), and prints ingest and read
// latency (p50, p99, max) and how many reads were shed with 503.
//
//	go run ./cmd/loadbench -readers 50,200 -duration 45s
//
// Rate limits are off: they are per token, and the readers stand for many
// people. -pools runs each count once per way to the database, the first
// the baseline of the p50 ratio: direct or pgbouncer (TEST_PGBOUNCER_URL,
// in transaction mode, as `make test` starts it), each with a pgx exec mode:
//
//	go run ./cmd/loadbench -readers 50 -duration 20s -pools direct:cache_statement,direct:cache_describe,pgbouncer:cache_describe
//
// See docs/BENCHMARKS.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/web"
)

func main() {
	readers := flag.String("readers", "50,200", "reader connections of each run, comma-separated")
	duration := flag.Duration("duration", 45*time.Second, "length of each run (after a 5 s warm-up)")
	rate := flag.Int("events", 200, "events ingested per second")
	stores := flag.Int("stores", 10, "stores of the synthetic estate")
	days := flag.Int("days", 60, "days of history of the synthetic estate")
	poolList := flag.String("pools", "direct:cache_statement", "ways to the database, comma-separated, each direct or pgbouncer (TEST_PGBOUNCER_URL) and a pgx exec mode; the first is the baseline")
	flag.Parse()
	var pools [][2]string
	for _, p := range strings.Split(*poolList, ",") {
		via, mode, ok := strings.Cut(strings.TrimSpace(p), ":")
		if !ok || via != "direct" && via != "pgbouncer" || db.CheckExecMode(mode) != nil || mode == db.ExecAuto {
			log.Fatalf("-pools: want direct:MODE or pgbouncer:MODE with a pgx exec mode such as cache_statement, got %q", p)
		}
		if via == "pgbouncer" && os.Getenv("TEST_PGBOUNCER_URL") == "" {
			log.Fatalf("-pools %s: set TEST_PGBOUNCER_URL (scripts/ensure-pgbouncer prints it)", p)
		}
		pools = append(pools, [2]string{via, mode})
	}
	var counts []int
	for _, s := range strings.Split(*readers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("-readers: want counts like 50,200, got %q", *readers)
		}
		counts = append(counts, n)
	}
	r := &runner{}
	defer r.Close()
	ctx := context.Background()
	_, url := dbtest.NewWithURL(r)
	if err := load(ctx, url, *stores, *days); err != nil {
		r.Fatalf("%v", err)
	}
	log.Printf("%d stores x %d days loaded; %d CPUs", *stores, *days, runtime.NumCPU())
	fmt.Printf("%-26s %-8s %-8s %-28s %-10s %-28s %-8s %s\n", "pool", "readers", "reads", "read p50/p99/max ms", "p50 ratio", "ingest p50/p99/max ms", "shed", "ingest errors")
	base := map[int]time.Duration{}
	for _, p := range pools {
		dsn := url
		if p[0] == "pgbouncer" {
			dsn = bouncerURL(r, url)
		}
		b, err := newBench(ctx, dsn+" default_query_exec_mode="+p[1])
		if err != nil {
			r.Fatalf("%s: %v", p, err)
		}
		for _, n := range counts {
			res := b.run(n, *rate, *duration)
			p50 := median(res.reads)
			if _, ok := base[n]; !ok {
				base[n] = p50
			}
			fmt.Printf("%-26s %-8d %-8d %-28s %-10.2f %-28s %-8d %d\n", p[0]+":"+p[1], n, len(res.reads), pct(res.reads), float64(p50)/float64(base[n]), pct(res.ingest), res.shed, res.ingestErrors)
		}
		b.close()
	}
}

// bouncerURL is url's database through TEST_PGBOUNCER_URL's PgBouncer.
func bouncerURL(r *runner, url string) string {
	b, err := pgx.ParseConfig(os.Getenv("TEST_PGBOUNCER_URL"))
	if err != nil {
		r.Fatalf("TEST_PGBOUNCER_URL: %v", err)
	}
	d, err := pgx.ParseConfig(url)
	if err != nil {
		r.Fatalf("%v", err)
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", b.Host, b.Port, b.User, d.Database)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	c := slices.Clone(ds)
	slices.Sort(c)
	return c[len(c)/2]
}

// load fills the database at url with the synthetic estate, its rollups built.
func load(ctx context.Context, url string, stores, days int) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	_, _, err = app.LoadReady(ctx, pool, estate.Config{Seed: 3, Stores: stores, Days: days, End: time.Now().UTC().Truncate(24 * time.Hour)}, nil)
	return err
}

// bench is the server under load and what the load needs to know of it.
type bench struct {
	base           string
	reader, ingest string              // an ops token for the reads, an ingest token
	zones          map[string][]string // store code → zone codes
	from, to       string              // the read's period: the last 30 days of the estate
	stop           func()
}

// newBench serves the estate load put in the database at url.
func newBench(ctx context.Context, url string) (*bench, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 8 // serve's --db-max-conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	end := time.Now().UTC().Truncate(24 * time.Hour)
	icfg := pool.Config().Copy()
	icfg.MaxConns, icfg.MinConns = 4, 0 // --db-ingest-conns
	ipool, err := pgxpool.NewWithConfig(ctx, icfg)
	if err != nil {
		return nil, err
	}
	svc := app.New(pool).WithIngestPool(ipool)
	svc.Tokens.SetCacheTTL(5 * time.Second)
	b := &bench{zones: map[string][]string{},
		from: end.AddDate(0, 0, -30).Format(time.DateOnly), to: end.AddDate(0, 0, -1).Format(time.DateOnly)}
	if b.reader, _, err = svc.Tokens.Create(ctx, "readers", ss.RoleOps, nil); err != nil {
		return nil, err
	}
	if b.ingest, _, err = svc.Tokens.Create(ctx, "vision", ss.RoleIngest, nil); err != nil {
		return nil, err
	}
	list, err := svc.Layout.Stores(ctx, nil)
	if err != nil {
		return nil, err
	}
	for _, st := range list {
		zs, err := svc.Layout.Zones(ctx, st.Code)
		if err != nil {
			return nil, err
		}
		for _, z := range zs {
			b.zones[st.Code] = append(b.zones[st.Code], z.Code)
		}
	}
	srv := web.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{ReadConcurrency: 4, ReadWait: 2 * time.Second}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.base = "http://" + ln.Addr().String()
	sctx, cancel := context.WithCancel(ctx)
	rollups := kpi.NewRollups(pool)
	done := make(chan struct{}, 2)
	go func() { _ = srv.Serve(sctx, ln); done <- struct{}{} }()
	go func() {
		rollups.Run(sctx, 2*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
		done <- struct{}{}
	}()
	b.stop = func() { cancel(); <-done; <-done; ipool.Close(); pool.Close() }
	return b, nil
}

func (b *bench) close() { b.stop() }

// result is what one run measured (after its warm-up).
type result struct {
	reads, ingest []time.Duration
	shed          int // reads answered 503
	ingestErrors  int // batches not answered 200
}

// run loads the server with readers connections of KPI reads and rate
// events a second for d after a 5 s warm-up.
func (b *bench) run(readers, rate int, d time.Duration) result {
	const warm = 5 * time.Second
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+d)
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	tr := &http.Transport{MaxIdleConnsPerHost: readers + 64, MaxConnsPerHost: 0}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	url := fmt.Sprintf("%s/api/v1/kpis?by=store&from=%s&to=%s", b.base, b.from, b.to)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				status := get(client, url, b.reader)
				took := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				mu.Lock()
				switch status {
				case http.StatusOK:
					res.reads = append(res.reads, took)
				case http.StatusServiceUnavailable:
					res.shed++
				default:
					log.Printf("read answered %d", status)
				}
				mu.Unlock()
			}
		}()
	}
	// Each store sends a batch a second, staggered across the second, so
	// that the estate sends rate events a second.
	codes := make([]string, 0, len(b.zones))
	for c := range b.zones {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	per := max(1, rate/len(codes))
	for i, code := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Second / time.Duration(len(codes)))
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for ; time.Now().Before(end); <-tick.C {
				body := b.batch(code, per)
				t0 := time.Now()
				status := post(client, b.base+"/api/v1/events", b.ingest, body)
				took := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				mu.Lock()
				res.ingest = append(res.ingest, took)
				if status != http.StatusOK {
					res.ingestErrors++
					log.Printf("ingest answered %d", status)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return res
}

// batch is n events of store code just now, in its zones.
func (b *bench) batch(code string, n int) []byte {
	zs := b.zones[code]
	type ev struct {
		ID         string  `json:"id"`
		Store      string  `json:"store"`
		Zone       string  `json:"zone"`
		Camera     string  `json:"camera"`
		Track      string  `json:"track"`
		OccurredAt string  `json:"occurred_at"`
		Score      float64 `json:"score"`
		Method     string  `json:"method"`
	}
	evs := make([]ev, n)
	now := time.Now().UTC()
	for i := range evs {
		evs[i] = ev{uuid.Must(uuid.NewV7()).String(), code, zs[i%len(zs)], "C1", "t" + strconv.Itoa(i),
			now.Add(-time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), 0.9, "pocket"}
	}
	raw, _ := json.Marshal(map[string]any{"events": evs})
	return raw
}

func get(c *http.Client, url, token string) int {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return do(c, req)
}

func post(c *http.Client, url, token string, body []byte) int {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return do(c, req)
}

func do(c *http.Client, req *http.Request) int {
	res, err := c.Do(req)
	if err != nil {
		log.Printf("%s %s: %v", req.Method, req.URL.Path, err)
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// pct formats p50/p99/max of ds in milliseconds.
func pct(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	slices.Sort(ds)
	q := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	return fmt.Sprintf("%.1f / %.1f / %.1f", q(0.5), q(0.99), float64(ds[len(ds)-1].Microseconds())/1000)
}

// runner lets dbtest make databases outside `go test`.
type runner struct{ dbtest.Runner }
