package vision

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

func invalid(field, format string, args ...any) error {
	return ss.Errorf(ss.EINVALID, field, format, args...)
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
	if c.Model.Path == "" {
		return invalid("model.path", "model.path is required")
	}
	if len(c.Model.Classes) < 2 {
		return invalid("model.classes", "model.classes lists the output classes in order: a person class and one or more concealment classes")
	}
	if !slices.Contains(c.Model.Classes, c.Model.Person) {
		return invalid("model.person", "person class %q is not in model.classes %v", c.Model.Person, c.Model.Classes)
	}
	if len(c.Model.Methods) == 0 {
		return invalid("model.methods", "model.methods maps at least one concealment class to an event method (%v)", ss.Methods)
	}
	for class, m := range c.Model.Methods {
		if !slices.Contains(c.Model.Classes, class) || class == c.Model.Person {
			return invalid("model.methods", "model.methods names class %q, which is not a concealment class of model.classes", class)
		}
		if !ss.Method(m).Valid() {
			return invalid("model.methods."+class, "method %q is not one of %v", m, ss.Methods)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"thresholds.person", c.Thresholds.Person}, {"thresholds.conceal", c.Thresholds.Conceal},
		{"thresholds.nms_iou", c.Thresholds.NMSIoU}, {"thresholds.match_iou", c.Thresholds.Match}} {
		if !(f.v > 0 && f.v <= 1) {
			return invalid(f.name, "%s must be in (0, 1], got %v", f.name, f.v)
		}
	}
	if c.Thresholds.MaxReprojection < 0 {
		return invalid("thresholds.max_reprojection_m", "must be positive metres")
	}
	if c.Rule.K < 1 || c.Rule.N < c.Rule.K || c.Rule.N > 1000 {
		return invalid("rule.k", "need 1 ≤ rule.k ≤ rule.n ≤ 1000, got k=%d n=%d", c.Rule.K, c.Rule.N)
	}
	if c.Rule.Cooldown < 0 {
		return invalid("rule.cooldown", "rule.cooldown must not be negative")
	}
	if !(c.Floor.Gate > 0 && c.Floor.Gate <= 10) {
		return invalid("floor.gate_m", "floor.gate_m must be in (0, 10] metres, got %v", c.Floor.Gate)
	}
	if c.Floor.Handover <= 0 || c.Floor.Handover > time.Minute {
		return invalid("floor.handover", "floor.handover must be in (0, 1m], got %v", c.Floor.Handover)
	}
	if c.Floor.LeaveAfter <= 0 || c.Floor.LeaveAfter > time.Minute {
		return invalid("floor.lane_leave", "floor.lane_leave must be in (0, 1m], got %v", c.Floor.LeaveAfter)
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
		if err := c.Cameras[i].check(fmt.Sprintf("cameras[%d]", i), c.Thresholds.MaxReprojection); err != nil {
			return err
		}
		if seen[c.Cameras[i].ID] {
			return invalid(fmt.Sprintf("cameras[%d].id", i), "camera id %q repeats", c.Cameras[i].ID)
		}
		seen[c.Cameras[i].ID] = true
	}
	return nil
}

func (cam *CameraConfig) check(f string, maxErr float64) error {
	if cam.ID == "" || len(cam.ID) > 64 {
		return invalid(f+".id", "camera id is required (at most 64 characters)")
	}
	s := &cam.Source
	switch s.Kind {
	case "ffmpeg", "mjpeg":
		if s.URL == "" {
			return invalid(f+".source.url", "a %s source needs a url", s.Kind)
		}
	case "folder":
		if s.Path == "" {
			return invalid(f+".source.path", "a folder source needs a path")
		}
	default:
		return invalid(f+".source.kind", "source kind %q is not ffmpeg, mjpeg or folder", s.Kind)
	}
	if s.FPS < 0 || s.Width < 0 || s.Height < 0 || (s.Width == 0) != (s.Height == 0) {
		return invalid(f+".source", "fps, width and height must be positive (width and height together)")
	}
	if len(cam.RawCalib) < 4 {
		return invalid(f+".calibration", "calibration needs four or more image↔floor point pairs, got %d", len(cam.RawCalib))
	}
	cam.Calibration = cam.Calibration[:0]
	for _, p := range cam.RawCalib {
		cam.Calibration = append(cam.Calibration, Correspondence{Image: p.Image, Floor: p.Floor})
	}
	h, worst, _, err := FitHomography(cam.Calibration)
	if err != nil {
		return invalid(f+".calibration", "%v", err)
	}
	if worst > maxErr {
		return invalid(f+".calibration", "calibration reprojection error %.3f m exceeds %.3f m (thresholds.max_reprojection_m): check the point pairs", worst, maxErr)
	}
	cam.Homography, cam.Reprojection = h, worst
	if s.Width > 0 {
		return cam.CheckFrame(s.Width, s.Height)
	}
	return nil
}

// CheckFrame checks that every calibration point lies inside a w×h frame:
// a point outside it was measured on another image size, and its
// homography places people wrongly without any other sign.
func (cam *CameraConfig) CheckFrame(w, h int) error {
	for i, p := range cam.Calibration {
		if u, v := p.Image[0], p.Image[1]; !(u >= 0 && u <= float64(w) && v >= 0 && v <= float64(h)) {
			return invalid(fmt.Sprintf("cameras.%s.calibration[%d].image", cam.ID, i),
				"camera %s: calibration point %d (%g, %g) lies outside its %d×%d frame: measure the image points on a frame of this camera at this size",
				cam.ID, i, u, v, w, h)
		}
	}
	return nil
}
