package reports

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/workforce"
)

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// scriptMarker is where a stored document gets the ECharts script.
const scriptMarker = `<meta name="shrinkscope-echarts">`

// Section is an extra part of a report, shown when its data exists (open
// recommendations, evaluations, staffing plans come from other packages).
type Section struct {
	Title string
	Body  template.HTML
}

// Reports writes and reads the weekly report snapshots.
type Reports struct {
	pool      *pgxpool.Pool
	kpis      *kpi.KPIs
	layout    *layout.Service
	workforce *workforce.Service // nil: reports carry no staffing section
	findings  *findings.Service  // nil: reports do not open with findings
}

// SetFindings lets each store report open with its week's findings.
func (r *Reports) SetFindings(f *findings.Service) { r.findings = f }

// NewReports returns the snapshot service on pool.
func NewReports(pool *pgxpool.Pool, kpis *kpi.KPIs, lay *layout.Service) *Reports {
	return &Reports{pool: pool, kpis: kpis, layout: lay}
}

// Snapshot is a stored report, without its document.
type Snapshot struct {
	ID        int64     `json:"id" db:"id"`
	Store     *string   `json:"store" db:"store"` // nil: the estate report
	Week      time.Time `json:"-" db:"week"`
	WeekStr   string    `json:"week" db:"-"`
	Title     string    `json:"title" db:"title"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// LastWeek is the Monday of the last ISO week that had ended by now in every time zone.
func LastWeek(now time.Time) time.Time {
	d := now.UTC().Add(-14 * time.Hour) // the furthest-behind zone's clock, UTC-12, less a margin
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	monday := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, -7)
}

// WriteWeek writes the report of the week starting Monday week for every
// store and the estate, where not already written, and returns how many it
// wrote. Written snapshots are never replaced.
func (r *Reports) WriteWeek(ctx context.Context, week time.Time) (int, error) {
	if week.Weekday() != time.Monday {
		return 0, ss.Errorf(ss.EINVALID, "week", "a report week starts on a Monday, got %s", week.Format(time.DateOnly))
	}
	stores, err := r.layout.Stores(ctx, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range stores {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		d, err := r.storeDoc(ctx, st, week)
		if err != nil {
			return n, fmt.Errorf("reports: store %s week %s: %w", st.Code, week.Format(time.DateOnly), err)
		}
		ok, err := r.insert(ctx, &st.ID, &st.Code, week, d)
		if err != nil {
			return n, err
		}
		n += b2i(ok)
	}
	d, err := r.estateDoc(ctx, stores, week)
	if err != nil {
		return n, fmt.Errorf("reports: estate week %s: %w", week.Format(time.DateOnly), err)
	}
	ok, err := r.insert(ctx, nil, nil, week, d)
	return n + b2i(ok), err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// insert stores a snapshot and, in the same transaction, its report.created
// deliveries; it reports false when the week's snapshot already existed.
func (r *Reports) insert(ctx context.Context, store *int64, code *string, week time.Time, d *doc) (bool, error) {
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, d); err != nil {
		return false, fmt.Errorf("reports: render: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("reports: store snapshot %q: %w", d.Title, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO report_snapshots (store_id, week, title, html, sha256) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (coalesce(store_id, 0), week) DO NOTHING RETURNING id`, store, week, d.Title, buf.String(), sum[:]).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reports: store snapshot %q: %w", d.Title, err)
	}
	if err := enqueue(ctx, tx, EventReportCreated, reportCreated{
		ReportID: id, Store: code, Week: week.Format(time.DateOnly), Title: d.Title,
		SHA256: hex.EncodeToString(sum[:]), Path: fmt.Sprintf("/api/v1/reports/%d", id),
	}); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("reports: store snapshot %q: %w", d.Title, err)
	}
	return true, nil
}

// reportCreated is the data of a report.created event.
type reportCreated struct {
	ReportID int64   `json:"report_id"`
	Store    *string `json:"store"` // null: the estate report
	Week     string  `json:"week"`
	Title    string  `json:"title"`
	SHA256   string  `json:"sha256"` // of the stored document
	Path     string  `json:"path"`   // where the document is served
}

// List returns the snapshots of store code, or of the estate when code is "".
func (r *Reports) List(ctx context.Context, code string) ([]Snapshot, error) {
	rows, err := r.pool.Query(ctx, `SELECT r.id, s.code AS store, r.week, r.title, r.created_at
FROM report_snapshots r LEFT JOIN store_directory s ON s.id = r.store_id
WHERE CASE WHEN $1 = '' THEN r.store_id IS NULL ELSE s.code = $1 END ORDER BY r.week DESC`, code)
	if err != nil {
		return nil, fmt.Errorf("reports: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Snapshot])
	if err != nil {
		return nil, fmt.Errorf("reports: list: %w", err)
	}
	for i := range out {
		out[i].WeekStr = out[i].Week.Format(time.DateOnly)
	}
	if out == nil {
		out = []Snapshot{}
	}
	return out, nil
}

// Store returns snapshot id's store code, "" for the estate's, or an
// ENOTFOUND error: what a caller must be able to see to read it.
func (r *Reports) Store(ctx context.Context, id int64) (string, error) {
	var code *string
	err := r.pool.QueryRow(ctx, `SELECT s.code FROM report_snapshots r LEFT JOIN store_directory s ON s.id = r.store_id WHERE r.id = $1`, id).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ss.Errorf(ss.ENOTFOUND, "id", "no report %d", id)
	}
	if err != nil {
		return "", fmt.Errorf("reports: store of report %d: %w", id, err)
	}
	if code == nil {
		return "", nil
	}
	return *code, nil
}

// Document returns snapshot id's store code ("" for the estate) and its
// self-contained HTML, the ECharts script inlined.
func (r *Reports) Document(ctx context.Context, id int64) (string, []byte, error) {
	var code *string
	var html string
	err := r.pool.QueryRow(ctx, `SELECT s.code, r.html FROM report_snapshots r LEFT JOIN store_directory s ON s.id = r.store_id WHERE r.id = $1`, id).Scan(&code, &html)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ss.Errorf(ss.ENOTFOUND, "id", "no report %d", id)
	}
	if err != nil {
		return "", nil, fmt.Errorf("reports: document %d: %w", id, err)
	}
	c := ""
	if code != nil {
		c = *code
	}
	return c, Inline(html), nil
}

// Inline puts the ECharts script into a stored document.
func Inline(html string) []byte {
	head, tail, _ := strings.Cut(html, scriptMarker)
	var b bytes.Buffer
	b.Grow(len(html) + len(echartsJS) + 32)
	b.WriteString(head)
	b.WriteString("<script>")
	b.Write(echartsJS)
	b.WriteString("</script>")
	b.WriteString(tail)
	return b.Bytes()
}
