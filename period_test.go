package shrinkscope

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// Each read's rules, with the answers worked out by hand from the calendar.
func TestParsePeriod(t *testing.T) {
	t.Parallel()
	london, _ := time.LoadLocation("Europe/London")
	sydney, _ := time.LoadLocation("Australia/Sydney")
	la, _ := time.LoadLocation("America/Los_Angeles")
	// 23:30 UTC on Saturday 28 March 2026: 23:30 GMT in London (BST begins
	// at 01:00 UTC the next morning), 10:30 on the 29th in Sydney (AEDT) and
	// 16:30 on the 28th in Los Angeles (PDT since 8 March).
	now := time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC)
	kpiAPI := PeriodRules{}
	segments := PeriodRules{DefaultDays: 90, MinDays: 7, MaxDays: 730, DatesOnly: true, Days: true}
	hotspots := PeriodRules{DefaultDays: 28, MaxDays: 367, DatesOnly: true, Open: true, Location: sydney}
	for _, c := range []struct {
		name        string
		f, to, days string
		r           PeriodRules
		want        Period
		field       string // of the error, when one is expected
	}{
		{"default: 30 days to UTC yesterday", "", "", "", kpiAPI, Period{date("2026-02-26"), date("2026-03-27"), true}, ""},
		{"default in Sydney: its yesterday is the 28th", "", "", "", PeriodRules{Location: sydney}, Period{date("2026-02-27"), date("2026-03-28"), true}, ""},
		{"default in Los Angeles: still the 28th there, yesterday the 27th", "", "", "", PeriodRules{Location: la}, Period{date("2026-02-26"), date("2026-03-27"), true}, ""},
		{"dates, both ends kept", "2026-03-01", "2026-03-31", "", kpiAPI, Period{date("2026-03-01"), date("2026-03-31"), true}, ""},
		{"one day", "2026-03-29", "2026-03-29", "", kpiAPI, Period{date("2026-03-29"), date("2026-03-29"), true}, ""},
		{"instants", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", "", kpiAPI,
			Period{time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), false}, ""},
		{"from alone", "2026-03-01", "", "", kpiAPI, Period{}, "from"},
		{"mixed kinds", "2026-03-01", "2026-03-02T00:00:00Z", "", kpiAPI, Period{}, "to"},
		{"not a time", "March", "2026-03-02", "", kpiAPI, Period{}, "from"},
		{"ends swapped", "2026-03-09", "2026-03-05", "", kpiAPI, Period{}, "to"},
		{"empty instants", "2026-03-29T00:00:00Z", "2026-03-29T00:00:00Z", "", kpiAPI, Period{}, "to"},
		{"before the earliest date", "1999-12-31", "2000-01-05", "", kpiAPI, Period{}, "from"},
		{"three years of 366 days: 365 + 366 + 365 + 2", "2023-01-01", "2026-01-02", "", kpiAPI, Period{date("2023-01-01"), date("2026-01-02"), true}, ""},
		{"a day more", "2023-01-01", "2026-01-03", "", kpiAPI, Period{}, "to"},
		{"days refused where it is not a parameter", "", "", "30", kpiAPI, Period{}, "days"},
		{"segments default", "", "", "", segments, Period{date("2025-12-28"), date("2026-03-27"), true}, ""},
		{"segments days to", "", "2026-01-11", "30", segments, Period{date("2025-12-13"), date("2026-01-11"), true}, ""},
		{"segments to alone", "", "2026-03-31", "", segments, Period{date("2026-01-01"), date("2026-03-31"), true}, ""},
		{"segments days too few", "", "", "3", segments, Period{}, "days"},
		{"segments days not a number", "", "", "ninety", segments, Period{}, "days"},
		{"segments from alone", "2026-01-05", "", "", segments, Period{}, "to"},
		{"segments from and days", "2026-01-05", "2026-02-05", "30", segments, Period{}, "days"},
		{"segments instants", "2026-01-05T00:00:00Z", "2026-02-05", "", segments, Period{}, "from"},
		{"segments too long", "2020-01-01", "2026-01-05", "", segments, Period{}, "days"},
		{"segments 730 days", "2024-01-01", "2025-12-30", "", segments, Period{date("2024-01-01"), date("2025-12-30"), true}, ""},
		{"hotspots default: Sydney's yesterday", "", "", "", hotspots, Period{date("2026-03-01"), date("2026-03-28"), true}, ""},
		{"hotspots from alone ends yesterday", "2026-03-20", "", "", hotspots, Period{date("2026-03-20"), date("2026-03-28"), true}, ""},
		{"hotspots to alone", "", "2026-03-10", "", hotspots, Period{date("2026-02-11"), date("2026-03-10"), true}, ""},
		{"hotspots 367 days", "2025-03-01", "2026-03-02", "", hotspots, Period{date("2025-03-01"), date("2026-03-02"), true}, ""},
		{"hotspots 368 days", "2025-03-01", "2026-03-03", "", hotspots, Period{}, "to"},
		{"hotspots from not a date", "yesterday", "", "", hotspots, Period{}, "from"},
		{"London across the spring change", "2026-03-29", "2026-03-29", "", PeriodRules{Location: london}, Period{date("2026-03-29"), date("2026-03-29"), true}, ""},
	} {
		got, err := ParsePeriod(c.f, c.to, c.days, now, c.r)
		if c.field != "" {
			if e, ok := err.(*Error); !ok || e.Field != c.field || e.Code != EINVALID {
				t.Errorf("%s: %v, want an invalid %s", c.name, err, c.field)
			}
			continue
		}
		if err != nil || !got.From.Equal(c.want.From) || !got.To.Equal(c.want.To) || got.Dates != c.want.Dates {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
}

// The previous period has the same length and ends the day before from
// (DESIGN.md, Periods), across month ends and both daylight-saving changes.
func TestPeriodPrevious(t *testing.T) {
	t.Parallel()
	inst := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, c := range []struct {
		p, want Period
		days    int
	}{
		{Period{date("2026-03-01"), date("2026-03-31"), true}, Period{date("2026-01-29"), date("2026-02-28"), true}, 31},
		{Period{date("2026-03-29"), date("2026-03-29"), true}, Period{date("2026-03-28"), date("2026-03-28"), true}, 1},
		{Period{date("2026-10-19"), date("2026-11-01"), true}, Period{date("2026-10-05"), date("2026-10-18"), true}, 14},
		{Period{date("2024-03-01"), date("2024-03-07"), true}, Period{date("2024-02-23"), date("2024-02-29"), true}, 7},
		{Period{inst("2026-03-29T00:00:00Z"), inst("2026-03-30T00:00:00Z"), false}, Period{inst("2026-03-28T00:00:00Z"), inst("2026-03-29T00:00:00Z"), false}, 1},
		{Period{inst("2026-10-25T00:00:00+01:00"), inst("2026-10-26T00:00:00Z"), false}, Period{inst("2026-10-23T22:00:00Z"), inst("2026-10-24T23:00:00Z"), false}, 2},
	} {
		got := c.p.Previous()
		if !got.From.Equal(c.want.From) || !got.To.Equal(c.want.To) || got.Dates != c.want.Dates || c.p.Days() != c.days {
			t.Errorf("%+v: previous %+v, days %d; want %+v, %d", c.p, got, c.p.Days(), c.want, c.days)
		}
	}
}

// Yesterday is the store's: just after midnight in Sydney it is already the
// next day there, while Los Angeles is still on the day before; on the days
// clocks change the local date is still whole.
func TestYesterday(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		now  string
		tz   string
		want string
	}{
		{"2026-10-03T14:30:00Z", "Australia/Sydney", "2026-10-03"},    // 00:30 on the 4th, AEST; clocks go forward at 02:00
		{"2026-10-04T13:30:00Z", "Australia/Sydney", "2026-10-04"},    // 00:30 AEDT on the 5th
		{"2026-03-08T07:59:00Z", "America/Los_Angeles", "2026-03-06"}, // 23:59 PST on the 7th
		{"2026-03-08T08:00:00Z", "America/Los_Angeles", "2026-03-07"}, // 00:00 PST on the 8th, the spring change
		{"2026-11-01T07:30:00Z", "America/Los_Angeles", "2026-10-31"}, // 00:30 PDT on 1 Nov, the autumn change
		{"2026-10-25T00:30:00Z", "Europe/London", "2026-10-24"},       // 01:30 BST, the first of the two 01:30s
		{"2026-10-25T01:30:00Z", "Europe/London", "2026-10-24"},       // 01:30 GMT, the second
		{"2026-10-25T23:59:00Z", "UTC", "2026-10-24"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		loc, err := time.LoadLocation(c.tz)
		if err != nil {
			t.Fatal(err)
		}
		if got := Yesterday(now, loc).Format(time.DateOnly); got != c.want {
			t.Errorf("%s in %s: yesterday %s, want %s", c.now, c.tz, got, c.want)
		}
	}
}
