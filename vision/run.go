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
	zones    StoreZones
	sender   *Sender
	loc      *time.Location
	footfall *Footfall
	floor    *FloorTracker // the store's floor tracks, across cameras
	lanes    *Lanes        // lane presences of floor tracks with an event
	dry      bool
	mu       sync.Mutex           // one frame at a time through the detector, cameras and counter
	dirty    map[FootfallKey]bool // zone-hours counted since they were last spooled
	checked  time.Time            // the hour flushFootfall last looked for closed hours in
	dryN     int                  // events a dry run logged
	dryP     int                  // presences a dry run logged
}

// NewRunner opens the spool and prepares delivery; nothing is read from the
// cameras or the server yet. Footfall totals a stopped process had counted
// are spooled again at once (a total replaces the hour's, so a resend is
// harmless).
func NewRunner(cfg *Config, log *slog.Logger) (*Runner, error) {
	sp, err := OpenSpool(cfg.Spool)
	if err != nil {
		return nil, err
	}
	r := newRunner(cfg, log, sp)
	if err := sp.LoadCounts(r.footfall); err != nil {
		return nil, err
	}
	for k := range r.footfall.Counts() {
		r.dirty[k] = true
	}
	if err := r.flushFootfall(time.Now(), true); err != nil {
		return nil, err
	}
	return r, nil
}

// NewDryRunner prepares a dry run (--dry-run): the whole pipeline runs and
// its events and footfall are logged, but nothing is spooled or sent, so
// test footage never reaches the store's figures. It reads the zones from
// the server (a GET), or from the spool's copy with the server away.
func NewDryRunner(cfg *Config, log *slog.Logger) *Runner {
	r := newRunner(cfg, log, &Spool{dir: cfg.Spool})
	r.dry, r.zones.Dry = true, true
	return r
}

func newRunner(cfg *Config, log *slog.Logger, sp *Spool) *Runner {
	loc, _ := time.LoadLocation(cfg.Timezone)
	r := &Runner{cfg: cfg, log: log, spool: sp, reg: prometheus.NewRegistry(), loc: loc, dirty: map[FootfallKey]bool{}}
	r.metrics = NewMetrics(r.reg)
	r.client = &Client{URL: cfg.Server.URL, Token: cfg.Server.Token, HTTP: &http.Client{Timeout: cfg.Delivery.Timeout}}
	r.sender = &Sender{Spool: sp, Client: r.client, Batch: cfg.Delivery.Batch, Interval: cfg.Delivery.Interval,
		RetryMin: cfg.Delivery.RetryMin, RetryMax: cfg.Delivery.RetryMax, Wait: cfg.Delivery.OnRefusal == "wait",
		Log: log, Metrics: r.metrics, Wake: make(chan struct{}, 1)}
	r.footfall = NewFootfall(loc)
	r.floor = NewFloorTracker(FloorConfig{Gate: cfg.Floor.Gate, Handover: cfg.Floor.Handover, Location: loc})
	r.lanes = NewLanes(cfg.Store, cfg.Floor.LeaveAfter)
	r.zones = StoreZones{Store: cfg.Store, Client: r.client, Spool: sp, Wait: r.sender.Wait,
		RetryMin: cfg.Delivery.RetryMin, RetryMax: cfg.Delivery.RetryMax, Log: log, Who: "vision"}
	return r
}

// Drain delivers the spool without reading any camera and returns once it
// is empty (or ctx ends): for an edge box about to be switched off. A
// permanent refusal ends it with the error unless delivery.on_refusal is
// wait.
func (r *Runner) Drain(ctx context.Context) error { return r.sender.Drain(ctx) }

// Run reads every camera until ctx ends. When every source has ended (files
// and folders without loop), it delivers what is left and returns. A
// permanent refusal by the server stops the cameras and returns the
// *RefusedError (the spool keeps everything), unless delivery.on_refusal is
// wait.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.zones.Load(ctx); err != nil {
		return err
	}
	det, err := NewDetector(r.cfg.Model.Path, len(r.cfg.Model.Classes), RuntimeOptions{
		IntraOpThreads: r.cfg.Runtime.IntraOpThreads, InterOpThreads: r.cfg.Runtime.InterOpThreads, CUDA: r.cfg.Runtime.CUDA})
	if err != nil {
		return err
	}
	defer det.Close()
	if r.dry {
		r.log.Info("dry run: events and footfall are logged, nothing is spooled or sent")
		return r.runDry(ctx, det)
	}
	stopMetrics, err := r.serveMetrics()
	if err != nil {
		return err
	}
	defer stopMetrics()

	cctx, stopCameras := context.WithCancelCause(ctx)
	defer stopCameras(nil)
	sctx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		if err := r.sender.Run(sctx); err != nil {
			stopCameras(err)
		}
	}()
	go r.zones.Refresh(sctx, r.cfg.ZonesRefresh)

	g, gctx := errgroup.WithContext(cctx)
	for i := range r.cfg.Cameras {
		cam := &r.cfg.Cameras[i]
		g.Go(func() error { return r.runCamera(gctx, cam, det) })
	}
	err = g.Wait()
	r.mu.Lock()
	ferr := errors.Join(r.closeFloor(), r.flushFootfall(time.Now(), true))
	r.mu.Unlock()
	r.wake()
	stopSender()
	<-senderDone
	var re *RefusedError
	if cause := context.Cause(cctx); errors.As(cause, &re) {
		r.log.Error("delivery stopped; the cameras are stopped too (delivery.on_refusal: wait keeps them running)", "err", cause.Error())
		return cause
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if ferr != nil {
		return ferr
	}
	if ctx.Err() != nil {
		return nil
	}
	r.log.Info("every source ended; delivering what is left")
	return r.Drain(ctx)
}

// runDry runs the cameras without a sender and logs what would be sent.
func (r *Runner) runDry(ctx context.Context, det *Detector) error {
	g, gctx := errgroup.WithContext(ctx)
	for i := range r.cfg.Cameras {
		cam := &r.cfg.Cameras[i]
		g.Go(func() error { return r.runCamera(gctx, cam, det) })
	}
	err := g.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.closeFloor()
	_ = r.flushFootfall(time.Now(), true)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	var visitors int64
	for _, n := range r.footfall.Counts() {
		visitors += n
	}
	r.log.Info("dry run ended; nothing was sent", "events", r.dryN, "footfall_rows", len(r.footfall.Counts()), "visitors", visitors, "presences", r.dryP)
	return nil
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
		ID: cc.ID, Store: r.cfg.Store, Entrance: cc.Entrance, H: cc.Homography, Zones: &r.zones.Index,
		Rule:    RuleConfig{Threshold: r.cfg.Thresholds.Conceal, K: r.cfg.Rule.K, N: r.cfg.Rule.N, Cooldown: r.cfg.Rule.Cooldown},
		Methods: methods, Tracker: NewTracker(TrackerConfig{IoU: r.cfg.Thresholds.Match}),
		Footfall: r.footfall, Sink: r, Outside: r.metrics.outside.Inc, Floor: r.floor, Lanes: r.lanes,
	}
	var lb *Letterbox
	var dets []Detection
	src := NewSource(cc.Source, r.log.With("camera", cc.ID), func() { r.metrics.reconnects.WithLabelValues(cc.ID).Inc() })
	r.log.Info("camera started", "camera", cc.ID, "source", cc.Source.Kind, "reprojection_m", cc.Reprojection)
	err := src.Run(ctx, func(f *Frame) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if lb == nil || lb.W != f.W || lb.H != f.H {
			if err := cc.CheckFrame(f.W, f.H); err != nil {
				return err
			}
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
		now := time.Now()
		if err := cam.Step(People(dets, person, len(classes)), now); err != nil {
			return err
		}
		return r.flushFootfall(now, false)
	})
	r.log.Info("camera ended", "camera", cc.ID, "err", err)
	return err
}

// Event spools an event (the Sink of every camera); a dry run logs it.
func (r *Runner) Event(ev ss.EventInput) error {
	if r.dry {
		r.dryN++
		r.log.Info("dry run: concealment event (not sent)", "camera", ev.Camera, "zone", ev.Zone, "track", ev.Track, "method", ev.Method, "score", *ev.Score, "occurred_at", ev.OccurredAt)
		return nil
	}
	if err := r.spool.AddEvent(&ev); err != nil {
		return err
	}
	r.metrics.events.WithLabelValues(ev.Camera, string(ev.Method)).Inc()
	r.log.Info("concealment event", "id", ev.ID, "camera", ev.Camera, "zone", ev.Zone, "track", ev.Track, "method", ev.Method, "score", *ev.Score)
	r.wake()
	return nil
}

// Presence spools a lane presence (the Sink of every camera); a dry run
// logs it.
func (r *Runner) Presence(p Presence) error {
	if r.dry {
		r.dryP++
		r.log.Info("dry run: lane presence (not sent)", "kind", p.Kind(), "lane", p.Lane, "zone", p.Zone, "track", p.Track, "at", p.At, "left_at", p.LeftAt)
		return nil
	}
	if err := r.spool.AddPresence(p); err != nil {
		return err
	}
	r.metrics.presences.WithLabelValues(p.Kind()).Inc()
	r.log.Info("lane presence", "kind", p.Kind(), "lane", p.Lane, "zone", p.Zone, "track", p.Track, "at", p.At, "left_at", p.LeftAt)
	r.wake()
	return nil
}

// closeFloor ends every floor track once the cameras have stopped, so a
// track standing at a lane gets its left_at and one last seen in an
// entrance its exit. The caller holds r.mu or is alone.
func (r *Runner) closeFloor() error {
	for _, e := range r.floor.Close() {
		for _, p := range r.lanes.Ended(e) {
			if err := r.Presence(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// Footfall notes a zone-hour's new total (the Sink of every camera) and
// keeps the counter's state; totals are spooled by flushFootfall, an hour's
// at once when it has closed.
func (r *Runner) Footfall(k FootfallKey, total int64) error {
	r.dirty[k] = true
	if r.dry {
		return nil
	}
	return r.spool.SaveCounts(r.footfall)
}

// flushFootfall spools the totals of every zone-hour counted since its last
// flush whose hour has closed by now — or all of them, closed or not, with
// all (at the end of a run: a later, larger total replaces the hour's) — and
// wakes the sender once, so an hour's footfall goes out together in a batch
// instead of one request per visitor. The caller holds r.mu or is alone.
func (r *Runner) flushFootfall(now time.Time, all bool) error {
	if len(r.dirty) == 0 {
		return nil
	}
	current := r.footfall.HourOf(now)
	if !all && current.Equal(r.checked) {
		return nil // an hour closes only when the hour changes: nothing new to look at
	}
	r.checked = current
	var totals []ss.FootfallInput
	var flushed []FootfallKey
	for _, k := range r.footfall.Keys() {
		if !r.dirty[k] || (!all && !k.Hour.Before(current)) {
			continue
		}
		total := r.footfall.Counts()[k]
		if r.dry {
			r.log.Info("dry run: footfall (not sent)", "zone", k.Zone, "hour", k.Hour.Format(time.RFC3339), "visitors", total)
		} else {
			totals = append(totals, ss.FootfallInput{Store: r.cfg.Store, Zone: k.Zone, Hour: k.Hour.Format(time.RFC3339), Visitors: &total})
		}
		flushed = append(flushed, k)
	}
	if !r.dry && len(totals) > 0 {
		// One call: the sender, running beside the cameras, sees the whole
		// flush or none of it, never a part sent ahead of the rest.
		if err := r.spool.SetFootfall(totals...); err != nil {
			return err
		}
	}
	for _, k := range flushed {
		delete(r.dirty, k)
	}
	if len(flushed) == 0 || r.dry {
		return nil
	}
	r.footfall.Forget(current.Add(-48 * time.Hour))
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
