package layout

import (
	"math"

	ss "github.com/shrinkscope/shrinkscope"
)

// Change kinds: what a merchandiser did (or is advised to do) to a zone.
const (
	KindRelocate    = "relocate"            // move a high-value category toward a staffed or visible area
	KindSwap        = "swap"                // swap the categories of two zones
	KindSightlines  = "improve_sightlines"  // open up the sight lines of a blind-spot zone
	KindProtective  = "protective_fixtures" // locked cases, security caps, shelf alarms
	KindToCheckout  = "move_to_checkout"    // move a category next to the checkout
	KindStaff       = "staff_presence"      // a colleague on the floor near it in the hours it is hit
	KindSignage     = "signage"             // deterrence signage and a visible camera notice
	KindOtherChange = "other"
)

// ChangeKinds are the kinds a layout change may have.
var ChangeKinds = []string{KindRelocate, KindSwap, KindSightlines, KindProtective, KindToCheckout, KindStaff, KindSignage, KindOtherChange}

// Prior is what a kind of change is expected to do before this estate has
// evaluated any: a rate ratio and the standard deviation of its logarithm.
type Prior struct {
	RateRatio float64 `json:"rate_ratio"`
	LogSD     float64 `json:"log_sd"`
}

// Config tunes evaluations and recommendations; zero fields take the
// documented defaults.
type Config struct {
	// BeforeDays, AfterDays and GapDays are the default windows of an
	// evaluation: BeforeDays ending the day before the change, then
	// GapDays of settling, then AfterDays. Defaults 28, 28 and 7; a change
	// may set its own.
	BeforeDays, AfterDays, GapDays int
	// HotspotDays is the period recommendations read hotspots over, ending
	// yesterday. Default 30: the store page's default period, so a
	// rationale's figures are the page's.
	HotspotDays int
	// QuietDays is how long a rejected recommendation is not proposed again
	// (the same kind on the same zones). Default 90.
	QuietDays int
	// Priors are the expected rate ratio per change kind before the
	// estate's own evaluations; defaults in DefaultPriors. Kinds left out
	// keep their default.
	Priors map[string]Prior
}

// DefaultPriors are the starting expectations per kind: modest reductions,
// wide (a log SD of 0.25 puts the 95% range at roughly ×0.6 to ×1.6 of the
// ratio), so the estate's evaluations soon dominate them.
var DefaultPriors = map[string]Prior{
	KindRelocate:    {0.80, 0.25},
	KindSwap:        {0.85, 0.25},
	KindSightlines:  {0.80, 0.25},
	KindProtective:  {0.75, 0.25},
	KindToCheckout:  {0.80, 0.25},
	KindStaff:       {0.80, 0.25},
	KindSignage:     {0.92, 0.25},
	KindOtherChange: {0.95, 0.30},
}

func (c Config) withDefaults() Config {
	if c.BeforeDays == 0 {
		c.BeforeDays = 28
	}
	if c.AfterDays == 0 {
		c.AfterDays = 28
	}
	if c.GapDays == 0 {
		c.GapDays = 7
	}
	if c.HotspotDays == 0 {
		c.HotspotDays = 30
	}
	if c.QuietDays == 0 {
		c.QuietDays = 90
	}
	p := map[string]Prior{}
	for k, v := range DefaultPriors {
		p[k] = v
	}
	for k, v := range c.Priors {
		p[k] = v
	}
	c.Priors = p
	return c
}

// Validate names the first bad field.
func (c Config) Validate() error {
	for _, w := range []struct {
		field string
		v     int
		lo    int
	}{{"BeforeDays", c.BeforeDays, 7}, {"AfterDays", c.AfterDays, 7}, {"GapDays", c.GapDays, 0}, {"HotspotDays", c.HotspotDays, 7}, {"QuietDays", c.QuietDays, 1}} {
		if w.v != 0 && (w.v < w.lo || w.v > 365) {
			return ss.Errorf(ss.EINVALID, w.field, "%s must be between %d and 365 days, got %d", w.field, w.lo, w.v)
		}
	}
	for k, p := range c.Priors {
		if !validKind(k) {
			return ss.Errorf(ss.EINVALID, "Priors", "unknown change kind %q", k)
		}
		if !(p.RateRatio > 0) || math.IsInf(p.RateRatio, 0) || !(p.LogSD > 0) || math.IsInf(p.LogSD, 0) {
			return ss.Errorf(ss.EINVALID, "Priors", "prior of %s needs a positive rate_ratio and log_sd", k)
		}
	}
	return nil
}

func validKind(k string) bool {
	for _, v := range ChangeKinds {
		if v == k {
			return true
		}
	}
	return false
}
