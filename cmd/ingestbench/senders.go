package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/web"
)

// sender is one store's vision tier: its batches, in the order it sends them.
type sender struct {
	events [][]ss.Event // batches of 20–50
	bodies [][]byte     // the same, as POST bodies
}

func sendersMain(r *runner, n, senders, conns, runs int, cpuprofile string) {
	est := estate.New(estate.Config{Seed: 7, Stores: senders, Days: 365})
	stores := make([]int, senders)
	for i := range stores {
		stores[i] = i
	}
	snd := makeSenders(est, n, senders)
	var all []ss.Event
	batches := 0
	for _, s := range snd {
		for _, b := range s.events {
			all = append(all, b...)
		}
		batches += len(s.events)
	}
	log.Printf("generated %d events in %d batches from %d senders (a store each); %d connections", len(all), batches, senders, conns)
	var copyRates, httpRates []float64
	for i := range runs {
		copyRates = append(copyRates, r.streamCopy(est, stores, all, snd, conns))
		httpRates = append(httpRates, r.sendersHTTP(est, stores, all, snd, conns, cpuprofile))
		log.Printf("run %d: %d COPY streams %.0f rows/s, %d HTTP senders %.0f rows/s, ratio %.2f",
			i+1, senders, copyRates[i], senders, httpRates[i], httpRates[i]/copyRates[i])
	}
	mc, mh := stats.Median(copyRates), stats.Median(httpRates)
	fmt.Printf("events=%d runs=%d senders=%d batches=%d conns=%d\n", len(all), runs, senders, batches, conns)
	fmt.Printf("COPY streams        median %8.0f rows/s  (runs %v)\n", mc, rounded(copyRates))
	fmt.Printf("HTTP senders        median %8.0f rows/s  (runs %v)\n", mh, rounded(httpRates))
	fmt.Printf("ratio HTTP/COPY of medians: %.2f\n", mh/mc)
}

// makeSenders takes about n/senders events from each store's stream and
// restamps them as sent live: occurred_at within the last hour, in order,
// and a UUIDv7 minted at that instant.
func makeSenders(est *estate.Estate, n, senders int) []sender {
	per := (n + senders - 1) / senders
	rng := rand.New(rand.NewPCG(7, 28))
	now := time.Now().Truncate(time.Millisecond)
	out := make([]sender, senders)
	for i := range out {
		sink := &eventSink{want: per}
		if err := est.Stream(i, sink); err != nil && err != errEnough {
			log.Fatal(err)
		}
		evs := sink.events
		for k := range evs {
			evs[k].OccurredAt = now.Add(-time.Hour + time.Duration(k)*time.Hour/time.Duration(len(evs)))
			evs[k].ID = uuid7(rng, evs[k].OccurredAt.UnixMilli())
		}
		for lo := 0; lo < len(evs); {
			hi := min(lo+20+rng.IntN(31), len(evs))
			out[i].events = append(out[i].events, evs[lo:hi])
			out[i].bodies = append(out[i].bodies, encode(evs[lo:hi], hi-lo)[0])
			lo = hi
		}
	}
	return out
}

// uuid7 is a UUIDv7 (RFC 9562) of unix milliseconds ms.
func uuid7(rng *rand.Rand, ms int64) uuid.UUID {
	var id uuid.UUID
	hi, lo := rng.Uint64(), rng.Uint64()
	for i := range 6 {
		id[i] = byte(uint64(ms) >> (40 - 8*i))
	}
	id[6] = 0x70 | byte(hi>>60)
	id[7] = byte(hi >> 52)
	id[8] = 0x80 | byte(lo>>58)
	for i := 9; i < 16; i++ {
		id[i] = byte(lo >> (8 * (15 - i)))
	}
	return id
}

// openPool opens a pool of conns connections on url.
func openPool(url string, conns int) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		log.Fatal(err)
	}
	cfg.MaxConns = int32(conns)
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// streamCopy is the limit for the senders' shape: every sender a goroutine
// COPYing its batches one after another (a COPY and a commit each) into
// events, the rows resolved beforehand, through a pool of conns.
func (r *runner) streamCopy(est *estate.Estate, stores []int, all []ss.Event, senders []sender, conns int) float64 {
	pool, url, ids := r.prepare(est, stores, all)
	zones := zoneDefaults(est, stores)
	rows := make([][][][]any, len(senders))
	for i, s := range senders {
		for _, b := range s.events {
			rows[i] = append(rows[i], eventRows(b, ids, zones))
		}
	}
	cp := openPool(url, conns)
	defer cp.Close()
	var stored atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range rows[i] {
				n, err := cp.CopyFrom(context.Background(), pgx.Identifier{"events"}, kpi.EventColumns, pgx.CopyFromRows(b))
				if err != nil {
					log.Fatal(err)
				}
				stored.Add(n)
			}
		}()
	}
	wg.Wait()
	rate := float64(stored.Load()) / time.Since(start).Seconds()
	r.verify(pool, len(all))
	r.Close()
	return rate
}

// sendersHTTP serves the API on loopback with a pool of conns and has every
// sender post its batches one after another, all senders at once.
func (r *runner) sendersHTTP(est *estate.Estate, stores []int, all []ss.Event, senders []sender, conns int, cpuprofile string) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	pool, url, _ := r.prepare(est, stores, all)
	secret, _, err := tokens.New(pool).Create(ctx, "bench", ss.RoleIngest, nil)
	if err != nil {
		log.Fatal(err)
	}
	sp := openPool(url, conns)
	defer sp.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := web.New(app.New(sp), slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	endpoint := "http://" + ln.Addr().String() + "/api/v1/events"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: len(senders), MaxIdleConns: len(senders)}}
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
	var accepted atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range senders[i].bodies {
				req, _ := http.NewRequest("POST", endpoint, bytes.NewReader(body))
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
				accepted.Add(int64(out.Accepted))
			}
		}()
	}
	wg.Wait()
	rate := float64(accepted.Load()) / time.Since(start).Seconds()
	if int(accepted.Load()) != len(all) {
		log.Fatalf("accepted %d of %d events", accepted.Load(), len(all))
	}
	r.verify(pool, len(all))
	cancel()
	<-done
	r.Close()
	return rate
}
