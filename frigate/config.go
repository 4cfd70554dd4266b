package frigate

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/vision"
)

// Config is the YAML file `shrinkscope frigate --config FILE` reads. Every
// field's default is given beside it; a bad value is refused at start naming
// its field.
type Config struct {
	Server struct {
		URL   string `yaml:"url"`   // the shrinkscope server (required)
		Token string `yaml:"token"` // an ingest token for the store; "$NAME" reads environment variable NAME (required)
	} `yaml:"server"`
	Store    string `yaml:"store"`    // store code (required)
	Timezone string `yaml:"timezone"` // IANA zone whose hours footfall is counted in (UTC)
	Spool    string `yaml:"spool"`    // folder of the on-disk spool (required)

	MQTT struct {
		Broker   string `yaml:"broker"`    // the store's broker, tcp://host:1883 (or ssl://, ws://) (required)
		Username string `yaml:"username"`  // ("" for none); "$NAME" reads the environment
		Password string `yaml:"password"`  // ("" for none); "$NAME" reads the environment
		ClientID string `yaml:"client_id"` // kept across restarts so the broker keeps the session ("shrinkscope-frigate-" + store)
		Topic    string `yaml:"topic"`     // Frigate's topic_prefix ("frigate"); events are read from <topic>/events
	} `yaml:"mqtt"`

	Person   string            `yaml:"person"`    // Frigate's label of people ("person")
	Methods  map[string]string `yaml:"methods"`   // Frigate label or sub-label → event method; the sub-label wins (required, one or more)
	MinScore float64           `yaml:"min_score"` // least top_score an object needs to become an event (0: Frigate's own threshold decides)

	Delivery struct {
		Batch     int           `yaml:"batch"`      // items per request (200)
		Interval  time.Duration `yaml:"interval"`   // how often the spool is sent (1s)
		RetryMin  time.Duration `yaml:"retry_min"`  // first back-off after a failure (500ms)
		RetryMax  time.Duration `yaml:"retry_max"`  // longest back-off (30s)
		Timeout   time.Duration `yaml:"timeout"`    // per request (10s)
		OnRefusal string        `yaml:"on_refusal"` // stop or wait, as vision's delivery.on_refusal ("stop")
	} `yaml:"delivery"`

	ZonesRefresh time.Duration `yaml:"zones_refresh"` // how often the store's zones are fetched again, for calibrated cameras (5m)

	Cameras []CameraConfig `yaml:"cameras"` // one or more
}

// CameraConfig is one Frigate camera.
type CameraConfig struct {
	Name string `yaml:"name"` // Frigate's camera name (required)
	ID   string `yaml:"id"`   // camera id on events (the name)
	// Zones maps Frigate zone names to shrinkscope zone codes; an object is
	// placed in the first mapped zone it stands in (current_zones), else the
	// last it entered. Give zones or calibration.
	Zones map[string]string `yaml:"zones"`
	// Calibration places the box's bottom centre on the floor plan instead:
	// four or more pairs in pixels of Frigate's detect resolution (width ×
	// height, required with it).
	Calibration []struct {
		Image [2]float64 `yaml:"image"`
		Floor [2]float64 `yaml:"floor"`
	} `yaml:"calibration"`
	Width  int `yaml:"width"`  // Frigate's detect width, pixels (with calibration)
	Height int `yaml:"height"` // Frigate's detect height, pixels (with calibration)
	// Entrance names the Frigate zones whose person objects count as store
	// visitors, each object once, in the hour it entered.
	Entrance []string `yaml:"entrance_zones"`

	homography vision.Homography
}

// LoadConfig reads and checks the YAML file at path.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("frigate: read config: %w", err)
	}
	return ParseConfig(data, getenv)
}

// ParseConfig decodes YAML strictly (unknown keys are errors), fills the
// defaults and checks every field.
func ParseConfig(data []byte, getenv func(string) string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, invalid("config", "config is not valid YAML for this schema: %v", err)
	}
	for _, p := range []*string{&c.Server.Token, &c.MQTT.Username, &c.MQTT.Password} {
		if len(*p) > 1 && (*p)[0] == '$' {
			*p = getenv((*p)[1:])
		}
	}
	c.defaults()
	return &c, c.validate()
}

func invalid(field, format string, args ...any) error {
	return ss.Errorf(ss.EINVALID, field, format, args...)
}

func (c *Config) defaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Timezone, "UTC")
	def(&c.MQTT.ClientID, "shrinkscope-frigate-"+c.Store)
	def(&c.MQTT.Topic, "frigate")
	def(&c.Person, "person")
	def(&c.Delivery.OnRefusal, "stop")
	dur := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Delivery.Batch == 0 {
		c.Delivery.Batch = 200
	}
	dur(&c.Delivery.Interval, time.Second)
	dur(&c.Delivery.RetryMin, 500*time.Millisecond)
	dur(&c.Delivery.RetryMax, 30*time.Second)
	dur(&c.Delivery.Timeout, 10*time.Second)
	dur(&c.ZonesRefresh, 5*time.Minute)
	for i := range c.Cameras {
		def(&c.Cameras[i].ID, c.Cameras[i].Name)
	}
}

func (c *Config) validate() error {
	if u, err := url.Parse(c.Server.URL); c.Server.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("server.url", "server.url must be an http(s) URL of the shrinkscope server, got %q", c.Server.URL)
	}
	if c.Server.Token == "" {
		return invalid("server.token", "server.token is required (an ingest token; \"$NAME\" reads it from the environment)")
	}
	if !ss.ValidCode(c.Store) {
		return invalid("store", "store must be a store code, got %q", c.Store)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return invalid("timezone", "timezone %q is not an IANA time zone", c.Timezone)
	}
	if c.Spool == "" {
		return invalid("spool", "spool is required: a folder that survives restarts")
	}
	if u, err := url.Parse(c.MQTT.Broker); c.MQTT.Broker == "" || err != nil || u.Host == "" ||
		!slices.Contains([]string{"tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss"}, u.Scheme) {
		return invalid("mqtt.broker", "mqtt.broker must be a broker URL such as tcp://127.0.0.1:1883, got %q", c.MQTT.Broker)
	}
	if len(c.Methods) == 0 {
		return invalid("methods", "methods maps at least one Frigate label or sub-label to an event method (%v)", ss.Methods)
	}
	for label, m := range c.Methods {
		if label == c.Person {
			return invalid("methods", "methods names the person label %q", label)
		}
		if !ss.Method(m).Valid() {
			return invalid("methods."+label, "method %q is not one of %v", m, ss.Methods)
		}
	}
	if c.MinScore < 0 || c.MinScore > 1 {
		return invalid("min_score", "min_score must be in [0, 1], got %v", c.MinScore)
	}
	if c.Delivery.Batch < 1 || c.Delivery.Batch > 1000 {
		return invalid("delivery.batch", "delivery.batch must be 1-1000, got %d", c.Delivery.Batch)
	}
	if c.Delivery.RetryMax < c.Delivery.RetryMin {
		return invalid("delivery.retry_max", "delivery.retry_max must be at least retry_min")
	}
	if c.Delivery.OnRefusal != "stop" && c.Delivery.OnRefusal != "wait" {
		return invalid("delivery.on_refusal", "delivery.on_refusal must be stop or wait, got %q", c.Delivery.OnRefusal)
	}
	if len(c.Cameras) == 0 {
		return invalid("cameras", "at least one camera is required")
	}
	seen := map[string]bool{}
	for i := range c.Cameras {
		if err := c.Cameras[i].check(fmt.Sprintf("cameras[%d]", i)); err != nil {
			return err
		}
		if seen[c.Cameras[i].Name] {
			return invalid(fmt.Sprintf("cameras[%d].name", i), "camera %q repeats", c.Cameras[i].Name)
		}
		seen[c.Cameras[i].Name] = true
	}
	return nil
}

func (cam *CameraConfig) check(f string) error {
	if cam.Name == "" {
		return invalid(f+".name", "the Frigate camera name is required")
	}
	if cam.ID == "" || len(cam.ID) > 64 {
		return invalid(f+".id", "camera id must be 1-64 characters")
	}
	if (len(cam.Zones) > 0) == (len(cam.Calibration) > 0) {
		return invalid(f+".zones", "camera %s: give either zones (Frigate zone → zone code) or calibration", cam.Name)
	}
	for fz, code := range cam.Zones {
		if !ss.ValidCode(code) {
			return invalid(f+".zones."+fz, "camera %s: zone code %q is not a code", cam.Name, code)
		}
	}
	if len(cam.Calibration) > 0 {
		if cam.Width <= 0 || cam.Height <= 0 {
			return invalid(f+".width", "camera %s: width and height (Frigate's detect resolution) are required with calibration", cam.Name)
		}
		if len(cam.Calibration) < 4 {
			return invalid(f+".calibration", "camera %s: calibration needs four or more pairs, got %d", cam.Name, len(cam.Calibration))
		}
		pairs := make([]vision.Correspondence, len(cam.Calibration))
		for i, p := range cam.Calibration {
			if u, v := p.Image[0], p.Image[1]; !(u >= 0 && u <= float64(cam.Width) && v >= 0 && v <= float64(cam.Height)) {
				return invalid(fmt.Sprintf("%s.calibration[%d].image", f, i), "camera %s: calibration point %d (%g, %g) lies outside its %d×%d detect frame", cam.Name, i, u, v, cam.Width, cam.Height)
			}
			pairs[i] = vision.Correspondence{Image: p.Image, Floor: p.Floor}
		}
		h, worst, _, err := vision.FitHomography(pairs)
		if err != nil {
			return invalid(f+".calibration", "camera %s: %v", cam.Name, err)
		}
		if worst > 0.25 {
			return invalid(f+".calibration", "camera %s: calibration reprojection error %.3f m exceeds 0.25 m: check the point pairs", cam.Name, worst)
		}
		cam.homography = h
	}
	return nil
}
