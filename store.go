package shrinkscope

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OperatingModel is how a store acts on a detection (see DESIGN.md).
type OperatingModel string

// The three operating models.
const (
	ModelSOC       OperatingModel = "soc"       // alerts go to guards or a remote SOC
	ModelCheckout  OperatingModel = "checkout"  // track linked to the point of sale
	ModelDetection OperatingModel = "detection" // recorded only, for analytics
)

// Valid reports whether m is one of the three models.
func (m OperatingModel) Valid() bool {
	return m == ModelSOC || m == ModelCheckout || m == ModelDetection
}

// Profile is a store's risk profile; each figure is a non-negative index
// where 1 is the estate's typical store.
type Profile struct {
	UrbanDensity     float64 `json:"urban_density"`
	TheftIndex       float64 `json:"theft_index"`
	StaffingCapacity float64 `json:"staffing_capacity"`
}

// Store is one shop of the estate.
type Store struct {
	ID             int64          `json:"-"`
	Code           string         `json:"code"`
	Name           string         `json:"name"`
	Region         string         `json:"region"`
	Timezone       string         `json:"timezone"`
	OpeningHours   OpeningHours   `json:"opening_hours"`
	Profile        Profile        `json:"profile"`
	OperatingModel OperatingModel `json:"operating_model"`
	// Currency is the ISO 4217 currency of the store's sales, values and
	// every money figure of it.
	Currency Currency `json:"currency"`
	// SegmentCosts overrides the configured money settings of the store
	// segmentation for this store, in its currency (SegmentCostKeys).
	SegmentCosts map[string]float64 `json:"segment_costs,omitempty"`
}

// SegmentCostKeys are the money settings of the store segmentation a store
// may override: the yearly technology cost of each operating model, the
// loaded hourly costs and the per-event costs.
var SegmentCostKeys = []string{"soc", "checkout", "detection", "operator_hourly", "floor_hourly", "till_hourly",
	"false_intervention_cost", "block_cost"}

// ValidCode reports whether s is a valid store or zone code: 1–64 ASCII
// letters, digits, '_', '.', '-', starting with a letter or digit. (A loop,
// not a regexp: it runs for every ingested item.)
func ValidCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// Location loads the store's time zone.
func (s *Store) Location() (*time.Location, error) {
	return time.LoadLocation(s.Timezone)
}

// Validate checks every field and returns an *Error naming the first bad one.
func (s *Store) Validate() error {
	if !ValidCode(s.Code) {
		return Errorf(EINVALID, "code", "store code %q must be 1-64 letters, digits, '_', '.', '-'", s.Code)
	}
	if s.Name == "" {
		return Errorf(EINVALID, "name", "name is required")
	}
	if err := CheckText("name", s.Name, 200); err != nil {
		return err
	}
	if err := CheckText("region", s.Region, 200); err != nil {
		return err
	}
	if s.Timezone == "" {
		return Errorf(EINVALID, "timezone", "timezone is required (an IANA name such as Europe/London)")
	}
	if !zoneName(s.Timezone) {
		return Errorf(EINVALID, "timezone", "%q is not an IANA time zone name such as Europe/London", s.Timezone)
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil {
		return Errorf(EINVALID, "timezone", "unknown time zone %q", s.Timezone)
	}
	if err := s.OpeningHours.Validate(); err != nil {
		return err
	}
	for field, v := range map[string]float64{
		"profile.urban_density":     s.Profile.UrbanDensity,
		"profile.theft_index":       s.Profile.TheftIndex,
		"profile.staffing_capacity": s.Profile.StaffingCapacity,
	} {
		if v < 0 || v > 100 || v != v {
			return Errorf(EINVALID, field, "%s must be between 0 and 100, got %v", field, v)
		}
	}
	if !s.OperatingModel.Valid() {
		return Errorf(EINVALID, "operating_model", "operating_model must be soc, checkout or detection, got %q", s.OperatingModel)
	}
	if err := CheckCurrency("currency", s.Currency); err != nil {
		return err
	}
	for k, v := range s.SegmentCosts {
		field := "segment_costs." + k
		if !slices.Contains(SegmentCostKeys, k) {
			return Errorf(EINVALID, field, "unknown segment cost %q (use %s)", k, strings.Join(SegmentCostKeys, ", "))
		}
		if !(v >= 0 && v <= 1e9) {
			return Errorf(EINVALID, field, "%s must be between 0 and 1000000000, got %v", field, v)
		}
		if !s.Currency.InMinorUnits(v) {
			return Errorf(EINVALID, field, "%s", s.Currency.AmountRule(field, v))
		}
	}
	return nil
}

// zoneName reports whether tz looks like an IANA zone name: "UTC" or an
// upper-case name of letters, digits and "/_+-" (Europe/London, EST5EDT,
// Etc/GMT+1). It refuses what the zoneinfo directory holds besides zones:
// Local (the server's own zone), Factory (a placeholder with no real
// offset), posixrules and localtime (copies of some default zone), and the
// posix/ and right/ trees (duplicates; right/ counts leap seconds).
func zoneName(tz string) bool {
	if tz == "" || len(tz) > 64 || tz[0] < 'A' || tz[0] > 'Z' {
		return false
	}
	switch tz {
	case "Local", "Factory":
		return false
	}
	for i := 0; i < len(tz); i++ {
		c := tz[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '+' || c == '-'
		if !ok {
			return false
		}
	}
	return !strings.Contains(tz, "//") && !strings.HasSuffix(tz, "/")
}

// Weekdays are the keys of OpeningHours, Monday first.
var Weekdays = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// WeekdayKey returns the OpeningHours key of a time.Weekday.
func WeekdayKey(d time.Weekday) string { return Weekdays[(int(d)+6)%7] }

// OpeningHours maps a weekday key ("mon".."sun") to its open intervals in
// local time, each ["HH:MM","HH:MM"]; a missing or empty day is closed.
// A close of "24:00" means midnight at the end of the day.
type OpeningHours map[string][][2]string

// UnmarshalJSON reads the map strictly: an interval with other than two
// times is an error, not cut to its first two.
func (h *OpeningHours) UnmarshalJSON(b []byte) error {
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Errorf(EINVALID, "opening_hours", `opening_hours must map weekdays to lists of ["HH:MM","HH:MM"] intervals`)
	}
	out := make(OpeningHours, len(raw))
	for day, spans := range raw {
		list := make([][2]string, len(spans))
		for i, sp := range spans {
			var times []string
			if err := json.Unmarshal(sp, &times); err != nil || len(times) != 2 {
				return Errorf(EINVALID, fmt.Sprintf("opening_hours.%s[%d]", day, i), `an interval is exactly ["HH:MM","HH:MM"], got %s`, sp)
			}
			list[i] = [2]string{times[0], times[1]}
		}
		out[day] = list
	}
	*h = out
	return nil
}

// Validate checks keys, clock format and that intervals are ordered and disjoint.
func (h OpeningHours) Validate() error {
	if len(h) == 0 {
		return Errorf(EINVALID, "opening_hours", "opening_hours is required, e.g. {\"mon\":[[\"08:00\",\"22:00\"]]}")
	}
	for day, spans := range h {
		if !isWeekday(day) {
			return Errorf(EINVALID, "opening_hours", "unknown weekday %q (use mon, tue, wed, thu, fri, sat, sun)", day)
		}
		prevEnd := -1
		for i, sp := range spans {
			field := fmt.Sprintf("opening_hours.%s[%d]", day, i)
			open, ok1 := parseClock(sp[0])
			closing, ok2 := parseClock(sp[1])
			if !ok1 || !ok2 {
				return Errorf(EINVALID, field, "times must be HH:MM between 00:00 and 24:00, got %q-%q", sp[0], sp[1])
			}
			if closing <= open {
				return Errorf(EINVALID, field, "closing time %s must be after opening time %s", sp[1], sp[0])
			}
			if open < prevEnd {
				return Errorf(EINVALID, field, "intervals must be in order and must not overlap")
			}
			prevEnd = closing
		}
	}
	return nil
}

// Minutes returns the open intervals of a weekday as minutes after local midnight.
func (h OpeningHours) Minutes(d time.Weekday) [][2]int {
	var out [][2]int
	for _, sp := range h[WeekdayKey(d)] {
		o, _ := parseClock(sp[0])
		c, _ := parseClock(sp[1])
		out = append(out, [2]int{o, c})
	}
	return out
}

// OpenAt reports whether the store is open at local wall-clock minute m of weekday d.
func (h OpeningHours) OpenAt(d time.Weekday, m int) bool {
	for _, iv := range h.Minutes(d) {
		if m >= iv[0] && m < iv[1] {
			return true
		}
	}
	return false
}

func isWeekday(s string) bool {
	for _, d := range Weekdays {
		if d == s {
			return true
		}
	}
	return false
}

// parseClock reads "HH:MM" (00:00–24:00) as minutes after midnight.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	hh, mm := 0, 0
	for _, c := range s[:2] + s[3:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	hh = int(s[0]-'0')*10 + int(s[1]-'0')
	mm = int(s[3]-'0')*10 + int(s[4]-'0')
	if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}
