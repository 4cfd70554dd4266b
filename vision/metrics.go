package vision

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics is the vision process's status on its local /metrics.
type Metrics struct {
	frames       *prometheus.CounterVec
	fps          *prometheus.GaugeVec
	inference    prometheus.Histogram
	depth        *prometheus.GaugeVec
	lastDelivery prometheus.Gauge
	deliveredN   *prometheus.CounterVec
	events       *prometheus.CounterVec
	presences    *prometheus.CounterVec
	outside      prometheus.Counter
	rejected     prometheus.Counter
	reconnects   *prometheus.CounterVec

	mu   sync.Mutex
	rate map[string]*fpsWindow
}

type fpsWindow struct {
	start time.Time
	n     int
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shrinkscope_vision_frames_total",
			Help: "Frames processed, per camera."}, []string{"camera"}),
		fps: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "shrinkscope_vision_frames_per_second",
			Help: "Frames processed per second over the last few seconds, per camera."}, []string{"camera"}),
		inference: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "shrinkscope_vision_inference_seconds",
			Help: "Time of one model run.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "shrinkscope_vision_spool_depth",
			Help: "Items waiting in the spool, per kind."}, []string{"kind"}),
		lastDelivery: prometheus.NewGauge(prometheus.GaugeOpts{Name: "shrinkscope_vision_last_delivery_timestamp_seconds",
			Help: "Unix time of the last batch the server acknowledged."}),
		deliveredN: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shrinkscope_vision_delivered_total",
			Help: "Items the server acknowledged, by kind and whether it stored them or had them already."}, []string{"kind", "result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shrinkscope_vision_events_total",
			Help: "Concealment events made, per camera and method."}, []string{"camera", "method"}),
		presences: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shrinkscope_vision_presences_total",
			Help: "Lane presences spooled, by kind: enter (a track with an event stands in a lane), leave, exit (it left through an entrance)."}, []string{"kind"}),
		outside: prometheus.NewCounter(prometheus.CounterOpts{Name: "shrinkscope_vision_events_outside_zones_total",
			Help: "Rule firings dropped because the person stood in no zone."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "shrinkscope_vision_rejected_total",
			Help: "Spooled items the server refused as invalid, set aside in rejected/."}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shrinkscope_vision_source_reconnects_total",
			Help: "Times a camera's stream dropped and was opened again."}, []string{"camera"}),
		rate: map[string]*fpsWindow{},
	}
	reg.MustRegister(m.frames, m.fps, m.inference, m.depth, m.lastDelivery, m.deliveredN, m.events, m.presences, m.outside, m.rejected, m.reconnects)
	return m
}

// frame records one processed frame of camera at now.
func (m *Metrics) frame(camera string, now time.Time, inference time.Duration) {
	m.frames.WithLabelValues(camera).Inc()
	m.inference.Observe(inference.Seconds())
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.rate[camera]
	if w == nil {
		w = &fpsWindow{start: now}
		m.rate[camera] = w
	}
	w.n++
	if d := now.Sub(w.start); d >= 5*time.Second {
		m.fps.WithLabelValues(camera).Set(float64(w.n) / d.Seconds())
		w.start, w.n = now, 0
	}
}

func (m *Metrics) delivered(kind string, accepted, duplicates int) {
	m.deliveredN.WithLabelValues(kind, "accepted").Add(float64(accepted))
	m.deliveredN.WithLabelValues(kind, "duplicate").Add(float64(duplicates))
	m.lastDelivery.SetToCurrentTime()
}

func (m *Metrics) setDepth(s *Spool) {
	for _, k := range kinds {
		m.depth.WithLabelValues(k.key).Set(float64(s.Depth(k.dir)))
	}
}
