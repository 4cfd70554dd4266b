package vision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	ss "github.com/shrinkscope/shrinkscope"
)

// Runner is a configured vision process.
type Runner struct {
	cfg      *Config
	log      *slog.Logger
	spool    *Spool
	client   *Client
	metrics  *Metrics
	reg      *prometheus.Registry
	zones    atomic.Pointer[ZoneIndex]
	sender   *Sender
	loc      *time.Location
	footfall *Footfall
	mu       sync.Mutex // one frame at a time through the detector, cameras and counter
}

// NewRunner opens the spool and prepares delivery; nothing is read from the
// cameras or the server yet.
func NewRunner(cfg *Config, log *slog.Logger) (*Runner, error) {
	sp, err := OpenSpool(cfg.Spool)
	if err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(cfg.Timezone)
	r := &Runner{cfg: cfg, log: log, spool: sp, reg: prometheus.NewRegistry(), loc: loc}
	r.metrics = NewMetrics(r.reg)
	r.client = &Client{URL: cfg.Server.URL, Token: cfg.Server.Token, HTTP: &http.Client{Timeout: cfg.Delivery.Timeout}}
	r.sender = &Sender{Spool: sp, Client: r.client, Batch: cfg.Delivery.Batch, Interval: cfg.Delivery.Interval,
		RetryMin: cfg.Delivery.RetryMin, RetryMax: cfg.Delivery.RetryMax, Log: log, Metrics: r.metrics, Wake: make(chan struct{}, 1)}
	r.footfall = NewFootfall(loc)
	if err := sp.LoadCounts(r.footfall); err != nil {
		return nil, err
	}
	return r, nil
}

// Drain delivers the spool without reading any camera and returns once it
// is empty (or ctx ends): for an edge box about to be switched off.
func (r *Runner) Drain(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		more, err := r.sender.Round(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			backoff = min(max(2*backoff, r.cfg.Delivery.RetryMin), r.cfg.Delivery.RetryMax)
			r.log.Warn("delivery failed; will retry", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if !more && r.spool.Depth(spoolEvents) == 0 && r.spool.Depth(spoolFootfall) == 0 {
			r.log.Info("spool drained")
			return nil
		}
	}
}

// Run reads every camera until ctx ends. When every source has ended (files
// and folders without loop), it delivers what is left and returns.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.loadZones(ctx); err != nil {
		return err
	}
	det, err := NewDetector(r.cfg.Model.Path, len(r.cfg.Model.Classes), RuntimeOptions{
		IntraOpThreads: r.cfg.Runtime.IntraOpThreads, InterOpThreads: r.cfg.Runtime.InterOpThreads, CUDA: r.cfg.Runtime.CUDA})
	if err != nil {
		return err
	}
	defer det.Close()
	stopMetrics, err := r.serveMetrics()
	if err != nil {
		return err
	}
	defer stopMetrics()

	sctx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	senderDone := make(chan struct{})
	go func() { defer close(senderDone); r.sender.Run(sctx) }()
	go r.refreshZones(sctx)

	g, gctx := errgroup.WithContext(ctx)
	for i := range r.cfg.Cameras {
		cam := &r.cfg.Cameras[i]
		g.Go(func() error { return r.runCamera(gctx, cam, det) })
	}
	err = g.Wait()
	stopSender()
	<-senderDone
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	r.log.Info("every source ended; delivering what is left")
	return r.Drain(ctx)
}

func (r *Runner) serveMetrics() (func(), error) {
	if r.cfg.MetricsAddr == "off" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", r.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("vision: metrics_addr %s: %w", r.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	r.log.Info("metrics", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// loadZones fetches the store's zones, keeping a copy in the spool; with the
// server away it starts from that copy, and without one it waits for the
// server.
func (r *Runner) loadZones(ctx context.Context) error {
	backoff := r.cfg.Delivery.RetryMin
	for {
		err := r.fetchZones(ctx)
		if err == nil {
			return nil
		}
		if ss.ErrorCode(err) == ss.EINVALID {
			return err
		}
		if data, cerr := r.spool.LoadZones(); cerr == nil {
			if zs, perr := ParseZones(data); perr == nil {
				r.zones.Store(NewZoneIndex(zs))
				r.log.Warn("zones from the spool's copy; the server is away", "err", err, "zones", len(zs))
				return nil
			}
		}
		r.log.Warn("waiting for the server's zones", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, r.cfg.Delivery.RetryMax)
	}
}

func (r *Runner) fetchZones(ctx context.Context) error {
	data, err := r.client.Zones(ctx, r.cfg.Store)
	if err != nil {
		return err
	}
	zs, err := ParseZones(data)
	if err != nil {
		return fmt.Errorf("vision: zones of store %s from the server: %w", r.cfg.Store, err)
	}
	r.zones.Store(NewZoneIndex(zs))
	if err := r.spool.SaveZones(data); err != nil {
		return err
	}
	r.log.Info("zones", "store", r.cfg.Store, "zones", len(zs))
	return nil
}

// refreshZones keeps mapping on the layout version in force.
func (r *Runner) refreshZones(ctx context.Context) {
	t := time.NewTicker(r.cfg.ZonesRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.fetchZones(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("zones refresh failed; keeping the zones in use", "err", err)
			}
		}
	}
}

func (r *Runner) runCamera(ctx context.Context, cc *CameraConfig, det *Detector) error {
	classes := r.cfg.Model.Classes
	person := slices.Index(classes, r.cfg.Model.Person)
	methods := map[int]ss.Method{}
	thresholds := make([]float64, len(classes))
	for i, name := range classes {
		thresholds[i] = r.cfg.Thresholds.Conceal
		if m, ok := r.cfg.Model.Methods[name]; ok {
			methods[i] = ss.Method(m)
		}
	}
	thresholds[person] = r.cfg.Thresholds.Person
	cam := &Camera{
		ID: cc.ID, Store: r.cfg.Store, Entrance: cc.Entrance, H: cc.Homography, Zones: &r.zones,
		Rule:    RuleConfig{Threshold: r.cfg.Thresholds.Conceal, K: r.cfg.Rule.K, N: r.cfg.Rule.N, Cooldown: r.cfg.Rule.Cooldown},
		Methods: methods, Tracker: NewTracker(TrackerConfig{IoU: r.cfg.Thresholds.Match}),
		Footfall: r.footfall, Sink: r, Outside: r.metrics.outside.Inc,
	}
	var lb *Letterbox
	var dets []Detection
	src := NewSource(cc.Source, r.log.With("camera", cc.ID), func() { r.metrics.reconnects.WithLabelValues(cc.ID).Inc() })
	r.log.Info("camera started", "camera", cc.ID, "source", cc.Source.Kind, "reprojection_m", cc.Reprojection)
	err := src.Run(ctx, func(f *Frame) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if lb == nil || lb.W != f.W || lb.H != f.H {
			lb = NewLetterbox(f.W, f.H, det.Size)
		}
		lb.Fill(det.Input())
		lb.Apply(f, det.Input())
		start := time.Now()
		if err := det.Run(); err != nil {
			return fmt.Errorf("vision: camera %s: run model: %w", cc.ID, err)
		}
		r.metrics.frame(cc.ID, time.Now(), time.Since(start))
		dets = Decode(det.Output(), det.Candidates, det.Classes, thresholds, r.cfg.Thresholds.NMSIoU, lb, dets)
		return cam.Step(People(dets, person, len(classes)), time.Now())
	})
	r.log.Info("camera ended", "camera", cc.ID, "err", err)
	return err
}

// Event spools an event (the Sink of every camera).
func (r *Runner) Event(ev ss.EventInput) error {
	if err := r.spool.AddEvent(&ev); err != nil {
		return err
	}
	r.metrics.events.WithLabelValues(ev.Camera, string(ev.Method)).Inc()
	r.log.Info("concealment event", "id", ev.ID, "camera", ev.Camera, "zone", ev.Zone, "track", ev.Track, "method", ev.Method, "score", *ev.Score)
	r.wake()
	return nil
}

// Footfall spools a zone-hour's total and keeps the counter's state.
func (r *Runner) Footfall(k FootfallKey, total int64) error {
	n := total
	if err := r.spool.SetFootfall(ss.FootfallInput{Store: r.cfg.Store, Zone: k.Zone, Hour: k.Hour.Format(time.RFC3339), Visitors: &n}); err != nil {
		return err
	}
	r.footfall.Forget(k.Hour.Add(-48 * time.Hour))
	if err := r.spool.SaveCounts(r.footfall); err != nil {
		return err
	}
	r.wake()
	return nil
}

func (r *Runner) wake() {
	select {
	case r.sender.Wake <- struct{}{}:
	default:
	}
}
