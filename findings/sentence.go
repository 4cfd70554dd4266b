package findings

import (
	"fmt"
	"strconv"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
)

var days = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// BlockLabel names a block of the week for people: "Friday 18–21 h".
func BlockLabel(b int) string {
	if b < 0 || b >= Blocks {
		return ""
	}
	h := (b % 8) * 3
	return fmt.Sprintf("%s %02d–%02d h", days[b/8], h, h+3)
}

var ordinals = []string{"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}

// Sentence says a finding in one sentence for people, e.g. "Z07 Spirits,
// Friday 18–21 h: 14 events against 4.1 expected (3.4×), third week
// running."
func Sentence(f Stored) string {
	var b strings.Builder
	switch {
	case f.Series.Zone != "":
		b.WriteString(f.Series.Zone)
		if f.ZoneName != "" {
			b.WriteString(" " + f.ZoneName)
		}
	case f.Series.Method != "":
		b.WriteString("Concealment by " + strings.ReplaceAll(f.Series.Method, "_", " "))
	}
	if f.BlockLabel != "" {
		b.WriteString(", " + f.BlockLabel)
	}
	b.WriteString(": ")
	b.WriteString(count(f.Observed))
	if f.Weeks > 1 {
		fmt.Fprintf(&b, " in the last %d weeks", f.Weeks)
	}
	fmt.Fprintf(&b, " against %s expected", number(f.Expected))
	switch {
	case f.Ratio == nil:
		b.WriteString(" (none before)")
	default:
		fmt.Fprintf(&b, " (%s×)", ratio(*f.Ratio))
	}
	if f.Running > 1 {
		if f.Running < len(ordinals) {
			fmt.Fprintf(&b, ", %s week running", ordinals[f.Running])
		} else {
			fmt.Fprintf(&b, ", %d weeks running", f.Running)
		}
	}
	if f.Direction == string(Down) {
		b.WriteString(": fewer than usual")
	}
	b.WriteString(".")
	return b.String()
}

func count(n int64) string {
	if n == 1 {
		return "1 event"
	}
	return ss.GroupThousands(strconv.FormatInt(n, 10)) + " events"
}

// number is x with one decimal, or none from 100 on, with thousands separators.
func number(x float64) string {
	if x >= 100 {
		return ss.GroupThousands(strconv.FormatFloat(x, 'f', 0, 64))
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// ratio is x to two significant digits ("3.4", "0.24", "12").
func ratio(x float64) string {
	if x >= 10 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 2, 64)
}
