package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// The store report's sections past the KPIs, each shown when its data
// exists: the open layout recommendations, the evaluations completed, and
// the week's staffing plan. Every string is escaped by html/template.
var sectionTemplates = template.Must(template.New("").Funcs(template.FuncMap{"money": decimals(2), "hours": func(n int) string { return count(float64(n)) }}).Parse(`
{{define "recommendations"}}<table><tr><th>Kind</th><th>Zones</th><th>Status</th><th>Expected effect</th><th>Rationale</th></tr>
{{range .}}<tr><td>{{.Kind}}</td><td>{{range $i, $z := .Zones}}{{if $i}}, {{end}}{{$z}}{{end}}</td><td>{{.Status}}</td>
<td>rate × {{printf "%.2f" .Expected.RateRatio}} ({{printf "%.2f" .Expected.Low}}–{{printf "%.2f" .Expected.High}}), from {{.Expected.BasedOn}} evaluated changes</td><td>{{.Rationale}}</td></tr>
{{end}}</table>{{end}}
{{define "evaluations"}}<table><tr><th>Change</th><th>Implemented</th><th>Verdict</th><th>Rate ratio (95% CI)</th><th>p-value</th><th>Method</th></tr>
{{range .}}<tr><td>{{.Kind}} {{.Description}}</td><td>{{.ImplementedAt}}</td><td>{{.Verdict}}</td><td>{{.Ratio}}</td><td>{{.P}}</td><td>{{.Method}}</td></tr>
{{end}}</table>{{end}}
{{define "staffing"}}<p>{{len .Shifts}} shifts, {{hours .PaidHours}} paid hours, cost {{money .Cost}};
expected loss in hours left uncovered {{money .UncoveredLoss}}.</p>{{end}}
`))

// evaluationLine is one completed evaluation as the report shows it.
type evaluationLine struct {
	Kind, Description, ImplementedAt, Verdict, Ratio, P, Method string
}

// storeSections builds the sections of store st's report for week.
func (r *Reports) storeSections(ctx context.Context, st ss.Store, week time.Time) ([]Section, error) {
	var out []Section
	add := func(title, name string, data any) error {
		var b bytes.Buffer
		if err := sectionTemplates.ExecuteTemplate(&b, name, data); err != nil {
			return err
		}
		out = append(out, Section{Title: title, Body: template.HTML(b.String())})
		return nil
	}
	recs, err := r.layout.Recommendations(ctx, st.Code)
	if err != nil {
		return nil, fmt.Errorf("reports: recommendations of %s: %w", st.Code, err)
	}
	var open []layout.Recommendation
	for _, rec := range recs {
		if rec.Status == "proposed" || rec.Status == "accepted" {
			open = append(open, rec)
		}
	}
	if len(open) > 0 {
		if err := add("Open layout recommendations", "recommendations", open); err != nil {
			return nil, err
		}
	}
	changes, err := r.layout.Changes(ctx, st.Code)
	if err != nil {
		return nil, fmt.Errorf("reports: layout changes of %s: %w", st.Code, err)
	}
	var done []evaluationLine
	for _, c := range changes {
		if c.Verdict == nil || *c.Verdict == "pending" || *c.Verdict == "insufficient_data" {
			continue
		}
		ev, err := r.layout.Evaluation(ctx, c.ID)
		if err != nil {
			return nil, fmt.Errorf("reports: evaluation of change %d: %w", c.ID, err)
		}
		line := evaluationLine{Kind: c.Kind, Description: c.Description, ImplementedAt: c.ImplementedAt, Verdict: ev.Verdict, Method: ev.Method}
		if ev.RateRatio != nil && ev.CILow != nil && ev.CIHigh != nil {
			line.Ratio = fmt.Sprintf("%.2f (%.2f–%.2f)", *ev.RateRatio, *ev.CILow, *ev.CIHigh)
		}
		if ev.PValue != nil {
			line.P = stats.FormatSignificant(*ev.PValue, stats.StatDigits)
		}
		done = append(done, line)
	}
	if len(done) > 0 {
		if err := add("Evaluations completed", "evaluations", done); err != nil {
			return nil, err
		}
	}
	if r.workforce != nil {
		plan, err := r.workforce.Plan(ctx, st.Code, week)
		var e *ss.Error
		switch {
		case errors.As(err, &e) && e.Code == ss.ENOTFOUND:
		case err != nil:
			return nil, fmt.Errorf("reports: staffing plan of %s: %w", st.Code, err)
		default:
			if err := add("Staffing plan", "staffing", plan); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// SetWorkforce lets the store reports summarise each week's staffing plan.
func (r *Reports) SetWorkforce(w *workforce.Service) { r.workforce = w }
