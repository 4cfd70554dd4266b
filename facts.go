package shrinkscope

import "time"

// FootfallInput is one hourly visitor count as a client sends it. Without a
// zone it counts the store's entrance.
type FootfallInput struct {
	Store    string `json:"store"`
	Zone     string `json:"zone"`
	Hour     string `json:"hour"`
	Visitors *int64 `json:"visitors"`
}

// Footfall is a validated hourly visitor count; Hour is the start of the
// hour, on a whole hour of the store's local time.
type Footfall struct {
	Store    string
	Zone     string // "" for the store entrance
	StoreID  int64
	ZoneID   int64 // 0 for the store entrance
	Hour     time.Time
	Visitors int64
}

// Parse validates the input; the whole-hour check needs the store and is
// done where stores are known.
func (in *FootfallInput) Parse(i int, now time.Time, be *BatchError) (Footfall, bool) {
	n := len(be.Items)
	f := Footfall{Store: in.Store, Zone: in.Zone}
	if !ValidCode(in.Store) {
		be.Add(i, "store", "store code %q is missing or malformed", in.Store)
	}
	if in.Zone != "" && !ValidCode(in.Zone) {
		be.Add(i, "zone", "zone id %q is malformed", in.Zone)
	}
	f.Hour = parseInstant(i, "hour", in.Hour, now, be)
	switch {
	case in.Visitors == nil:
		be.Add(i, "visitors", "visitors is required")
	case *in.Visitors < 0 || *in.Visitors > 1_000_000:
		be.Add(i, "visitors", "visitors must be between 0 and 1000000 per hour, got %d", *in.Visitors)
	default:
		f.Visitors = *in.Visitors
	}
	return f, len(be.Items) == n
}

// OnLocalHour reports whether t is a whole hour in loc (time zones with
// half-hour offsets put local hours at :30 UTC).
func OnLocalHour(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	return l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0
}

// SaleInput is one store-day of sales as a client sends it.
type SaleInput struct {
	Store  string   `json:"store"`
	Day    string   `json:"day"`
	Amount *float64 `json:"amount"`
}

// Sale is a validated store-day of sales; Day is a local calendar date.
type Sale struct {
	Store   string
	StoreID int64
	Day     time.Time // midnight UTC of the local date
	Amount  float64
}

// Parse validates the input against now.
func (in *SaleInput) Parse(i int, now time.Time, be *BatchError) (Sale, bool) {
	n := len(be.Items)
	s := Sale{Store: in.Store}
	if !ValidCode(in.Store) {
		be.Add(i, "store", "store code %q is missing or malformed", in.Store)
	}
	d, err := time.Parse(time.DateOnly, in.Day)
	switch {
	case err != nil:
		be.Add(i, "day", "day %q is not a date (YYYY-MM-DD)", in.Day)
	case d.Before(Earliest) || d.After(now.Add(48*time.Hour)):
		be.Add(i, "day", "day %s is outside %s..today", in.Day, Earliest.Format(time.DateOnly))
	default:
		s.Day = d
	}
	switch {
	case in.Amount == nil:
		be.Add(i, "amount", "amount is required")
	case !(*in.Amount >= 0 && *in.Amount <= 1e10):
		be.Add(i, "amount", "amount must be between 0 and 1e10, got %v", *in.Amount)
	default:
		s.Amount = *in.Amount
	}
	return s, len(be.Items) == n
}
