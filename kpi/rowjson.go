package kpi

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// MarshalJSON writes a row as encoding/json would write its fields (the
// test checks they agree), without reflection: an estate answer has
// thousands of rows and reflection cost a fifth of the request.
func (r Row) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 1024)
	b = append(b, `{"key":`...)
	b = appendKey(b, r.Key)
	b = append(b, ',')
	b = appendFigures(b, &r.Figures)
	b = append(b, `,"previous":`...)
	if r.Previous == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		b = appendFigures(b, r.Previous)
		b = append(b, '}')
	}
	c := &r.Change
	b = append(b, `,"change":{`...)
	for i, v := range []*float64{c.Events, c.Visitors, c.RatePer1k, c.EstLoss, c.RecoveredValue, c.RecoveryRate,
		c.InterventionRate, c.ResponseP50, c.ResponseP90, c.FalsePositiveRate, c.HotspotIndex, c.ShrinkPct} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, KPINames[i])
		b = append(b, ':')
		b = appendFloatPtr(b, v)
	}
	b = append(b, '}')
	if len(r.Targets) > 0 {
		t, err := json.Marshal(r.Targets)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"targets":`...)
		b = append(b, t...)
	}
	return append(b, '}'), nil
}

func appendKey(b []byte, k Key) []byte {
	b = append(b, '{')
	first := true
	field := func(name, v string) {
		if v == "" {
			return
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
		b = appendString(b, v)
	}
	field("store", k.Store)
	field("region", k.Region)
	field("zone", k.Zone)
	field("category", k.Category)
	field("day", k.Day)
	field("week", k.Week)
	if k.HourOfWeek != nil {
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"hour_of_week":`...)
		b = strconv.AppendInt(b, int64(*k.HourOfWeek), 10)
	}
	return append(b, '}')
}

// appendFigures writes f's fields without braces, in struct order.
func appendFigures(b []byte, f *Figures) []byte {
	b = append(b, `"events":`...)
	b = strconv.AppendInt(b, f.Events, 10)
	b = append(b, `,"visitors":`...)
	if f.Visitors == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *f.Visitors, 10)
	}
	b = append(b, `,"rate_per_1k":`...)
	b = appendFloatPtr(b, f.RatePer1k)
	b = append(b, `,"est_loss":`...)
	b = appendFloat(b, f.EstLoss)
	b = append(b, `,"recovered_value":`...)
	b = appendFloat(b, f.RecoveredValue)
	for _, c := range []struct {
		name string
		v    int64
	}{{"recovered", f.Recovered}, {"lost", f.Lost}, {"false_positives", f.FalsePositives}, {"open", f.Open}, {"interventions", f.Interventions}} {
		b = append(b, ',')
		b = appendString(b, c.name)
		b = append(b, ':')
		b = strconv.AppendInt(b, c.v, 10)
	}
	for _, c := range []struct {
		name string
		v    *float64
	}{{"recovery_rate", f.RecoveryRate}, {"intervention_rate", f.InterventionRate}, {"response_p50", f.ResponseP50},
		{"response_p90", f.ResponseP90}, {"false_positive_rate", f.FalsePositiveRate}, {"hotspot_index", f.HotspotIndex},
		{"sales", f.Sales}, {"shrink_pct", f.ShrinkPct}} {
		b = append(b, ',')
		b = appendString(b, c.name)
		b = append(b, ':')
		b = appendFloatPtr(b, c.v)
	}
	return b
}

func appendFloatPtr(b []byte, v *float64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendFloat(b, *v)
}

// appendFloat formats as encoding/json does: the shortest repesentation,
// in exponent form only for very small or large magnitudes. (KPIs are
// never NaN or infinite: ratios with nothing to divide by are null.)
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString quotes s, handing anything but plain printable ASCII to
// encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
