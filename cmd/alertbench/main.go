// Command alertbench measures live alerts against a real server: the time
// from a POST /api/v1/events being acknowledged to the alert's message
// reaching each connected console (SSE clients in Go), with consoles on two
// replicas (ingest on the first), and the cost of opening alerts on ingest
// throughput (the same batches into soc stores against detection stores, in
// one run). See docs/BENCHMARKS.md.
//
//	go run ./cmd/alertbench -consoles 50 -rate 200 -seconds 30
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

func main() {
	consoles := flag.Int("consoles", 50, "SSE consoles connected (half to each replica)")
	rate := flag.Int("rate", 200, "events per second, one per POST")
	seconds := flag.Int("seconds", 30, "seconds of load")
	stores := flag.Int("stores", 20, "soc stores the events spread over")
	ratioEvents := flag.Int("ratio-events", 100_000, "events for the ingest throughput ratio (0: skip it)")
	ratioRuns := flag.Int("ratio-runs", 3, "runs of each kind for the ratio (alternating)")
	baseline := flag.Bool("baseline", true, "also offer the same load to detection stores (no alerts), for the POST rate the host sustains without them")
	flag.Parse()
	r := &runner{}
	defer r.Close()
	log.Printf("%d CPUs; %d consoles, %d events/s for %d s over %d stores", runtime.NumCPU(), *consoles, *rate, *seconds, *stores)
	lat := r.latency(ss.ModelSOC, *consoles, *rate, *seconds, *stores)
	fmt.Printf("consoles=%d rate=%d/s seconds=%d stores=%d\n", *consoles, *rate, *seconds, *stores)
	fmt.Printf("POST acknowledged -> console received: n=%d p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms missing=%d\n",
		lat.n, ms(lat.p50), ms(lat.p90), ms(lat.p99), ms(lat.max), lat.missing)
	fmt.Printf("  on the ingesting replica: p50=%.1fms p99=%.1fms; on the other: p50=%.1fms p99=%.1fms; achieved %.0f events/s\n",
		ms(lat.sameP50), ms(lat.sameP99), ms(lat.otherP50), ms(lat.otherP99), lat.achieved)
	if *baseline {
		base := r.latency(ss.ModelDetection, *consoles, *rate, *seconds, *stores)
		fmt.Printf("  the same load into detection stores (no alerts, consoles idle): achieved %.0f events/s\n", base.achieved)
	}
	if *ratioEvents > 0 {
		var soc, det []float64
		for range *ratioRuns {
			det = append(det, r.throughput(ss.ModelDetection, *ratioEvents, *stores))
			soc = append(soc, r.throughput(ss.ModelSOC, *ratioEvents, *stores))
		}
		fmt.Printf("ingest, batches of 1000: detection stores median %.0f events/s %v, soc stores median %.0f events/s %v, ratio soc/detection %.2f\n",
			stats.Median(det), rounded(det), stats.Median(soc), rounded(soc), stats.Median(soc)/stats.Median(det))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// server is one replica serving the database on loopback.
type server struct {
	url  string
	stop func()
}

func serve(pool *pgxpool.Pool) server {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := web.New(app.New(pool), slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return server{url: "http://" + ln.Addr().String(), stop: func() { cancel(); <-done }}
}

// estate makes a fresh database with n stores of model, each with zone Z1,
// and returns it with an ingest and an ops token.
func (r *runner) estate(model ss.OperatingModel, n int) (*pgxpool.Pool, string, string) {
	ctx := context.Background()
	pool := dbtest.New(r)
	svc := app.New(pool)
	for i := range n {
		st := ss.Store{Code: fmt.Sprintf("B%03d", i), Name: "bench", Timezone: "Europe/London", OperatingModel: model,
			OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}}, Profile: ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
		if _, err := svc.Layout.PutStore(ctx, &st); err != nil {
			log.Fatal(err)
		}
		z := ss.Zone{Code: "Z1", Name: "Z1", Kind: ss.KindAisle, Category: "cosmetics", UnitValue: 12.5, Polygon: ss.Rect(0, 0, 1, 1)}
		if _, err := svc.Layout.PutZones(ctx, st.Code, []ss.Zone{z}, time.Time{}); err != nil {
			log.Fatal(err)
		}
	}
	tok := tokens.New(pool)
	ingest, _, err := tok.Create(ctx, "bench ingest", ss.RoleIngest, nil)
	if err != nil {
		log.Fatal(err)
	}
	ops, _, err := tok.Create(ctx, "bench console", ss.RoleOps, nil)
	if err != nil {
		log.Fatal(err)
	}
	return pool, ingest, ops
}

func body(stores, i int, at time.Time) (string, []byte) {
	id := uuid.Must(uuid.NewV7()).String()
	score := 0.9
	b, _ := json.Marshal(map[string]any{"events": []ss.EventInput{{ID: id, Store: fmt.Sprintf("B%03d", i%stores), Zone: "Z1",
		OccurredAt: at.UTC().Format(time.RFC3339Nano), Score: &score, Method: ss.MethodPocket}}})
	return id, b
}

type result struct {
	n, missing                           int
	p50, p90, p99, max                   time.Duration
	sameP50, sameP99, otherP50, otherP99 time.Duration
	achieved                             float64
}

// console is one SSE client: when each event's opened message arrived.
type console struct {
	same bool // on the ingesting replica
	mu   sync.Mutex
	got  map[string]time.Time
}

func (c *console) follow(ctx context.Context, url, token string, ready chan<- struct{}) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/alerts/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		log.Fatalf("console: %v %v", err, res)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
			if event == "ready" && ready != nil {
				ready <- struct{}{}
				ready = nil
			}
		case strings.HasPrefix(line, "data: ") && event == "alert":
			now := time.Now()
			var m struct {
				Change string `json:"change"`
				Event  struct {
					ID string `json:"id"`
				} `json:"event"`
			}
			if json.Unmarshal([]byte(line[6:]), &m) == nil && m.Change == "opened" {
				c.mu.Lock()
				c.got[m.Event.ID] = now
				c.mu.Unlock()
			}
		}
	}
}

// latency connects the consoles, posts rate events a second for seconds,
// and measures each acknowledged event's delay to every console.
func (r *runner) latency(model ss.OperatingModel, consoles, rate, seconds, stores int) result {
	pool, ingest, ops := r.estate(model, stores)
	a, b := serve(pool), serve(pool)
	ctx, cancel := context.WithCancel(context.Background())
	cs := make([]*console, consoles)
	ready := make(chan struct{}, consoles)
	var wg sync.WaitGroup
	for i := range cs {
		cs[i] = &console{same: i%2 == 0, got: map[string]time.Time{}}
		url := b.url
		if cs[i].same {
			url = a.url
		}
		wg.Add(1)
		go func() { defer wg.Done(); cs[i].follow(ctx, url, ops, ready) }()
	}
	for range consoles {
		<-ready
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var acked sync.Map // event id -> ack time
	total := rate * seconds
	work := make(chan int, total)
	var posted atomic.Int64
	var pw sync.WaitGroup
	start := time.Now()
	for range 32 {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for i := range work {
				id, raw := body(stores, i, time.Now())
				req, _ := http.NewRequest("POST", a.url+"/api/v1/events", bytes.NewReader(raw))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+ingest)
				res, err := client.Do(req)
				if err != nil {
					log.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					log.Fatalf("POST /events: %d", res.StatusCode)
				}
				acked.Store(id, time.Now())
				posted.Add(1)
			}
		}()
	}
	// Pace the events: event i is due at start + i/rate.
	for i := range total {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		work <- i
	}
	close(work)
	pw.Wait()
	achieved := float64(posted.Load()) / time.Since(start).Seconds()
	time.Sleep(2 * time.Second) // the last messages' way
	cancel()
	wg.Wait()
	var all, same, other []time.Duration
	missing := 0
	acked.Range(func(k, v any) bool {
		ack := v.(time.Time)
		for _, c := range cs {
			got, ok := c.got[k.(string)]
			if !ok && model == ss.ModelSOC {
				missing++
				continue
			}
			if !ok {
				continue
			}
			d := max(got.Sub(ack), 0) // a message may beat the POST's answer home
			all = append(all, d)
			if c.same {
				same = append(same, d)
			} else {
				other = append(other, d)
			}
		}
		return true
	})
	res := result{n: len(all), missing: missing, achieved: achieved}
	res.p50, res.p90, res.p99, res.max = pct(all, 0.5), pct(all, 0.9), pct(all, 0.99), pct(all, 1)
	res.sameP50, res.sameP99, res.otherP50, res.otherP99 = pct(same, 0.5), pct(same, 0.99), pct(other, 0.5), pct(other, 0.99)
	a.stop()
	b.stop()
	r.Close()
	return res
}

// throughput ingests n events in batches of 1000 (4 clients) into stores
// of model and returns events per second.
func (r *runner) throughput(model ss.OperatingModel, n, stores int) float64 {
	pool, ingest, _ := r.estate(model, stores)
	a := serve(pool)
	at := time.Now().Add(-time.Hour)
	var bodies [][]byte
	for lo := 0; lo < n; lo += 1000 {
		var in []ss.EventInput
		score := 0.9
		for i := lo; i < min(lo+1000, n); i++ {
			in = append(in, ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: fmt.Sprintf("B%03d", i%stores), Zone: "Z1",
				OccurredAt: at.Add(time.Duration(i) * time.Millisecond).UTC().Format(time.RFC3339Nano), Score: &score, Method: ss.MethodBag})
		}
		b, _ := json.Marshal(map[string]any{"events": in})
		bodies = append(bodies, b)
	}
	// One batch first, so that the month's partition exists before timing.
	post := func(raw []byte) {
		req, _ := http.NewRequest("POST", a.url+"/api/v1/events", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ingest)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			log.Fatalf("POST /events: %d", res.StatusCode)
		}
	}
	post(bodies[0])
	work := make(chan []byte)
	var wg sync.WaitGroup
	start := time.Now()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				post(b)
			}
		}()
	}
	for _, b := range bodies[1:] {
		work <- b
	}
	close(work)
	wg.Wait()
	rate := float64(n-min(n, 1000)) / time.Since(start).Seconds()
	var alerts int
	_ = pool.QueryRow(context.Background(), `SELECT count(*) FROM alerts`).Scan(&alerts)
	if model == ss.ModelSOC && alerts != n || model != ss.ModelSOC && alerts != 0 {
		log.Fatalf("%d alerts after %d events into %s stores", alerts, n, model)
	}
	a.stop()
	r.Close()
	return rate
}

func pct(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	i := int(q * float64(len(xs)-1))
	return xs[i]
}

func rounded(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

// runner lets dbtest make databases outside `go test`.
type runner struct{ dbtest.Runner }
