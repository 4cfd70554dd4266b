package workforce

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shrinkscope/shrinkscope/internal/sheet"
)

// Column headers of the plan files, in order.
var (
	ShiftColumns = []string{"store", "day", "start", "end", "hours", "headcount", "role"}
	HourColumns  = []string{"store", "date", "hour", "open", "forecast_events", "forecast_alerts", "forecast_loss",
		"required", "scheduled", "short", "uncovered_loss", "operators", "currency"}
)

func (p *Plan) shiftRows() [][]string {
	rows := make([][]string, 0, len(p.Shifts))
	for _, s := range p.Shifts {
		rows = append(rows, []string{sheet.Text(p.Store), s.Day, s.Start, s.End, strconv.Itoa(s.Hours), strconv.Itoa(s.Headcount), sheet.Text(s.Role)})
	}
	return rows
}

func (p *Plan) hourRows() [][]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	money := func(x float64) string { return strconv.FormatFloat(x, 'f', p.Currency.StoredDecimals(), 64) } // in p.Currency
	rows := make([][]string, 0, len(p.Hours))
	for _, h := range p.Hours {
		rows = append(rows, []string{sheet.Text(p.Store), h.Date, fmt.Sprintf("%02d:00", h.Hour), strconv.FormatBool(h.Open),
			f(h.ForecastEvents), f(h.ForecastAlerts), money(h.ForecastLoss), strconv.Itoa(h.Required),
			strconv.Itoa(h.Scheduled), strconv.Itoa(h.Short), money(h.UncoveredLoss), strconv.Itoa(h.Operators), string(p.Currency)})
	}
	return rows
}

// WriteCSV writes the plan's shifts (one row per shift) or, with hourly, its
// hourly table, with a header row; times are the store's local times.
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

// WriteXLSX writes a workbook with a Shifts and an Hourly sheet, header rows
// frozen, numbers as numbers and columns wide enough for their contents.
func (p *Plan) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", "Shifts"); err != nil {
		return err
	}
	if _, err := x.NewSheet("Hourly"); err != nil {
		return err
	}
	for _, sh := range []struct {
		name string
		head []string
		rows [][]string
	}{{"Shifts", ShiftColumns, p.shiftRows()}, {"Hourly", HourColumns, p.hourRows()}} {
		if err := writeSheet(x, sh.name, sh.head, sh.rows); err != nil {
			return fmt.Errorf("workforce: sheet %s: %w", sh.name, err)
		}
	}
	return x.Write(w)
}

func writeSheet(x *excelize.File, name string, head []string, rows [][]string) error {
	width := make([]int, len(head))
	all := append([][]string{head}, rows...)
	for r, row := range all {
		vals := make([]any, len(row))
		for c, v := range row {
			width[c] = max(width[c], len(v))
			vals[c] = v
			if r > 0 && c > 0 {
				if n, err := strconv.ParseFloat(v, 64); err == nil && v != "" && !isClock(v) {
					vals[c] = n
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := x.SetSheetRow(name, cell, &vals); err != nil {
			return err
		}
	}
	for c, wd := range width {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if err := x.SetColWidth(name, col, col, float64(wd)+2); err != nil {
			return err
		}
	}
	return x.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func isClock(s string) bool { _, err := time.Parse("15:04", s); return err == nil }

// WriteZip writes every plan into one zip, a file per store named
// <store>-<week>.<format> (format csv: shifts and an -hourly.csv each).
func WriteZip(w io.Writer, plans []Plan, format string) error {
	z := zip.NewWriter(w)
	for i := range plans {
		p := &plans[i]
		base := p.Store + "-" + p.Week
		var err error
		if format == "csv" {
			err = zipFile(z, base+".csv", func(w io.Writer) error { return p.WriteCSV(w, false) })
			if err == nil {
				err = zipFile(z, base+"-hourly.csv", func(w io.Writer) error { return p.WriteCSV(w, true) })
			}
		} else {
			err = zipFile(z, base+".xlsx", p.WriteXLSX)
		}
		if err != nil {
			return err
		}
	}
	return z.Close()
}

func zipFile(z *zip.Writer, name string, write func(io.Writer) error) error {
	f, err := z.Create(name)
	if err != nil {
		return err
	}
	return write(f)
}
