// Command checkoutbench measures the point of sale's lane lookups against
// a real server on a populated estate: GET /api/v1/checkout/lanes/{store}/
// {lane} at a fixed rate over real HTTP, against two baselines measured in
// the same run at the same rate — a bare net/http handler returning a
// constant JSON answer of the same size, and the server's own /healthz
// (the same middleware, no token, no lookup). Runs alternate, and each
// request's latency is taken from the moment it was due, not when it was
// sent, so a stalled server cannot hide its queue (coordinated omission).
// See docs/BENCHMARKS.md.
//
//	go run ./cmd/checkoutbench -stores 200 -lanes 8 -rate 500 -seconds 3 -runs 3
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/checkout"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

func main() {
	nStores := flag.Int("stores", 200, "checkout stores")
	nLanes := flag.Int("lanes", 8, "lanes (tills) a store")
	rate := flag.Int("rate", 500, "lookups per second")
	seconds := flag.Float64("seconds", 3, "seconds of each run")
	runs := flag.Int("runs", 3, "runs of each kind (alternating)")
	flag.Parse()
	r := &dbtest.Runner{}
	defer r.Close()
	load, _ := os.ReadFile("/proc/loadavg")
	log.Printf("%d CPUs, load average %s", runtime.NumCPU(), strings.TrimSpace(string(load)))

	pool := dbtest.New(r)
	svc := app.New(pool)
	svc.Tokens.SetCacheTTL(5 * time.Second)
	t0 := time.Now()
	flagged := populate(svc, *nStores, *nLanes)
	log.Printf("estate: %d stores x %d lanes, %d lanes with a flagged track, in %.1fs", *nStores, *nLanes, flagged, time.Since(t0).Seconds())
	pos, _, err := tokens.New(pool).Create(context.Background(), "bench tills", ss.RoleCheckout, nil)
	if err != nil {
		log.Fatal(err)
	}
	srv := web.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil)
	api, stopAPI := listen(srv.Handler())
	defer stopAPI()

	// The baseline answers what a flagged lane answers, from a constant.
	sample := get(api+"/api/v1/checkout/lanes/B000/1", pos)
	bare, stopBare := listen(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(sample)
	}))
	defer stopBare()
	log.Printf("a lane answer: %d bytes: %s", len(sample), sample)

	lanePath := func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/checkout/lanes/B%03d/%d", rng.IntN(*nStores), 1+rng.IntN(*nLanes))
	}
	kinds := []struct {
		name  string
		base  string
		path  func(*rand.Rand) string
		token string
	}{
		{"bare net/http constant", bare, func(*rand.Rand) string { return "/" }, ""},
		{"server /healthz", api, func(*rand.Rand) string { return "/healthz" }, ""},
		{"lane lookup", api, lanePath, pos},
	}
	// Warm up: connections, the token cache, the lane state.
	for _, k := range kinds {
		measure(k.base, k.path, k.token, *rate, 0.5)
	}
	p50s, p99s := make([][]float64, len(kinds)), make([][]float64, len(kinds))
	var sent, bad, flags, wrong int64
	for run := range *runs {
		for i, k := range kinds {
			res := measure(k.base, k.path, k.token, *rate, *seconds)
			p50s[i], p99s[i] = append(p50s[i], res.p50), append(p99s[i], res.p99)
			if k.token != "" {
				sent, bad, flags, wrong = sent+int64(res.n), bad+res.bad, flags+res.flagged, wrong+res.wrong
			}
			log.Printf("run %d %-24s n=%d p50=%.2fms p99=%.2fms max=%.2fms achieved=%.0f/s non-200=%d", run+1, k.name, res.n, res.p50, res.p99, res.max, res.achieved, res.bad)
		}
	}
	fmt.Printf("stores=%d lanes=%d rate=%d/s seconds=%.1f runs=%d (medians of the runs)\n", *nStores, *nLanes, *rate, *seconds, *runs)
	for i, k := range kinds {
		fmt.Printf("%-24s p50=%.2fms p99=%.2fms  runs p99 %v\n", k.name, stats.Median(p50s[i]), stats.Median(p99s[i]), rounded(p99s[i]))
	}
	lane, base, health := len(kinds)-1, 0, 1
	fmt.Printf("lane lookup / bare: p50 x%.2f, p99 x%.2f; lane lookup / healthz: p50 x%.2f, p99 x%.2f\n",
		stats.Median(p50s[lane])/stats.Median(p50s[base]), stats.Median(p99s[lane])/stats.Median(p99s[base]),
		stats.Median(p50s[lane])/stats.Median(p50s[health]), stats.Median(p99s[lane])/stats.Median(p99s[health]))
	fmt.Printf("lookups: %d, non-200: %d, wrong answers: %d, flagged answers %.1f%% (estate: %.1f%% of lanes)\n", sent, bad, wrong,
		100*float64(flags)/float64(max(sent, 1)), 100*float64(flagged)/float64(*nStores**nLanes))
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average after: %s", load)
	}
}

// populate makes n checkout stores B000… with an aisle, lanes 1…lanes
// and an entrance; a track with two concealments (cosmetics 12.50 and
// spirits 30, ten seconds apart) stands at every other lane, a track with
// none at the rest. It returns how many lanes are flagged.
func populate(svc app.Services, n, lanes int) int {
	ctx := context.Background()
	now := time.Now().UTC()
	score := 0.9
	var events []ss.EventInput
	var here []checkout.PresenceInput
	flagged := 0
	for i := range n {
		code := fmt.Sprintf("B%03d", i)
		st := ss.Store{Code: code, Name: "bench", Timezone: "Europe/London", OperatingModel: ss.ModelCheckout, Currency: "GBP",
			OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}}, Profile: ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
		if _, err := svc.Layout.PutStore(ctx, &st); err != nil {
			log.Fatal(err)
		}
		zones := []ss.Zone{
			{Code: "A1", Name: "A1", Kind: ss.KindAisle, Category: "cosmetics", UnitValue: 12.5, Polygon: ss.Rect(0, 0, 4, 2)},
			{Code: "A2", Name: "A2", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, Polygon: ss.Rect(0, 3, 4, 5)},
			{Code: "E1", Name: "Door", Kind: ss.KindEntrance, Category: "entrance", Polygon: ss.Rect(0, 10, 2, 11)},
		}
		for l := 1; l <= lanes; l++ {
			x := float64(5 + 2*l)
			zones = append(zones, ss.Zone{Code: fmt.Sprintf("K%d", l), Name: "till", Kind: ss.KindCheckout, Category: "till",
				Polygon: ss.Rect(x, 0, x+1, 1), Lane: fmt.Sprint(l)})
		}
		if _, err := svc.Layout.PutZones(ctx, code, zones, now.Add(-48*time.Hour)); err != nil {
			log.Fatal(err)
		}
		for l := 1; l <= lanes; l++ {
			track := fmt.Sprintf("f-%s-%d", code, l)
			if l%2 == 1 {
				flagged++
				for k, zone := range []string{"A1", "A2"} {
					events = append(events, ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: code, Zone: zone, Camera: "C1", Track: track,
						OccurredAt: now.Add(-5*time.Minute + time.Duration(k)*10*time.Second).Format(time.RFC3339Nano), Score: &score, Method: ss.MethodBag})
				}
			}
			here = append(here, checkout.PresenceInput{Store: code, Lane: fmt.Sprint(l), Track: track, At: now.Add(-time.Minute).Format(time.RFC3339Nano)})
		}
	}
	p := &ss.Principal{Role: ss.RoleIngest}
	for len(events) > 0 {
		k := min(len(events), 1000)
		if _, err := svc.Ingest.Events(ctx, p, events[:k]); err != nil {
			log.Fatal(err)
		}
		events = events[k:]
	}
	for len(here) > 0 {
		k := min(len(here), 1000)
		if _, err := svc.Checkout.Presence(ctx, p, here[:k]); err != nil {
			log.Fatal(err)
		}
		here = here[k:]
	}
	return flagged
}

func listen(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = s.Close() }
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}

func get(url, token string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		log.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return b
}

type result struct {
	n             int
	p50, p99, max float64 // milliseconds
	achieved      float64
	bad, flagged  int64
	wrong         int64 // lane answers whose flagged is not the estate's
}

// measure sends rate requests a second for seconds, each at its due time
// in its own goroutine (open loop), and times each from that due time.
func measure(base string, path func(*rand.Rand) string, token string, rate int, seconds float64) result {
	n := int(float64(rate) * seconds)
	lat := make([]float64, n)
	var bad, flagged, wrong atomic.Int64
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		url := base + path(rng)
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := client.Do(req)
			if err != nil {
				bad.Add(1)
				lat[i] = float64(time.Since(due).Microseconds()) / 1000
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			lat[i] = float64(time.Since(due).Microseconds()) / 1000
			if res.StatusCode != 200 {
				bad.Add(1)
				return
			}
			if token != "" {
				// Every odd lane has a flagged track (populate): an answer
				// that says otherwise is wrong.
				var st struct {
					Flagged bool `json:"flagged"`
				}
				lane := url[strings.LastIndexByte(url, '/')+1:]
				odd := (lane[len(lane)-1]-'0')%2 == 1
				if json.Unmarshal(b, &st) != nil || st.Flagged != odd {
					wrong.Add(1)
				}
				if st.Flagged {
					flagged.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start).Seconds()
	slices.Sort(lat)
	q := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return result{n: n, p50: q(0.5), p99: q(0.99), max: lat[len(lat)-1], achieved: float64(n) / took, bad: bad.Load(), flagged: flagged.Load(), wrong: wrong.Load()}
}

func rounded(xs []float64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%.2f", x)
	}
	return out
}
