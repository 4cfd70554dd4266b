package vision

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	ss "github.com/shrinkscope/shrinkscope"
)

// Config is the YAML file `shrinkscope vision --config FILE` reads. Every
// field's default is given beside it; a bad value is refused at start naming
// its field.
type Config struct {
	Server struct {
		URL   string `yaml:"url"`   // the shrinkscope server, e.g. http://10.0.0.5:8080 (required)
		Token string `yaml:"token"` // an ingest token for this store; "$NAME" reads environment variable NAME (required)
	} `yaml:"server"`
	Store       string `yaml:"store"`        // store code (required)
	Timezone    string `yaml:"timezone"`     // IANA zone whose hours footfall is counted in (UTC)
	Spool       string `yaml:"spool"`        // folder of the on-disk spool (required)
	MetricsAddr string `yaml:"metrics_addr"` // Prometheus /metrics listener ("127.0.0.1:9464"; "off" for none)

	Model struct {
		Path    string            `yaml:"path"`    // ONNX file, YOLO-format output (required)
		Classes []string          `yaml:"classes"` // class names in output order (required)
		Person  string            `yaml:"person"`  // the class of people ("person")
		Methods map[string]string `yaml:"methods"` // concealment class → event method (required, one or more)
	} `yaml:"model"`

	Runtime struct {
		Library        string `yaml:"library"`          // libonnxruntime.so path ($ONNXRUNTIME_LIB, else "libonnxruntime.so")
		IntraOpThreads int    `yaml:"intra_op_threads"` // threads inside an operator (0: one per core)
		InterOpThreads int    `yaml:"inter_op_threads"` // threads across operators (0: default)
		CUDA           bool   `yaml:"cuda"`             // CUDA execution provider (false)
	} `yaml:"onnxruntime"`

	Thresholds struct {
		Person          float64 `yaml:"person"`             // least person score (0.4); at 0.5 and above a detection may start a track
		Conceal         float64 `yaml:"conceal"`            // least concealment score a frame needs to count (0.5)
		NMSIoU          float64 `yaml:"nms_iou"`            // IoU above which NMS keeps only the best box (0.45)
		Match           float64 `yaml:"match_iou"`          // least IoU to continue a track (0.3)
		MaxReprojection float64 `yaml:"max_reprojection_m"` // largest calibration error accepted, metres (0.25)
	} `yaml:"thresholds"`

	Rule struct {
		K        int           `yaml:"k"`        // frames over threshold … (3)
		N        int           `yaml:"n"`        // … out of the last n (5)
		Cooldown time.Duration `yaml:"cooldown"` // per track, after an event (30s)
	} `yaml:"rule"`

	// Floor is the store-level tracker that fuses the cameras' tracks on the
	// floor plan, so one shopper keeps one anonymous floor track id from
	// camera to camera (docs/VISION.md, "Floor tracks across cameras").
	Floor struct {
		Gate       float64       `yaml:"gate_m"`     // farthest a camera's new track may stand from a floor track's last position to continue it, metres (1)
		Handover   time.Duration `yaml:"handover"`   // how long a floor track no camera sees may be continued (2s)
		LeaveAfter time.Duration `yaml:"lane_leave"` // seen outside a lane this long, a track has left it (1s)
	} `yaml:"floor"`

	Delivery struct {
		Batch    int           `yaml:"batch"`     // items per request (200)
		Interval time.Duration `yaml:"interval"`  // how often the spool is sent (1s)
		RetryMin time.Duration `yaml:"retry_min"` // first back-off after a failure (500ms)
		RetryMax time.Duration `yaml:"retry_max"` // longest back-off (30s)
		Timeout  time.Duration `yaml:"timeout"`   // per request (10s)
		// OnRefusal is what a permanent refusal (401, 403, 404, or a 422 about
		// the request or its store) does: "stop" ends the process with the
		// error and a non-zero exit, "wait" keeps the spool and tries that kind
		// again every retry_max while the cameras run on ("stop"). Either way
		// the spool keeps the refused items.
		OnRefusal string `yaml:"on_refusal"`
	} `yaml:"delivery"`

	ZonesRefresh time.Duration `yaml:"zones_refresh"` // how often zones are fetched again (5m)

	Cameras []CameraConfig `yaml:"cameras"` // one or more
}

// CameraConfig is one camera.
type CameraConfig struct {
	ID          string           `yaml:"id"`       // camera id on events (required, ≤ 64 characters)
	Source      SourceConfig     `yaml:"source"`   // where frames come from
	Entrance    bool             `yaml:"entrance"` // people it sees count as store visitors (false)
	Calibration []Correspondence `yaml:"-"`
	RawCalib    []struct {
		Image [2]float64 `yaml:"image"` // pixel [u, v]
		Floor [2]float64 `yaml:"floor"` // floor plan [x, y], metres
	} `yaml:"calibration"` // four or more pairs (required)
	Homography   Homography `yaml:"-"`
	Reprojection float64    `yaml:"-"` // largest calibration error, metres
}

// SourceConfig is a frame source.
type SourceConfig struct {
	Kind     string  `yaml:"kind"`     // ffmpeg (file or RTSP URL), mjpeg (HTTP URL) or folder (required)
	URL      string  `yaml:"url"`      // file path, rtsp:// or http:// URL (ffmpeg, mjpeg)
	Path     string  `yaml:"path"`     // folder of .jpg/.png frames, read in name order (folder)
	FPS      float64 `yaml:"fps"`      // frames per second to keep (0: every frame)
	Width    int     `yaml:"width"`    // ffmpeg: scale to this size (0: the stream's, from ffprobe)
	Height   int     `yaml:"height"`   // ffmpeg: see width
	Realtime bool    `yaml:"realtime"` // ffmpeg on a file: read at its native rate (-re), as a camera would deliver it (false)
	Loop     bool    `yaml:"loop"`     // start again at the end of a file or folder (false)
}

// LoadConfig reads and checks the YAML file at path.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vision: read config: %w", err)
	}
	return ParseConfig(data, getenv)
}

// ParseConfig decodes YAML strictly (unknown keys are errors), fills the
// defaults and checks every field, computing each camera's homography.
func ParseConfig(data []byte, getenv func(string) string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, ss.Errorf(ss.EINVALID, "config", "config is not valid YAML for this schema: %v", err)
	}
	if len(c.Server.Token) > 1 && c.Server.Token[0] == '$' {
		c.Server.Token = getenv(c.Server.Token[1:])
	}
	if c.Runtime.Library == "" {
		c.Runtime.Library = getenv("ONNXRUNTIME_LIB")
	}
	c.defaults()
	return &c, c.validate()
}

func (c *Config) defaults() {
	setStr(&c.Timezone, "UTC")
	setStr(&c.MetricsAddr, "127.0.0.1:9464")
	setStr(&c.Model.Person, "person")
	setStr(&c.Runtime.Library, "libonnxruntime.so")
	setNum(&c.Thresholds.Person, 0.4)
	setNum(&c.Thresholds.Conceal, 0.5)
	setNum(&c.Thresholds.NMSIoU, 0.45)
	setNum(&c.Thresholds.Match, 0.3)
	setNum(&c.Thresholds.MaxReprojection, 0.25)
	setNum(&c.Rule.K, 3)
	setNum(&c.Rule.N, 5)
	setNum(&c.Rule.Cooldown, 30*time.Second)
	setNum(&c.Floor.Gate, 1)
	setNum(&c.Floor.Handover, 2*time.Second)
	setNum(&c.Floor.LeaveAfter, time.Second)
	setNum(&c.Delivery.Batch, 200)
	setNum(&c.Delivery.Interval, time.Second)
	setNum(&c.Delivery.RetryMin, 500*time.Millisecond)
	setNum(&c.Delivery.RetryMax, 30*time.Second)
	setNum(&c.Delivery.Timeout, 10*time.Second)
	setStr(&c.Delivery.OnRefusal, "stop")
	setNum(&c.ZonesRefresh, 5*time.Minute)
}

func setStr(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func setNum[T int | float64 | time.Duration](p *T, v T) {
	if *p == 0 {
		*p = v
	}
}
