package segments

import (
	"fmt"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
)

// segRationale writes the explanation of a decided segment from its own
// returns only, so that it cannot disagree with them: the risk clause, then
// the recommended model with its net, prevented loss, cost and friction,
// then every other model's net or the reason it is not possible.
func segRationale(seg *Segment, r *segRiskResult, n int) string {
	var b strings.Builder
	b.WriteString(r.phrase)
	b.WriteString(". ")
	if seg.NoModelPays {
		var nets []string
		for _, m := range segModels {
			o := seg.Returns[m]
			switch {
			case o.Feasible:
				nets = append(nets, fmt.Sprintf("%s %s", segModelName(m), segMoney(o.Net)))
			default:
				nets = append(nets, fmt.Sprintf("%s %s (not possible: %s)", segModelName(m), segMoney(o.Net), o.Reason))
			}
		}
		fmt.Fprintf(&b, "No model pays here: no model's net return is positive (%s a year), so none is recommended. The store runs %s today.",
			strings.Join(nets, ", "), segModelName(seg.Current))
		return b.String()
	}
	rec := seg.Returns[seg.Recommended]
	fmt.Fprintf(&b, "%s has the best net return of the models the store can run, %s a year: it prevents %s of loss, costs %s",
		segCapital(segModelName(seg.Recommended)), segMoney(rec.Net), segMoney(rec.PreventedLoss), segMoney(rec.Cost))
	if rec.StaffingCost > 0 {
		fmt.Fprintf(&b, " (%s of technology, %s of staff time: %s)",
			segMoney(rec.TechnologyCost), segMoney(rec.StaffingCost), segHours(seg.Recommended, &rec))
	}
	fmt.Fprintf(&b, " and adds %s of customer friction", segMoney(rec.FrictionCost))
	if rec.FrictionCost > 0 {
		fmt.Fprintf(&b, " (%s false interventions", segMoney(rec.FalseInterventions))
		if rec.Blocks > 0 {
			fmt.Fprintf(&b, ", %s checkout blocks", segMoney(rec.Blocks))
		}
		b.WriteString(")")
	}
	b.WriteString(". ")
	var others []string
	for _, m := range segModels {
		if m == seg.Recommended {
			continue
		}
		o := seg.Returns[m]
		if o.Feasible {
			others = append(others, fmt.Sprintf("%s would net %s", segModelName(m), segMoney(o.Net)))
		} else {
			others = append(others, fmt.Sprintf("%s is not possible (%s; it would net %s)", segModelName(m), o.Reason, segMoney(o.Net)))
		}
	}
	b.WriteString(segCapital(strings.Join(others, "; ")))
	b.WriteString(".")
	if seg.Mismatch {
		fmt.Fprintf(&b, " The store runs %s today.", segModelName(seg.Current))
	}
	return b.String()
}

// segHours names the staff hours a year behind a model's staffing cost.
func segHours(m ss.OperatingModel, r *ModelReturn) string {
	var parts []string
	if r.OperatorHours > 0 {
		parts = append(parts, segMoney(r.OperatorHours)+" SOC operator hours")
	}
	if r.FloorHours > 0 {
		floor := " hours of a responder on the floor"
		if m == ss.ModelCheckout {
			floor = " hours of a colleague at the tills"
		}
		parts = append(parts, segMoney(r.FloorHours)+floor)
	}
	return strings.Join(parts, " and ")
}

// segInsufficientRationale says why a store gets no recommendation.
func segInsufficientRationale(d *Data) string {
	return fmt.Sprintf("Too little data to recommend a model: figures on %d %s of the window (needs %d) and %s %s (needs %s).",
		d.Days, segPlural(d.Days, "day", "days"), d.NeededDays,
		segMoney(d.Events), segPlural(int(d.Events), "concealment", "concealments"), segMoney(d.NeededEvts))
}

func segModelName(m ss.OperatingModel) string {
	switch m {
	case ss.ModelSOC:
		return "a SOC"
	case ss.ModelCheckout:
		return "checkout validation"
	case ss.ModelDetection:
		return "detection-led analytics"
	case "":
		return "no model"
	}
	return fmt.Sprintf("%q", string(m))
}

// segCapital upper-cases the first letter of s (ASCII).
func segCapital(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
