// Command visionbench measures the vision pipeline's cost per frame against
// ONNX Runtime's own Run on the same model, in one run: the generated
// benchmark detector (640×640, YOLO-nano-like compute, random weights) on
// 640×640 synthetic frames. Raw is Detector.Run on a filled input; pipeline
// is letterbox + Run + decode + NMS + tracking + homography + floor
// tracker + zone lookup + rule + footfall + lanes (decoding the video is
// excluded). The two alternate frame
// by frame so both see the same machine. It also measures zone lookups per
// second. See docs/BENCHMARKS.md.
//
//	go run ./cmd/visionbench -frames 30
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/onnxmodel"
	"github.com/shrinkscope/shrinkscope/vision"
)

func main() {
	frames := flag.Int("frames", 30, "measured frames (after 3 warm-up frames)")
	threads := flag.Int("threads", 1, "ONNX Runtime intra-op threads; at 1 the model runs on the calling thread, so its CPU time is measured exactly")
	lib := flag.String("lib", os.Getenv("ONNXRUNTIME_LIB"), "libonnxruntime.so (default $ONNXRUNTIME_LIB)")
	cuda := flag.Bool("cuda", false, "use the CUDA execution provider")
	points := flag.Int("points", 20_000_000, "zone lookups to time")
	flag.Parse()
	// One OS thread for the measurements, so thread CPU time counts this
	// work alone however busy the machine is.
	runtime.LockOSThread()
	if *lib == "" {
		log.Fatal("set -lib or ONNXRUNTIME_LIB (scripts/onnxruntime fetches it)")
	}
	if err := vision.InitRuntime(*lib); err != nil {
		log.Fatal(err)
	}
	model, flops := onnxmodel.BenchDetector(1)
	dir, err := os.MkdirTemp("", "visionbench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bench.onnx")
	if err := os.WriteFile(path, model, 0o644); err != nil {
		log.Fatal(err)
	}
	det, err := vision.NewDetector(path, onnxmodel.Classes, vision.RuntimeOptions{IntraOpThreads: *threads, CUDA: *cuda})
	if err != nil {
		log.Fatal(err)
	}
	defer det.Close()
	fmt.Printf("model: input %dx%d, output [1, %d, %d], %.2f GFLOPs per frame\n", det.Size, det.Size, 4+det.Classes, det.Candidates, float64(flops)/1e9)

	// The store: a 40 m × 30 m floor in 4 m × 3 m zones (100 zones), seen by
	// one camera looking down at it.
	var zones []ss.Zone
	for i := 0; i < 10; i++ {
		for j := 0; j < 10; j++ {
			zones = append(zones, ss.Zone{Code: fmt.Sprintf("Z%d-%d", i, j), Category: "c", UnitValue: 10,
				Polygon: ss.Rect(float64(4*i), float64(3*j), float64(4*i+4), float64(3*j+3))})
		}
	}
	var zp atomic.Pointer[vision.ZoneIndex]
	zp.Store(vision.NewZoneIndex(zones))
	h, _, _, err := vision.FitHomography([]vision.Correspondence{
		{Image: [2]float64{0, 0}, Floor: [2]float64{0, 0}}, {Image: [2]float64{640, 0}, Floor: [2]float64{40, 0}},
		{Image: [2]float64{640, 640}, Floor: [2]float64{40, 30}}, {Image: [2]float64{0, 640}, Floor: [2]float64{0, 30}},
	})
	if err != nil {
		log.Fatal(err)
	}
	cam := &vision.Camera{ID: "bench", Store: "S1", Entrance: true, H: h, Zones: &zp,
		Rule:    vision.RuleConfig{Threshold: 0.5, K: 3, N: 5, Cooldown: 30 * time.Second},
		Methods: map[int]ss.Method{1: ss.MethodPocket, 2: ss.MethodBag}, Tracker: vision.NewTracker(vision.TrackerConfig{}),
		Footfall: vision.NewFootfall(time.UTC), Sink: discard{},
		Floor: vision.NewFloorTracker(vision.FloorConfig{}), Lanes: vision.NewLanes("S1", time.Second)}

	// Synthetic 640×640 frames: noise with a few moving blocks.
	rng := rand.New(rand.NewPCG(3, 4))
	f := &vision.Frame{W: 640, H: 640, Pix: make([]byte, 640*640*3)}
	for i := range f.Pix {
		f.Pix[i] = byte(rng.IntN(256))
	}
	lb := vision.NewLetterbox(f.W, f.H, det.Size)
	thresholds := []float64{0.4, 0.5, 0.5}
	var dets []vision.Detection
	var raw, pipe, pre, post, rawCPU, pipeCPU []time.Duration
	var found int
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	lb.Fill(det.Input())
	lb.Apply(f, det.Input())
	for i := -3; i < *frames; i++ {
		for b := 0; b < 5; b++ { // move the blocks
			x, y := (40+120*b+7*i)%600, (60+100*b)%600
			for yy := y; yy < y+40; yy++ {
				for xx := x; xx < x+20; xx++ {
					copy(f.Pix[3*(yy*640+xx):], []byte{255, 0, 0})
				}
			}
		}
		c0, t0 := cpu(), time.Now()
		if err := det.Run(); err != nil {
			log.Fatal(err)
		}
		c1, t1 := cpu(), time.Now()
		lb.Apply(f, det.Input())
		t2 := time.Now()
		if err := det.Run(); err != nil {
			log.Fatal(err)
		}
		t3 := time.Now()
		dets = vision.Decode(det.Output(), det.Candidates, det.Classes, thresholds, 0.45, lb, dets)
		people := vision.People(dets, 0, det.Classes)
		if err := cam.Step(people, at.Add(time.Duration(i)*100*time.Millisecond)); err != nil {
			log.Fatal(err)
		}
		c4, t4 := cpu(), time.Now()
		if i >= 0 {
			rawCPU = append(rawCPU, c1-c0)
			pipeCPU = append(pipeCPU, c4-c1)
			raw = append(raw, t1.Sub(t0))
			pipe = append(pipe, t4.Sub(t1))
			pre = append(pre, t2.Sub(t1))
			post = append(post, t4.Sub(t3))
			found += len(dets)
		}
	}
	mr, mp := median(raw), median(pipe)
	fmt.Printf("frames: %d, detections per frame: %.1f\n", *frames, float64(found)/float64(*frames))
	fmt.Printf("wall clock:\n")
	fmt.Printf("raw ORT Run:      median %8.2f ms/frame  (%.1f frames/s)\n", ms(mr), 1e3/ms(mr))
	fmt.Printf("whole pipeline:   median %8.2f ms/frame  (%.1f frames/s)\n", ms(mp), 1e3/ms(mp))
	fmt.Printf("  letterbox:      median %8.3f ms;  decode+NMS+track+map+rule: median %.3f ms\n", ms(median(pre)), ms(median(post)))
	rc, pc := median(rawCPU), median(pipeCPU)
	fmt.Printf("thread CPU time:  raw median %.2f ms, pipeline median %.2f ms, ratio %.3f (overhead %+.1f%%)\n",
		ms(rc), ms(pc), float64(pc)/float64(rc), 100*(float64(pc)/float64(rc)-1))
	fmt.Printf("pipeline / raw:   %.3f  (overhead %+.1f%% of model time; pre+post medians %.1f%%)\n",
		float64(mp)/float64(mr), 100*(float64(mp)/float64(mr)-1), 100*float64(median(pre)+median(post))/float64(mr))

	// Zone lookups.
	pts := make([][2]float64, 1<<16)
	for i := range pts {
		pts[i] = [2]float64{rng.Float64()*44 - 2, rng.Float64()*34 - 2}
	}
	ix := zp.Load()
	hits := 0
	start, cstart := time.Now(), cpu()
	for i := 0; i < *points; i++ {
		p := pts[i&(len(pts)-1)]
		if ix.Lookup(p[0], p[1]) != nil {
			hits++
		}
	}
	el, cel := time.Since(start), cpu()-cstart
	fmt.Printf("zone lookup:      %.1f million points/s of thread CPU time (%.1f million/s wall) over %d zones (%d%% inside a zone)\n",
		float64(*points)/cel.Seconds()/1e6, float64(*points)/el.Seconds()/1e6, len(zones), 100*hits / *points)
}

type discard struct{}

func (discard) Event(ss.EventInput) error                { return nil }
func (discard) Footfall(vision.FootfallKey, int64) error { return nil }
func (discard) Presence(vision.Presence) error           { return nil }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpu is the calling thread's CPU time.
func cpu() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
