package workforce

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/sheet"
)

// Column headers of the plan files, in order. Times are the store's local
// times; utc_offset is the offset in force at the row's start hour, so the
// hour a DST change repeats (01:00 twice in an autumn week in London) reads
// as two different hours.
var (
	ShiftColumns = []string{"store", "day", "start", "utc_offset", "end", "hours", "headcount", "paid_hours", "role"}
	HourColumns  = []string{"store", "date", "hour", "utc_offset", "open", "forecast_events", "forecast_alerts", "forecast_loss",
		"required", "scheduled", "short", "uncovered_loss", "operators", "currency"}
)

// location is the plan's time zone; a plan whose zone this machine does not
// know (it was built here, so it should) reads in UTC.
func (p *Plan) location() *time.Location {
	if loc, err := time.LoadLocation(p.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// offset formats t's UTC offset in loc as ±hh:mm.
func offset(t time.Time, loc *time.Location) string { return t.In(loc).Format("-07:00") }

func (p *Plan) shiftRows() [][]string {
	loc := p.location()
	rows := make([][]string, 0, len(p.Shifts))
	for _, s := range p.Shifts {
		rows = append(rows, []string{sheet.Text(p.Store), s.Day, s.Start, offset(s.StartsAt, loc), s.End, strconv.Itoa(s.Hours),
			strconv.Itoa(s.Headcount), strconv.Itoa(s.Hours * s.Headcount), sheet.Text(s.Role)})
	}
	return rows
}

func (p *Plan) hourRows() [][]string {
	loc := p.location()
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	money := func(x float64) string { return strconv.FormatFloat(x, 'f', p.Currency.StoredDecimals(), 64) } // in p.Currency
	rows := make([][]string, 0, len(p.Hours))
	for _, h := range p.Hours {
		rows = append(rows, []string{sheet.Text(p.Store), h.Date, fmt.Sprintf("%02d:00", h.Hour), offset(h.Start, loc), strconv.FormatBool(h.Open),
			f(h.ForecastEvents), f(h.ForecastAlerts), money(h.ForecastLoss), strconv.Itoa(h.Required),
			strconv.Itoa(h.Scheduled), strconv.Itoa(h.Short), money(h.UncoveredLoss), strconv.Itoa(h.Operators), string(p.Currency)})
	}
	return rows
}

// WriteCSV writes the plan's shifts (one row per shift) or, with hourly, its
// hourly table, with a header row; times are the store's local times, each
// row with its UTC offset.
func (p *Plan) WriteCSV(w io.Writer, hourly bool) error {
	cw := csv.NewWriter(w)
	head, rows := ShiftColumns, p.shiftRows()
	if hourly {
		head, rows = HourColumns, p.hourRows()
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// WriteZip writes every plan into one zip, a file per store named
// <store>-<week>.<format> (format csv: shifts and an -hourly.csv each),
// each entry dated made (the time the files were generated).
func WriteZip(w io.Writer, plans []Plan, format string, made time.Time) error {
	z := zip.NewWriter(w)
	for i := range plans {
		p := &plans[i]
		base := p.Store + "-" + p.Week
		var err error
		if format == "csv" {
			err = zipFile(z, base+".csv", made, func(w io.Writer) error { return p.WriteCSV(w, false) })
			if err == nil {
				err = zipFile(z, base+"-hourly.csv", made, func(w io.Writer) error { return p.WriteCSV(w, true) })
			}
		} else {
			err = zipFile(z, base+".xlsx", made, func(w io.Writer) error { return p.WriteXLSX(w, made) })
		}
		if err != nil {
			return err
		}
	}
	return z.Close()
}

func zipFile(z *zip.Writer, name string, made time.Time, write func(io.Writer) error) error {
	// Without Modified an entry is dated 1980-00-00; with it, the zip holds
	// the MS-DOS local time and an extended timestamp in UTC.
	f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: made})
	if err != nil {
		return err
	}
	return write(f)
}
