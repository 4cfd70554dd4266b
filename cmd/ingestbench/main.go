// Command ingestbench measures HTTP ingest of concealment events against a
// raw pgx CopyFrom of the same rows into the same table, in one run, on fresh
// databases, and prints both rates and their ratio. See docs/BENCHMARKS.md.
//
//	go run ./cmd/ingestbench -events 1000000 -runs 3
//
// With -senders N it measures the shape an estate sends in instead: N
// concurrent senders, each one store's vision tier posting batches of 20–50
// events with UUIDv7 ids minted as they occur (occurred_at near now),
// against the same batches COPYed by N concurrent streams, one COPY and
// commit per batch, through a pool of the same -conns connections as the
// server's.
//
//	go run ./cmd/ingestbench -events 200000 -senders 500 -runs 3
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/web"
)

func main() {
	n := flag.Int("events", 1_000_000, "events to ingest per run")
	runs := flag.Int("runs", 3, "runs of each method (alternating)")
	batchSize := flag.Int("batch", 5000, "events per HTTP request")
	clients := flag.Int("clients", 4, "concurrent HTTP clients")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the HTTP runs (server and clients) to this file")
	senders := flag.Int("senders", 0, "0: the batch mode above; N: N concurrent senders, a store each, posting batches of 20-50 events")
	conns := flag.Int("conns", 4, "with -senders: database connections of the server's pool and of the COPY baseline's (serve's --db-ingest-conns)")
	flag.Parse()
	r := &runner{}
	defer r.Close()
	if *senders > 0 {
		sendersMain(r, *n, *senders, *conns, *runs, *cpuprofile)
		return
	}

	est := estate.New(estate.Config{Seed: 7, Stores: 400, Days: 365})
	events, stores := collect(est, *n)
	log.Printf("generated %d events in %d stores; %d CPUs; batches of %d, %d clients", len(events), len(stores), runtime.NumCPU(), *batchSize, *clients)
	bodies := encode(events, *batchSize)

	var copyRates, httpRates []float64
	for i := range *runs {
		copyRates = append(copyRates, r.rawCopy(est, stores, events))
		httpRates = append(httpRates, r.httpIngest(est, stores, events, bodies, *clients, *cpuprofile))
		log.Printf("run %d: raw COPY %.0f rows/s, HTTP ingest %.0f rows/s, ratio %.2f",
			i+1, copyRates[i], httpRates[i], httpRates[i]/copyRates[i])
	}
	mc, mh := stats.Median(copyRates), stats.Median(httpRates)
	fmt.Printf("events=%d runs=%d batch=%d clients=%d\n", len(events), *runs, *batchSize, *clients)
	fmt.Printf("raw COPY            median %8.0f rows/s  (runs %v)\n", mc, rounded(copyRates))
	fmt.Printf("HTTP ingest         median %8.0f rows/s  (runs %v)\n", mh, rounded(httpRates))
	fmt.Printf("ratio HTTP/COPY of medians: %.2f\n", mh/mc)
}

var errEnough = errors.New("enough events")

// eventSink keeps only events, until it has enough.
type eventSink struct {
	want   int
	events []ss.Event
}

func (s *eventSink) Event(e ss.Event) error {
	s.events = append(s.events, e)
	if len(s.events) >= s.want {
		return errEnough
	}
	return nil
}
func (s *eventSink) Footfall(ss.Footfall) error { return nil }
func (s *eventSink) Outcome(ss.Outcome) error   { return nil }
func (s *eventSink) Sale(ss.Sale) error         { return nil }

// collect streams stores until n events are generated; it returns the events
// and the indexes of the stores they came from.
func collect(est *estate.Estate, n int) ([]ss.Event, []int) {
	sink := &eventSink{want: n}
	var stores []int
	for i := range est.Stores {
		stores = append(stores, i)
		err := est.Stream(i, sink)
		if errors.Is(err, errEnough) {
			return sink.events, stores
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	log.Fatalf("the estate holds only %d events", len(sink.events))
	return nil, nil
}

func encode(events []ss.Event, size int) [][]byte {
	var bodies [][]byte
	for lo := 0; lo < len(events); lo += size {
		hi := min(lo+size, len(events))
		in := make([]ss.EventInput, 0, hi-lo)
		for _, e := range events[lo:hi] {
			score := e.Score
			ev := ss.EventInput{ID: e.ID.String(), Store: e.Store, Zone: e.Zone, Camera: e.Camera, Track: e.Track,
				OccurredAt: e.OccurredAt.Format(time.RFC3339Nano), Score: &score, Method: e.Method, Category: e.Category}
			if e.EstValue >= 0 {
				v := e.EstValue
				ev.EstValue = &v
			}
			in = append(in, ev)
		}
		b, err := json.Marshal(map[string]any{"events": in})
		if err != nil {
			log.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	return bodies
}

// prepare makes a fresh database holding the stores and zones, with the
// month partitions created, and returns zone ids by store and zone code.
func (r *runner) prepare(est *estate.Estate, stores []int, events []ss.Event) (*pgxpool.Pool, string, map[[2]string][2]int64) {
	ctx := context.Background()
	pool, url := dbtest.NewWithURL(r)
	lay := layout.New(pool)
	ids := map[[2]string][2]int64{}
	for _, i := range stores {
		st := est.Stores[i].Store
		if _, err := lay.PutStore(ctx, &st); err != nil {
			log.Fatal(err)
		}
		zones := slices.Clone(est.Stores[i].Zones)
		if _, err := lay.PutZones(ctx, st.Code, zones, time.Time{}); err != nil {
			log.Fatal(err)
		}
		for _, z := range zones {
			ids[[2]string{st.Code, z.Code}] = [2]int64{st.ID, z.ID}
		}
	}
	months := map[time.Time]bool{}
	for _, e := range events {
		t := e.OccurredAt.UTC()
		months[time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)] = true
	}
	for m := range months {
		if _, err := pool.Exec(ctx, `SELECT ensure_event_partition($1)`, m); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `CHECKPOINT`); err != nil {
		log.Printf("checkpoint: %v", err)
	}
	return pool, url, ids
}

// rawCopy is the baseline: one CopyFrom of every row, resolved beforehand,
// into events (the only table an event fills since migration 00037).
func (r *runner) rawCopy(est *estate.Estate, stores []int, events []ss.Event) float64 {
	pool, _, ids := r.prepare(est, stores, events)
	rows := eventRows(events, ids, zoneDefaults(est, stores))
	start := time.Now()
	n, err := pool.CopyFrom(context.Background(), pgx.Identifier{"events"}, kpi.EventColumns, pgx.CopyFromRows(rows))
	if err != nil {
		log.Fatal(err)
	}
	took := time.Since(start)
	r.verify(pool, len(events))
	r.Close()
	return float64(n) / took.Seconds()
}

// eventRows resolves events as ingest would — store and zone ids, the
// zone's category and unit value where the event has none — into COPY rows.
func eventRows(events []ss.Event, ids map[[2]string][2]int64, zones map[[2]string]ss.Zone) [][]any {
	rows := make([][]any, len(events))
	for i := range events {
		e := events[i]
		id := ids[[2]string{e.Store, e.Zone}]
		e.StoreID, e.ZoneID = id[0], id[1]
		z := zones[[2]string{e.Store, e.Zone}]
		if e.Category == "" {
			e.Category = z.Category
		}
		if e.EstValue < 0 {
			e.EstValue = z.UnitValue
		}
		rows[i] = kpi.EventRow(&e)
	}
	return rows
}

func zoneDefaults(est *estate.Estate, stores []int) map[[2]string]ss.Zone {
	m := map[[2]string]ss.Zone{}
	for _, i := range stores {
		for _, z := range est.Stores[i].Zones {
			m[[2]string{est.Stores[i].Code, z.Code}] = z
		}
	}
	return m
}

// httpIngest serves the API on loopback and posts the batches concurrently.
func (r *runner) httpIngest(est *estate.Estate, stores []int, events []ss.Event, bodies [][]byte, clients int, cpuprofile string) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	pool, _, _ := r.prepare(est, stores, events)
	secret, _, err := tokens.New(pool).Create(ctx, "bench", ss.RoleIngest, nil)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := web.New(app.New(pool), slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/api/v1/events"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}

	work := make(chan []byte)
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secret)
				res, err := client.Do(req)
				if err != nil {
					log.Fatal(err)
				}
				var out kpi.Result
				err = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 {
					log.Fatalf("status %d: %v", res.StatusCode, err)
				}
				mu.Lock()
				accepted += out.Accepted
				mu.Unlock()
			}
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	rate := float64(accepted) / time.Since(start).Seconds()
	if accepted != len(events) {
		log.Fatalf("accepted %d of %d events", accepted, len(events))
	}
	r.verify(pool, len(events))
	cancel()
	<-done
	r.Close()
	return rate
}

func (r *runner) verify(pool *pgxpool.Pool, want int) {
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil || n != want {
		log.Fatalf("events table holds %d rows, want %d (%v)", n, want, err)
	}
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
