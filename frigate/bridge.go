package frigate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/vision"
)

// seenDir holds one empty file per object already turned into an event or
// counted, so a message replayed or updated after a restart is still a
// duplicate; files older than seenKeep are removed at start.
const (
	seenDir  = "frigate-seen"
	seenKeep = 7 * 24 * time.Hour
)

// Bridge is a configured `shrinkscope frigate` process.
type Bridge struct {
	cfg      *Config
	log      *slog.Logger
	spool    *vision.Spool
	client   *vision.Client
	sender   *vision.Sender
	mapper   *Mapper
	zones    vision.StoreZones
	loc      *time.Location
	mu       sync.Mutex // one message at a time through the mapper, counter and spool
	footfall *vision.Footfall
	dirty    map[vision.FootfallKey]bool
	checked  time.Time // the hour flushFootfall last looked for closed hours in
	now      func() time.Time
}

// countHorizon is how far back a visitor can still be counted: the counter
// keeps each hour's total for 48 hours (then forgets it), and a visitor of
// an hour forgotten would send a smaller total over the server's.
const countHorizon = 47 * time.Hour

// New opens the spool and prepares delivery; nothing is read yet. Footfall
// totals a stopped process had counted are spooled again at once.
func New(cfg *Config, log *slog.Logger) (*Bridge, error) {
	sp, err := vision.OpenSpool(cfg.Spool)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.Spool, seenDir), 0o755); err != nil {
		return nil, fmt.Errorf("frigate: spool: %w", err)
	}
	pruneSeen(filepath.Join(cfg.Spool, seenDir), time.Now().Add(-seenKeep))
	loc, _ := time.LoadLocation(cfg.Timezone)
	b := &Bridge{cfg: cfg, log: log, spool: sp, mapper: NewMapper(cfg), loc: loc,
		footfall: vision.NewFootfall(loc), dirty: map[vision.FootfallKey]bool{}, now: time.Now}
	b.client = &vision.Client{URL: cfg.Server.URL, Token: cfg.Server.Token, HTTP: &http.Client{Timeout: cfg.Delivery.Timeout}}
	b.sender = &vision.Sender{Spool: sp, Client: b.client, Batch: cfg.Delivery.Batch, Interval: cfg.Delivery.Interval,
		RetryMin: cfg.Delivery.RetryMin, RetryMax: cfg.Delivery.RetryMax, Wait: cfg.Delivery.OnRefusal == "wait",
		Log: log, Metrics: vision.NewMetrics(prometheus.NewRegistry()), Wake: make(chan struct{}, 1)}
	b.zones = vision.StoreZones{Store: cfg.Store, Client: b.client, Spool: sp, Wait: b.sender.Wait,
		RetryMin: cfg.Delivery.RetryMin, RetryMax: cfg.Delivery.RetryMax, Log: log, Who: "frigate"}
	if err := sp.LoadCounts(b.footfall); err != nil {
		return nil, err
	}
	for k := range b.footfall.Counts() {
		b.dirty[k] = true
	}
	if err := b.flushFootfall(time.Now(), true); err != nil {
		return nil, err
	}
	return b, nil
}

func pruneSeen(dir string, before time.Time) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Drain delivers the spool and returns once it is empty.
func (b *Bridge) Drain(ctx context.Context) error { return b.sender.Drain(ctx) }

// Run subscribes to Frigate's events until ctx ends, reconnecting to the
// broker whenever it drops; the spool's sender runs beside it. A permanent
// refusal by the server ends it with the *vision.RefusedError (the spool
// keeps everything) unless delivery.on_refusal is wait.
func (b *Bridge) Run(ctx context.Context) error {
	if b.cfg.Calibrated() {
		if err := b.zones.Load(ctx); err != nil {
			return err
		}
	}
	rctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		if err := b.sender.Run(rctx); err != nil {
			stop(err)
		}
	}()
	if b.cfg.Calibrated() {
		go b.zones.Refresh(rctx, b.cfg.ZonesRefresh)
	}

	topic := b.cfg.MQTT.Topic + "/events"
	opts := mqtt.NewClientOptions().AddBroker(b.cfg.MQTT.Broker).SetClientID(b.cfg.MQTT.ClientID).
		SetUsername(b.cfg.MQTT.Username).SetPassword(b.cfg.MQTT.Password).
		SetCleanSession(false). // the broker keeps QoS 1 messages while we are away
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(10 * time.Second).SetOrderMatters(true).SetKeepAlive(10 * time.Second)
	opts.SetOnConnectHandler(func(c mqtt.Client) {
		// Subscribing again on every connection covers a broker that lost
		// the session (restarted without persistence).
		tok := c.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) { b.handle(m.Payload()) })
		go func() {
			tok.Wait()
			if err := tok.Error(); err != nil {
				b.log.Error("mqtt subscribe", "topic", topic, "err", err)
				return
			}
			b.log.Info("mqtt subscribed", "broker", b.cfg.MQTT.Broker, "topic", topic)
		}()
	})
	opts.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		b.log.Warn("mqtt connection lost; reconnecting", "broker", b.cfg.MQTT.Broker, "err", err)
	})
	opts.SetReconnectingHandler(func(mqtt.Client, *mqtt.ClientOptions) {
		b.log.Debug("mqtt reconnecting", "broker", b.cfg.MQTT.Broker)
	})
	client := mqtt.NewClient(opts)
	connecting := client.Connect() // with ConnectRetry it keeps trying in the background
	go func() {
		for !connecting.WaitTimeout(15 * time.Second) {
			if rctx.Err() != nil {
				return
			}
			b.log.Warn("mqtt broker not reached yet; still trying", "broker", b.cfg.MQTT.Broker)
		}
		if err := connecting.Error(); err != nil {
			b.log.Error("mqtt connect", "broker", b.cfg.MQTT.Broker, "err", err)
		}
	}()
	b.log.Info("frigate bridge started", "broker", b.cfg.MQTT.Broker, "store", b.cfg.Store, "cameras", len(b.cfg.Cameras))

	tick := time.NewTicker(time.Minute) // an hour closes with no message too
	defer tick.Stop()
loop:
	for {
		select {
		case <-rctx.Done():
			break loop
		case now := <-tick.C:
			b.mu.Lock()
			if err := b.flushFootfall(now, false); err != nil {
				b.log.Error("spool footfall", "err", err)
			}
			b.mu.Unlock()
		}
	}
	client.Disconnect(250)
	b.mu.Lock()
	ferr := b.flushFootfall(time.Now(), true)
	b.mu.Unlock()
	stop(nil)
	<-senderDone
	var re *vision.RefusedError
	if cause := context.Cause(rctx); errors.As(cause, &re) {
		b.log.Error("delivery stopped; the bridge stops too (delivery.on_refusal: wait keeps it running)", "err", cause.Error())
		return cause
	}
	return ferr
}

// handle decides one MQTT message and spools what it makes. It returns
// once that is on disk, so paho acknowledges a QoS 1 message only then.
func (b *Bridge) handle(payload []byte) {
	var msg Message
	if err := json.Unmarshal(payload, &msg); err != nil {
		b.log.Warn("not a Frigate event message; ignored", "err", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.mapper.Map(&msg, b.zones.Index.Load())
	if d.Drop != "" {
		b.log.Debug("frigate object not used", "type", msg.Type, "id", objectID(&msg), "why", d.Drop)
		return
	}
	marker := filepath.Join(b.cfg.Spool, seenDir, d.Key)
	if _, err := os.Stat(marker); err == nil {
		b.log.Debug("frigate object already used", "type", msg.Type, "id", objectID(&msg))
		return
	}
	switch {
	case d.Event != nil:
		if err := b.spool.AddEvent(d.Event); err != nil {
			b.log.Error("spool event", "err", err)
			return
		}
		b.log.Info("concealment event", "id", d.Event.ID, "frigate_id", objectID(&msg), "camera", d.Event.Camera,
			"zone", d.Event.Zone, "method", d.Event.Method, "score", *d.Event.Score)
		select {
		case b.sender.Wake <- struct{}{}:
		default:
		}
	case d.Visitor:
		if d.At.Before(b.now().Add(-countHorizon)) {
			b.log.Warn("visitor too old to count: its hour's total was sent and forgotten", "frigate_id", objectID(&msg), "at", d.At)
			return
		}
		k, _ := b.footfall.Add("", d.At)
		b.dirty[k] = true
		if k.Hour.Before(b.footfall.HourOf(b.now())) {
			b.checked = time.Time{} // a late message of a closed hour: send it at once
		}
		if err := b.spool.SaveCounts(b.footfall); err != nil {
			b.log.Error("spool footfall counts", "err", err)
			return
		}
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		b.log.Error("remember frigate object", "err", err)
	}
	if err := b.flushFootfall(b.now(), false); err != nil {
		b.log.Error("spool footfall", "err", err)
	}
}

func objectID(m *Message) string {
	if m.After != nil {
		return m.After.ID
	}
	return ""
}

// flushFootfall spools the totals of the hours counted since their last
// flush that have closed by now, or all of them with all, as vision's
// runner does: an hour's footfall goes out in one batch.
func (b *Bridge) flushFootfall(now time.Time, all bool) error {
	current := b.footfall.HourOf(now)
	if !all && current.Equal(b.checked) {
		return nil // an hour closes only when the hour changes: nothing new to look at
	}
	b.checked = current
	var totals []ss.FootfallInput
	var flushed []vision.FootfallKey
	for _, k := range b.footfall.Keys() {
		if !b.dirty[k] || (!all && !k.Hour.Before(current)) {
			continue
		}
		total := b.footfall.Counts()[k]
		totals = append(totals, ss.FootfallInput{Store: b.cfg.Store, Zone: k.Zone, Hour: k.Hour.Format(time.RFC3339), Visitors: &total})
		flushed = append(flushed, k)
	}
	if len(totals) == 0 {
		return nil
	}
	if err := b.spool.SetFootfall(totals...); err != nil { // the sender sees all of them or none
		return err
	}
	for _, k := range flushed {
		delete(b.dirty, k)
	}
	b.footfall.Forget(current.Add(-48 * time.Hour))
	if err := b.spool.SaveCounts(b.footfall); err != nil {
		return err
	}
	select {
	case b.sender.Wake <- struct{}{}:
	default:
	}
	return nil
}
