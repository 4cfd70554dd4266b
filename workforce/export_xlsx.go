package workforce

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shrinkscope/shrinkscope/internal/sheet"
)

// Number formats of the plan workbook's typed cells.
const (
	xlsxDate    = "yyyy-mm-dd"
	xlsxClock   = "hh:mm"
	xlsxInt     = "0"
	xlsxDecimal = "#,##0.00"
	xlsxCount   = "#,##0.##"
)

// xlsxCol is one column of a plan sheet: its header, number format ("" for
// text and booleans), whether the totals row sums it, and its cell of row i.
type xlsxCol struct {
	head   string
	format string
	total  bool
	cell   func(i int) any
}

// excelEpoch is day 0 of the 1900 date system as spreadsheets count it
// (1899-12-30, which absorbs Lotus's missing 1900-02-29).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelDate is a local date (YYYY-MM-DD) as a spreadsheet date serial.
func excelDate(s string) any {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return float64(d.Sub(excelEpoch) / (24 * time.Hour))
}

// excelClock is a local HH:MM as a spreadsheet time (a fraction of a day).
func excelClock(s string) any {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return s
	}
	return float64(t.Hour()*60+t.Minute()) / 1440
}

func (p *Plan) shiftCols() []xlsxCol {
	loc, sh := p.location(), p.Shifts
	return []xlsxCol{
		{"store", "", false, func(int) any { return sheet.Text(p.Store) }},
		{"day", xlsxDate, false, func(i int) any { return excelDate(sh[i].Day) }},
		{"start", xlsxClock, false, func(i int) any { return excelClock(sh[i].Start) }},
		{"utc_offset", "", false, func(i int) any { return offset(sh[i].StartsAt, loc) }},
		{"end", xlsxClock, false, func(i int) any { return excelClock(sh[i].End) }},
		{"hours", xlsxInt, false, func(i int) any { return sh[i].Hours }},
		{"headcount", xlsxInt, true, func(i int) any { return sh[i].Headcount }},
		{"paid_hours", xlsxInt, true, func(i int) any { return sh[i].Hours * sh[i].Headcount }},
		{"role", "", false, func(i int) any { return sheet.Text(sh[i].Role) }},
	}
}

func (p *Plan) hourCols() []xlsxCol {
	loc, hs := p.location(), p.Hours
	return []xlsxCol{
		{"store", "", false, func(int) any { return sheet.Text(p.Store) }},
		{"date", xlsxDate, false, func(i int) any { return excelDate(hs[i].Date) }},
		{"hour", xlsxClock, false, func(i int) any { return float64(hs[i].Hour) / 24 }},
		{"utc_offset", "", false, func(i int) any { return offset(hs[i].Start, loc) }},
		{"open", "", false, func(i int) any { return hs[i].Open }},
		{"forecast_events", xlsxCount, true, func(i int) any { return hs[i].ForecastEvents }},
		{"forecast_alerts", xlsxCount, true, func(i int) any { return hs[i].ForecastAlerts }},
		{"forecast_loss", p.moneyFormat(), true, func(i int) any { return hs[i].ForecastLoss }},
		{"required", xlsxInt, true, func(i int) any { return hs[i].Required }},
		{"scheduled", xlsxInt, true, func(i int) any { return hs[i].Scheduled }},
		{"short", xlsxInt, true, func(i int) any { return hs[i].Short }},
		{"uncovered_loss", p.moneyFormat(), true, func(i int) any { return hs[i].UncoveredLoss }},
		{"operators", xlsxInt, true, func(i int) any { return hs[i].Operators }},
		{"currency", "", false, func(int) any { return sheet.Text(string(p.Currency)) }}, // of the losses
	}
}

// moneyFormat shows amounts of the plan's currency with its minor unit's
// decimals: yen whole, pounds to the penny.
func (p *Plan) moneyFormat() string {
	if p.Currency.StoredDecimals() == 0 {
		return "#,##0"
	}
	return xlsxDecimal
}

// WriteXLSX writes a workbook with a Shifts and an Hourly sheet: a frozen
// header row, typed cells (dates, times and numbers with their formats,
// open as a boolean), a totals row, then the store's time zone, in which
// every date and time of the sheet is read. The workbook and each of its
// parts are dated made, the time it was generated.
func (p *Plan) WriteXLSX(w io.Writer, made time.Time) error {
	x := excelize.NewFile()
	defer x.Close()
	stamp := made.UTC().Format(time.RFC3339)
	if err := x.SetDocProps(&excelize.DocProperties{Created: stamp, Modified: stamp, Creator: "shrinkscope",
		Title: "Staffing plan " + p.Store + " " + p.Week}); err != nil {
		return err
	}
	if err := x.SetSheetName("Sheet1", "Shifts"); err != nil {
		return err
	}
	if _, err := x.NewSheet("Hourly"); err != nil {
		return err
	}
	st, err := newXLSXStyles(x)
	if err != nil {
		return err
	}
	for _, sh := range []struct {
		name string
		cols []xlsxCol
		n    int
	}{{"Shifts", p.shiftCols(), len(p.Shifts)}, {"Hourly", p.hourCols(), len(p.Hours)}} {
		if err := writeSheet(x, st, sh.name, sh.cols, sh.n, p.Timezone, p.AsOf); err != nil {
			return fmt.Errorf("workforce: sheet %s: %w", sh.name, err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return err
	}
	return redate(w, buf.Bytes(), made)
}

// redate copies the zip in b to w with every entry dated made: excelize
// leaves its parts at the zip format's zero date, 1980-00-00.
func redate(w io.Writer, b []byte, made time.Time) error {
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	for _, f := range r.File {
		// CreateHeader, not CreateRaw: only it writes Modified's dates.
		out, err := z.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method, Modified: made})
		if err != nil {
			return err
		}
		in, err := f.Open()
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		in.Close()
		if err != nil {
			return err
		}
	}
	return z.Close()
}

// xlsxStyles are the workbook's style ids: bold for the header and totals,
// and one per number format, plain and bold.
type xlsxStyles struct {
	bold   int
	format map[string][2]int // format → plain, bold
}

func newXLSXStyles(x *excelize.File) (*xlsxStyles, error) {
	st := &xlsxStyles{format: map[string][2]int{}}
	var err error
	if st.bold, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	for _, f := range []string{xlsxDate, xlsxClock, xlsxInt, xlsxDecimal, xlsxCount} {
		nf := f
		plain, err := x.NewStyle(&excelize.Style{CustomNumFmt: &nf})
		if err != nil {
			return nil, err
		}
		bold, err := x.NewStyle(&excelize.Style{CustomNumFmt: &nf, Font: &excelize.Font{Bold: true}})
		if err != nil {
			return nil, err
		}
		st.format[f] = [2]int{plain, bold}
	}
	return st, nil
}

// writeSheet writes the header, n rows, the totals row after them, the
// time zone two rows below and, when asOf is set, "data as of" under it.
func writeSheet(x *excelize.File, st *xlsxStyles, name string, cols []xlsxCol, n int, tz string, asOf time.Time) error {
	set := func(c, r int, v any, style int) error {
		cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
		if err := x.SetCellValue(name, cell, v); err != nil {
			return err
		}
		if style == 0 {
			return nil
		}
		return x.SetCellStyle(name, cell, cell, style)
	}
	sums := make([]float64, len(cols))
	for c, col := range cols {
		if err := set(c, 0, col.head, st.bold); err != nil {
			return err
		}
		for i := range n {
			v := col.cell(i)
			if col.total {
				sums[c] += number(v)
			}
			if err := set(c, i+1, v, st.format[col.format][0]); err != nil {
				return err
			}
		}
	}
	total := n + 1
	if err := set(0, total, "Total", st.bold); err != nil {
		return err
	}
	for c, col := range cols {
		if !col.total {
			continue
		}
		// Sums of two-decimal figures carry float noise; the sheet shows
		// cents, so the total is stored in cents too.
		v := sums[c]
		if col.format == xlsxDecimal {
			v = math.Round(v*100) / 100
		}
		if err := set(c, total, v, st.format[col.format][1]); err != nil {
			return err
		}
	}
	if err := set(0, total+2, "time zone", st.bold); err != nil {
		return err
	}
	if err := set(1, total+2, tz+" (local dates and times; utc_offset per row)", 0); err != nil {
		return err
	}
	if !asOf.IsZero() {
		if err := set(0, total+3, "data as of", st.bold); err != nil {
			return err
		}
		if err := set(1, total+3, asOf.UTC().Format(time.RFC3339)+" (UTC: every change recorded up to then is in this sheet)", 0); err != nil {
			return err
		}
	}
	for c, col := range cols {
		wd := len(col.head)
		switch col.format {
		case xlsxDate:
			wd = max(wd, 10)
		case xlsxDecimal:
			wd = max(wd, 10)
		case "":
			if n > 0 {
				wd = max(wd, len(fmt.Sprint(col.cell(0))))
			}
		}
		cn, _ := excelize.ColumnNumberToName(c + 1)
		if err := x.SetColWidth(name, cn, cn, float64(wd)+2); err != nil {
			return err
		}
	}
	return x.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// number is a cell's numeric value, for the totals.
func number(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return 0
}
