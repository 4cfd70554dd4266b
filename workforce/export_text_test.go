package workforce

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestExportsNeutraliseFormulas writes a plan whose text cells start with
// formula characters: the CSV and the XLSX carry them prefixed with a single
// quote, and the figures stay numbers.
func TestExportsNeutraliseFormulas(t *testing.T) {
	t.Parallel()
	p := &Plan{Store: "=1+1", Week: "2026-03-02",
		Shifts: []PlanShift{{Day: "2026-03-02", Start: "08:00", End: "16:00", Hours: 8, Headcount: 2, Role: "@SUM(1,1)"}},
		Hours:  []PlanHour{{Date: "2026-03-02", Hour: 8, Open: true, ForecastEvents: 1.5, Required: 2, Scheduled: 2, Short: -1}},
	}
	var b bytes.Buffer
	if err := p.WriteCSV(&b, false); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[1]; got[0] != "'=1+1" || got[8] != "'@SUM(1,1)" || got[5] != "8" {
		t.Errorf("shift CSV row %q, want store '=1+1, role '@SUM(1,1), hours 8", got)
	}
	b.Reset()
	if err := p.WriteCSV(&b, true); err != nil {
		t.Fatal(err)
	}
	if recs, _ = csv.NewReader(&b).ReadAll(); recs[1][0] != "'=1+1" || recs[1][10] != "-1" {
		t.Errorf("hourly CSV row %q, want store '=1+1 and short -1 as a number", recs[1])
	}
	b.Reset()
	if err := p.WriteXLSX(&b, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, c := range []struct{ sheet, cell, want string }{
		{"Shifts", "A2", "'=1+1"}, {"Shifts", "I2", "'@SUM(1,1)"}, {"Hourly", "A2", "'=1+1"},
	} {
		got, err := x.GetCellValue(c.sheet, c.cell)
		if err != nil || got != c.want {
			t.Errorf("%s!%s = %q (%v), want %q", c.sheet, c.cell, got, err, c.want)
		}
		if f, _ := x.GetCellFormula(c.sheet, c.cell); f != "" {
			t.Errorf("%s!%s holds formula %q", c.sheet, c.cell, f)
		}
	}
	if typ, _ := x.GetCellType("Hourly", "K2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("Hourly!K2 (short -1) is text, want a number")
	}
}
