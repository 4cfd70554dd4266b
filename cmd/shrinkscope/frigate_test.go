package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// mqttURL is the broker `make test` names in TEST_MQTT_URL
// (scripts/ensure-mosquitto), else the machine's on 127.0.0.1:1883, or skips.
func mqttURL(t *testing.T) string {
	u := os.Getenv("TEST_MQTT_URL")
	if u == "" {
		u = "tcp://127.0.0.1:1883"
	}
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", p.Host, time.Second)
	if err != nil {
		t.Skipf("no MQTT broker at %s: run `make test` or scripts/ensure-mosquitto", u)
	}
	c.Close()
	return u
}

// publish sends messages to topic at QoS 1, in order.
func publish(t *testing.T, broker, topic string, msgs ...string) {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID(fmt.Sprintf("test-pub-%d", rand.Int64())))
	if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() != nil || !c.IsConnected() {
		t.Fatalf("connect to %s: %v", broker, tok.Error())
	}
	defer c.Disconnect(100)
	for _, m := range msgs {
		if tok := c.Publish(topic, 1, false, m); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
}

// fmsg is a message in Frigate's documented frigate/events shape; fields
// adds or replaces keys of "after".
func fmsg(typ, id, camera, label string, start float64, fields map[string]any) string {
	after := map[string]any{
		"id": id, "camera": camera, "frame_time": start + 1, "snapshot_time": 0.0, "label": label, "sub_label": nil,
		"top_score": 0.8, "false_positive": false, "start_time": start, "end_time": nil, "score": 0.8,
		"box": []int{10, 10, 20, 20}, "area": 100, "ratio": 1.0, "region": []int{0, 0, 320, 320}, "stationary": false,
		"motionless_count": 0, "position_changes": 1, "current_zones": []string{}, "entered_zones": []string{},
		"has_clip": false, "has_snapshot": false,
	}
	for k, v := range fields {
		after[k] = v
	}
	if typ == "end" {
		after["end_time"] = start + 30
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "before": after, "after": after})
	return string(b)
}

type frigateSetup struct {
	*visionSetup
	topic, cfg string
}

// newFrigateSetup is a served store S1 (zones A and B of the scene) and a
// bridge config for broker on a topic of its own, with camera "aisle"
// mapping Frigate zones and camera "overhead" calibrated as the scene's.
func newFrigateSetup(t *testing.T, broker string) *frigateSetup {
	v := newServedStore(t, "")
	f := &frigateSetup{visionSetup: v, topic: fmt.Sprintf("frigate-test-%d", rand.Int64())}
	var calib strings.Builder
	for _, p := range scene.Calibration() {
		fmt.Fprintf(&calib, "      - {image: [%g, %g], floor: [%.12g, %.12g]}\n", p[0][0], p[0][1], p[1][0], p[1][1])
	}
	cfg := fmt.Sprintf(`server: {url: "http://%s", token: "$FRIGATE_TOKEN"}
store: S1
spool: %s
mqtt: {broker: %q, topic: %s, client_id: %s}
methods: {pocket: pocket, bag: bag}
delivery: {batch: 200, interval: 20ms, retry_min: 20ms, retry_max: 200ms, timeout: 2s}
cameras:
  - name: aisle
    id: cam-aisle
    zones: {aisle_a: A, aisle_b: B}
    entrance_zones: [door]
  - name: overhead
    width: 128
    height: 96
    calibration:
%s`, v.srv.addr, filepath.Join(v.dir, "spool"), broker, f.topic, f.topic, calib.String())
	f.cfg = filepath.Join(v.dir, "frigate.yaml")
	if err := os.WriteFile(f.cfg, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// start runs the bridge until the returned stop is called, and waits for
// its subscription.
func (f *frigateSetup) start(t *testing.T, logs *syncBuffer, args ...string) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"frigate", "--config", f.cfg}, args...),
			envOf(map[string]string{"FRIGATE_TOKEN": f.ingest}), strings.NewReader(""), logs, logs)
	}()
	waitFor(t, logs, "mqtt subscribed", 1)
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatalf("the bridge did not stop:\n%s", logs.String())
			return nil
		}
	}
}

// waitFor waits until logs hold want n times.
func waitFor(t *testing.T, logs *syncBuffer, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(logs.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d× %q in the logs:\n%s", n, want, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *frigateSetup) waitEvents(t *testing.T, logs *syncBuffer, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(f.events(t)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d events stored, want %d:\n%s", len(f.events(t)), n, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Frigate's messages through a real broker to a real server: a concealment
// object makes one event however many updates, replays and end messages
// follow; false positives and unmapped labels make none; zones come from
// Frigate's zone names (the current one, else the last entered) or from the
// calibrated box; people entering the door count once each as footfall.
func TestFrigateBridge(t *testing.T) {
	broker := mqttURL(t)
	f := newFrigateSetup(t, broker)
	var logs syncBuffer
	stop := f.start(t, &logs)
	t0 := float64(time.Now().Add(-10*time.Minute).Unix()) + 0.25
	topic := f.topic + "/events"
	e1 := fmsg("update", "e1", "aisle", "pocket", t0, map[string]any{"current_zones": []string{"aisle_a"}, "entered_zones": []string{"aisle_a"},
		"snapshot": map[string]any{"frame_time": t0 + 2.5, "box": []int{1, 2, 3, 4}, "area": 4, "region": []int{0, 0, 320, 320}, "score": 0.8, "attributes": []any{}}})
	publish(t, broker, topic,
		fmsg("new", "e1", "aisle", "pocket", t0, map[string]any{"false_positive": true, "current_zones": []string{"aisle_a"}}),
		e1,
		// A bag seen by the calibrated camera, its box's bottom centre (98, 56)
		// on the floor at x = 98/16/(1 + 0.0005·56) = 5.96 m: zone B (x ≥ 4 m).
		fmsg("new", "e2", "overhead", "bag", t0+1, map[string]any{"box": []int{90, 40, 106, 56}, "snapshot_time": t0 + 5}),
		fmsg("new", "p1", "aisle", "person", t0, nil),
		fmsg("update", "p1", "aisle", "person", t0, map[string]any{"entered_zones": []string{"door"}, "current_zones": []string{"door"}}),
		fmsg("update", "p1", "aisle", "person", t0, map[string]any{"entered_zones": []string{"door", "aisle_a"}}),
		fmsg("end", "p1", "aisle", "person", t0, map[string]any{"entered_zones": []string{"door", "aisle_a"}}),
		fmsg("update", "p2", "aisle", "person", t0+3, map[string]any{"entered_zones": []string{"door"}}),
		fmsg("update", "p3", "aisle", "person", t0+4, map[string]any{"entered_zones": []string{"aisle_a"}}),
		fmsg("update", "p4", "aisle", "person", t0+4, map[string]any{"entered_zones": []string{"door"}, "false_positive": true}),
		fmsg("new", "e3", "aisle", "pocket", t0, map[string]any{"false_positive": true, "current_zones": []string{"aisle_a"}}),
		fmsg("end", "e3", "aisle", "pocket", t0, map[string]any{"false_positive": true, "current_zones": []string{"aisle_a"}}),
		fmsg("update", "c1", "aisle", "car", t0, map[string]any{"current_zones": []string{"aisle_a"}}),
		fmsg("update", "e1", "aisle", "pocket", t0, map[string]any{"top_score": 0.93, "current_zones": []string{"aisle_b"}}),
		fmsg("end", "e1", "aisle", "pocket", t0, map[string]any{"top_score": 0.93, "current_zones": []string{"aisle_b"}}),
		e1, // replayed
		// Last: a 0.14 sub-label [name, score] on a generic label, in the
		// last mapped zone it entered; once it is stored, all the above was read.
		fmsg("update", "e4", "aisle", "concealment", t0+7, map[string]any{"sub_label": []any{"bag", 0.9}, "entered_zones": []string{"aisle_a", "aisle_b"}}),
	)
	f.waitEvents(t, &logs, 3)
	time.Sleep(200 * time.Millisecond) // a second event of any object would arrive now
	if err := stop(); err != nil {
		t.Fatalf("frigate: %v\n%s", err, logs.String())
	}
	// The hour's two visitors went out together (or wait in the spool):
	// footfall is batched by the hour, not sent per visitor.
	hours := 1 // p1 entered at t0+1, p2 at t0+4: one hour, or two across its end
	if int64(t0+1)/3600 != int64(t0+4)/3600 {
		hours = 2
	}
	if n := strings.Count(logs.String(), `"msg":"delivered","kind":"footfall"`); n > hours {
		t.Errorf("%d footfall requests while running, want at most %d (one an hour)", n, hours)
	}
	// A drain delivers what is left (a start spools the counted totals again:
	// a total replaces the hour's, so that is harmless).
	if err := run(context.Background(), []string{"frigate", "--config", f.cfg, "--drain"},
		envOf(map[string]string{"FRIGATE_TOKEN": f.ingest}), strings.NewReader(""), &logs, &logs); err != nil {
		t.Fatalf("frigate --drain: %v\n%s", err, logs.String())
	}

	rows, err := f.pool.Query(context.Background(), `
SELECT e.id::text, e.camera, z.code, e.method, extract(epoch FROM e.occurred_at)::float8
FROM events e JOIN zones z ON z.id = e.zone_id ORDER BY e.occurred_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type ev struct {
		id, camera, zone, method string
		at                       float64
	}
	var got []ev
	for rows.Next() {
		var e ev
		if err := rows.Scan(&e.id, &e.camera, &e.zone, &e.method, &e.at); err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	want := []ev{
		{camera: "cam-aisle", zone: "A", method: "pocket", at: t0 + 2.5}, // the 0.14 snapshot's frame
		{camera: "overhead", zone: "B", method: "bag", at: t0 + 5},       // the older snapshot_time
		{camera: "cam-aisle", zone: "B", method: "bag", at: t0 + 7},      // no snapshot: the start
	}
	if len(got) != len(want) {
		t.Fatalf("stored %+v, want %+v\n%s", got, want, logs.String())
	}
	for i, w := range want {
		g := got[i]
		if g.camera != w.camera || g.zone != w.zone || g.method != w.method || g.at != w.at {
			t.Errorf("event %d: %+v, want %+v", i, g, w)
		}
		// A UUIDv7 whose 48-bit time is the object's start, in milliseconds.
		start := map[int]float64{0: t0, 1: t0 + 1, 2: t0 + 7}[i]
		if ms := fmt.Sprintf("%012x", int64(start*1000)); strings.ReplaceAll(g.id, "-", "")[:12] != ms || g.id[14] != '7' {
			t.Errorf("event %d id %s: want a UUIDv7 of time %s", i, g.id, ms)
		}
	}
	// Updates after the event were never sent as a second payload under its
	// id (the server would refuse that as a conflict, set aside here).
	if rejected, _ := filepath.Glob(filepath.Join(f.dir, "spool", "rejected", "*")); len(rejected) != 0 {
		t.Errorf("the server refused %v", rejected)
	}
	if ff := f.footfall(t); ff[""] != 2 || len(ff) != 1 {
		t.Errorf("footfall %v, want 2 store visitors (p1 and p2)", ff)
	}
}

// mosquitto is a broker of the test's own on a free port, which the test
// can stop and start again.
type mosquitto struct {
	t    *testing.T
	port string
	cmd  *exec.Cmd
}

func (m *mosquitto) start() {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
	}
	m.cmd = exec.Command(bin, "-p", m.port)
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", "127.0.0.1:"+m.port); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatal("mosquitto did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (m *mosquitto) stop() {
	m.cmd.Process.Kill()
	m.cmd.Wait()
}

// The broker and the server each go away and come back while the bridge
// runs: it reconnects and subscribes again, the spool holds what the
// server could not take, and every object is stored exactly once — a
// message replayed after the reconnect included.
func TestFrigateBridgeReconnects(t *testing.T) {
	if _, err := exec.LookPath("mosquitto"); err != nil {
		if _, err := os.Stat("/usr/sbin/mosquitto"); err != nil {
			t.Skip("no mosquitto binary to restart (apt-get install mosquitto)")
		}
	}
	_, port, _ := net.SplitHostPort(freeAddr(t))
	m := &mosquitto{t: t, port: port}
	m.start()
	t.Cleanup(m.stop)
	broker := "tcp://127.0.0.1:" + port
	f := newFrigateSetup(t, broker)
	var logs syncBuffer
	stop := f.start(t, &logs)
	topic := f.topic + "/events"
	t0 := float64(time.Now().Add(-5*time.Minute).Unix()) + 0.5
	e := func(id string, dt float64) string {
		return fmsg("update", id, "aisle", "pocket", t0+dt, map[string]any{"current_zones": []string{"aisle_a"}})
	}
	publish(t, broker, topic, e("e1", 0))
	f.waitEvents(t, &logs, 1)

	m.stop()
	waitFor(t, &logs, "mqtt connection lost", 1)
	m.start()
	waitFor(t, &logs, "mqtt subscribed", 2)
	publish(t, broker, topic, e("e1", 0), e("e2", 1))
	f.waitEvents(t, &logs, 2)

	f.srv.stop()
	publish(t, broker, topic, e("e3", 2), e("e2", 1))
	waitFor(t, &logs, "delivery failed; will retry", 1)
	f.srv.start()
	f.waitEvents(t, &logs, 3)
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("frigate: %v\n%s", err, logs.String())
	}
	if got := f.events(t); len(got) != 3 {
		t.Errorf("stored %d events, want 3: %+v", len(got), got)
	}
	if rejected, _ := filepath.Glob(filepath.Join(f.dir, "spool", "rejected", "*")); len(rejected) != 0 {
		t.Errorf("the server refused %v", rejected)
	}
}

// A token the server does not know stops the bridge with the refusal and
// a non-zero exit: at start when a calibrated camera needs the zones, else
// once it has an event to send, which the spool keeps.
func TestFrigateBridgeStopsOnRefusal(t *testing.T) {
	broker := mqttURL(t)
	f := newFrigateSetup(t, broker)
	f.ingest = "ss_not-a-token"
	var early syncBuffer
	err := run(context.Background(), []string{"frigate", "--config", f.cfg}, envOf(map[string]string{"FRIGATE_TOKEN": f.ingest}), strings.NewReader(""), &early, &early)
	if err == nil || !strings.Contains(err.Error(), "refuses GET zones for good (401") {
		t.Errorf("with a calibrated camera: %v, want the zones' 401 at start\n%s", err, early.String())
	}
	text := readFile(t, f.cfg)
	if err := os.WriteFile(f.cfg, []byte(text[:strings.Index(text, "  - name: overhead")]), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"frigate", "--config", f.cfg}, envOf(map[string]string{"FRIGATE_TOKEN": f.ingest}), strings.NewReader(""), &logs, &logs)
	}()
	waitFor(t, &logs, "mqtt subscribed", 1)
	publish(t, broker, f.topic+"/events", fmsg("update", "e1", "aisle", "pocket", float64(time.Now().Unix()-60), map[string]any{"current_zones": []string{"aisle_a"}}))
	err = <-done
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "for good") {
		t.Fatalf("frigate ended with %v, want the 401 refusal before the timeout:\n%s", err, logs.String())
	}
	if n := len(errorLines(logs.String())); n != 1 {
		t.Errorf("%d error records, want one:\n%s", n, logs.String())
	}
	if files, _ := filepath.Glob(filepath.Join(f.dir, "spool", "events", "*.json")); len(files) != 1 {
		t.Errorf("spool keeps %v, want the event", files)
	}
}
