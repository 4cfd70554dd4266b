package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// ChangeInput is a layout change as a merchandiser reports it.
type ChangeInput struct {
	Zones          []string `json:"zones"`
	ImplementedAt  string   `json:"implemented_at"` // local date, YYYY-MM-DD
	Kind           string   `json:"kind"`
	Description    string   `json:"description"`
	Recommendation *int64   `json:"recommendation"`
	BeforeDays     *int     `json:"before_days"` // default Config.BeforeDays
	AfterDays      *int     `json:"after_days"`  // default Config.AfterDays
	GapDays        *int     `json:"gap_days"`    // default Config.GapDays
	// Properties are the zone properties the change set, by zone code, over
	// what its kind does (ZoneAfter). They are the planogram of
	// the change's layout version and of the zones from then on.
	Properties map[string]ZoneProperties `json:"properties,omitempty"`
}

// ZoneProperties are the planogram properties of a zone a change may set;
// a nil field keeps the zone's.
type ZoneProperties struct {
	Fixture         *string        `json:"fixture,omitempty"`
	Visibility      *ss.Visibility `json:"visibility,omitempty"`
	StaffedDistance *float64       `json:"staffed_distance_m,omitempty"`
	Category        *string        `json:"category,omitempty"`
	UnitValue       *float64       `json:"unit_value,omitempty"`
}

// ZoneAfter is what a change of kind does to zone z where the change does
// not say (zones holds the change's zones as they were, in its order):
// protective fixtures lock its goods (fixture locked_case), better sight
// lines open it up (visibility open), a swap exchanges the categories and
// unit values of its two zones. A relocation, a move to the checkout,
// staff presence and signage change no recorded property on their own:
// the merchandiser says where goods went in Properties.
func ZoneAfter(kind string, z ss.Zone, zones []ss.Zone) ss.Zone {
	switch kind {
	case KindProtective:
		if !slices.Contains(protectiveFixtures, z.Fixture) {
			z.Fixture = "locked_case"
		}
	case KindSightlines:
		z.Visibility = ss.VisibilityOpen
	case KindSwap:
		if len(zones) == 2 {
			other := zones[0]
			if other.Code == z.Code {
				other = zones[1]
			}
			z.Category, z.UnitValue = other.Category, other.UnitValue
		}
	}
	return z
}

// props are the properties a change may set, comparable.
func props(z ss.Zone) [5]any {
	return [5]any{z.Fixture, z.Visibility, z.StaffedDistance, z.Category, z.UnitValue}
}

// apply is z with p's fields set.
func (p ZoneProperties) apply(z ss.Zone) ss.Zone {
	if p.Fixture != nil {
		z.Fixture = *p.Fixture
	}
	if p.Visibility != nil {
		z.Visibility = *p.Visibility
	}
	if p.StaffedDistance != nil {
		z.StaffedDistance = *p.StaffedDistance
	}
	if p.Category != nil {
		z.Category = *p.Category
	}
	if p.UnitValue != nil {
		z.UnitValue = *p.UnitValue
	}
	return z
}

// Change is a stored layout change.
type Change struct {
	ID             int64     `json:"id"`
	Store          string    `json:"store"`
	Zones          []string  `json:"zones"`
	Kind           string    `json:"kind"`
	Description    string    `json:"description"`
	ImplementedAt  string    `json:"implemented_at"`
	Recommendation *int64    `json:"recommendation"`
	LayoutVersion  int       `json:"layout_version"`
	BeforeDays     int       `json:"before_days"`
	AfterDays      int       `json:"after_days"`
	GapDays        int       `json:"gap_days"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	Verdict        *string   `json:"verdict"` // the stored evaluation's, if any

	storeID int64
	loc     *time.Location
}

// windows returns the before and after windows of the change as local dates.
func (c *Change) windows() (bFrom, bTo, aFrom, aTo time.Time) {
	d, _ := time.Parse(time.DateOnly, c.ImplementedAt)
	return d.AddDate(0, 0, -c.BeforeDays), d.AddDate(0, 0, -1),
		d.AddDate(0, 0, c.GapDays), d.AddDate(0, 0, c.GapDays+c.AfterDays-1)
}

// localToday is the store's local calendar date at now, as 00:00 UTC.
func localToday(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// validate checks the input against the store; zones maps the store's zone
// codes to whether they are retired.
func (in *ChangeInput) validate(cfg Config, today time.Time, zones map[string]bool) (time.Time, [3]int, error) {
	var win [3]int
	if len(in.Zones) == 0 {
		return time.Time{}, win, ss.Errorf(ss.EINVALID, "zones", "zones must name at least one zone of the store")
	}
	seen := map[string]bool{}
	for i, z := range in.Zones {
		retired, ok := zones[z]
		if !ok || retired {
			return time.Time{}, win, ss.Errorf(ss.EINVALID, fmt.Sprintf("zones[%d]", i), "unknown zone %q in this store", z)
		}
		if seen[z] {
			return time.Time{}, win, ss.Errorf(ss.EINVALID, fmt.Sprintf("zones[%d]", i), "zone %q is listed twice", z)
		}
		seen[z] = true
	}
	d, err := time.Parse(time.DateOnly, in.ImplementedAt)
	if err != nil {
		return time.Time{}, win, ss.Errorf(ss.EINVALID, "implemented_at", "implemented_at must be a date YYYY-MM-DD, got %q", in.ImplementedAt)
	}
	if err := ss.CheckDate("implemented_at", d); err != nil {
		return time.Time{}, win, err
	}
	if d.After(today) {
		return time.Time{}, win, ss.Errorf(ss.EINVALID, "implemented_at", "implemented_at %s is in the future (the store's date is %s)", in.ImplementedAt, today.Format(time.DateOnly))
	}
	if !validKind(in.Kind) {
		return time.Time{}, win, ss.Errorf(ss.EINVALID, "kind", "kind must be one of %s, got %q", strings.Join(ChangeKinds, ", "), in.Kind)
	}
	if err := ss.CheckText("description", in.Description, 2000); err != nil {
		return time.Time{}, win, err
	}
	for code, p := range in.Properties {
		field := "properties." + code
		if !seen[code] {
			return time.Time{}, win, ss.Errorf(ss.EINVALID, field, "zone %q is not one of the change's zones", code)
		}
		if p.Fixture != nil {
			if err := ss.CheckText(field+".fixture", *p.Fixture, 64); err != nil {
				return time.Time{}, win, err
			}
		}
		if v := p.Visibility; v != nil && *v != ss.VisibilityOpen && *v != ss.VisibilityPartial && *v != ss.VisibilityBlind {
			return time.Time{}, win, ss.Errorf(ss.EINVALID, field+".visibility", "visibility must be open, partial or blind_spot, got %q", *p.Visibility)
		}
		if p.StaffedDistance != nil && !(*p.StaffedDistance >= 0 && *p.StaffedDistance <= 1000) {
			return time.Time{}, win, ss.Errorf(ss.EINVALID, field+".staffed_distance_m", "staffed_distance_m must be 0–1000 m, got %g", *p.StaffedDistance)
		}
		if p.Category != nil {
			if err := ss.CheckText(field+".category", *p.Category, 64); err != nil || *p.Category == "" {
				return time.Time{}, win, ss.Errorf(ss.EINVALID, field+".category", "category must be 1–64 characters of text")
			}
		}
		if p.UnitValue != nil && !(*p.UnitValue >= 0 && *p.UnitValue <= 1e9) {
			return time.Time{}, win, ss.Errorf(ss.EINVALID, field+".unit_value", "unit_value must be 0–1e9, got %g", *p.UnitValue)
		}
	}
	for i, w := range []struct {
		field  string
		v      *int
		def    int
		lo, hi int
	}{{"before_days", in.BeforeDays, cfg.BeforeDays, 7, 365}, {"after_days", in.AfterDays, cfg.AfterDays, 7, 365}, {"gap_days", in.GapDays, cfg.GapDays, 0, 90}} {
		win[i] = w.def
		if w.v != nil {
			if *w.v < w.lo || *w.v > w.hi {
				return time.Time{}, win, ss.Errorf(ss.EINVALID, w.field, "%s must be between %d and %d, got %d", w.field, w.lo, w.hi, *w.v)
			}
			win[i] = *w.v
		}
	}
	return d, win, nil
}

// CreateChange records a layout change of a store: a new planogram version
// effective from local midnight of implemented_at (the zones as they are
// now, with the properties the change sets: its Properties, else its
// kind's, ZoneAfter), and, when it names one, marks the recommendation implemented. by
// names who reported it. Nothing is stored when any field is bad.
func (s *Service) CreateChange(ctx context.Context, storeCode, by string, in ChangeInput) (int64, error) {
	st, err := s.Store(ctx, storeCode)
	if err != nil {
		return 0, err
	}
	loc, err := st.Location()
	if err != nil {
		return 0, fmt.Errorf("layout: store %s time zone: %w", storeCode, err)
	}
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM stores WHERE id = $1 FOR UPDATE`, st.ID); err != nil {
			return err
		}
		zones, err := zoneSet(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		day, win, err := in.validate(s.cfg, localToday(s.now(), loc), zones)
		if err != nil {
			return err
		}
		if in.Recommendation != nil {
			var recStore int64
			var status string
			err := tx.QueryRow(ctx, `SELECT store_id, status FROM recommendations WHERE id = $1 FOR UPDATE`, *in.Recommendation).Scan(&recStore, &status)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && recStore != st.ID {
				return ss.Errorf(ss.EINVALID, "recommendation", "no recommendation %d for store %s", *in.Recommendation, storeCode)
			}
			if err != nil {
				return err
			}
			if status != StatusProposed && status != StatusAccepted {
				return ss.Errorf(ss.ECONFLICT, "recommendation", "recommendation %d is %s; only a proposed or accepted one can be implemented", *in.Recommendation, status)
			}
			if _, err := tx.Exec(ctx, `UPDATE recommendations SET status = 'implemented', decided_by = $2, decided_at = now() WHERE id = $1`, *in.Recommendation, by); err != nil {
				return err
			}
		}
		current, err := s.zonesTx(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		// The change's zones as they were, then as the change leaves them:
		// the new version's planogram and the zones from now on.
		var before []ss.Zone
		for _, code := range in.Zones {
			for _, z := range current {
				if z.Code == code {
					before = append(before, z)
				}
			}
		}
		for i := range current {
			z := &current[i]
			if !slices.Contains(in.Zones, z.Code) {
				continue
			}
			after := ZoneAfter(in.Kind, *z, before)
			if p, ok := in.Properties[z.Code]; ok {
				after = p.apply(after)
			}
			if props(after) != props(*z) {
				if _, err := tx.Exec(ctx, `UPDATE zones SET fixture = $3, visibility = $4, staffed_distance_m = $5, category = $6,
    unit_value = $7, updated_at = now() WHERE store_id = $1 AND code = $2`, st.ID, z.Code, after.Fixture, after.Visibility,
					after.StaffedDistance, after.Category, after.UnitValue); err != nil {
					return err
				}
				*z = after
			}
		}
		features, _ := json.Marshal(ss.GeoJSON(current))
		effective := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
		var version int
		err = tx.QueryRow(ctx, `
INSERT INTO layout_versions (store_id, version, effective_from, features, note)
SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM layout_versions WHERE store_id = $1
RETURNING version`, st.ID, effective, features, in.Kind+": "+in.Description).Scan(&version)
		if err != nil {
			return err
		}
		zs := slices.Clone(in.Zones)
		slices.Sort(zs)
		return tx.QueryRow(ctx, `
INSERT INTO layout_changes (store_id, zones, kind, description, implemented_at, recommendation_id,
                            layout_version, before_days, after_days, gap_days, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			st.ID, zs, in.Kind, in.Description, day, in.Recommendation, version, win[0], win[1], win[2], by).Scan(&id)
	})
	if err != nil {
		if ss.ErrorCode(err) != ss.EINTERNAL {
			return 0, err
		}
		return 0, fmt.Errorf("layout: create change of %s: %w", storeCode, err)
	}
	return id, nil
}

// zoneSet maps every zone code of a store to whether it is retired.
func zoneSet(ctx context.Context, tx pgx.Tx, storeID int64) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT code, retired_at IS NOT NULL FROM zones WHERE store_id = $1`, storeID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	var code string
	var retired bool
	_, err = pgx.ForEachRow(rows, []any{&code, &retired}, func() error { out[code] = retired; return nil })
	return out, err
}

const selectChanges = `
SELECT c.id, s.code, c.zones, c.kind, c.description, c.implemented_at, c.recommendation_id, c.layout_version,
       c.before_days, c.after_days, c.gap_days, c.created_by, c.created_at, e.verdict, s.id, s.timezone
FROM layout_changes c JOIN stores s ON s.id = c.store_id LEFT JOIN layout_evaluations e ON e.change_id = c.id`

func scanChange(row pgx.Row) (*Change, error) {
	var c Change
	var day time.Time
	var tz string
	err := row.Scan(&c.ID, &c.Store, &c.Zones, &c.Kind, &c.Description, &day, &c.Recommendation, &c.LayoutVersion,
		&c.BeforeDays, &c.AfterDays, &c.GapDays, &c.CreatedBy, &c.CreatedAt, &c.Verdict, &c.storeID, &tz)
	if err != nil {
		return nil, err
	}
	c.ImplementedAt = day.Format(time.DateOnly)
	if c.loc, err = time.LoadLocation(tz); err != nil {
		return nil, err
	}
	return &c, nil
}

// Changes lists a store's layout changes, newest first.
func (s *Service) Changes(ctx context.Context, storeCode string) ([]Change, error) {
	if _, err := s.Store(ctx, storeCode); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectChanges+` WHERE s.code = $1 ORDER BY c.implemented_at DESC, c.id DESC`, storeCode)
	if err != nil {
		return nil, fmt.Errorf("layout: changes of %s: %w", storeCode, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Change, error) {
		c, err := scanChange(r)
		if err != nil {
			return Change{}, err
		}
		return *c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("layout: changes of %s: %w", storeCode, err)
	}
	if out == nil {
		out = []Change{}
	}
	return out, nil
}

// Change returns one layout change, or an ENOTFOUND error.
func (s *Service) Change(ctx context.Context, id int64) (*Change, error) {
	c, err := scanChange(s.pool.QueryRow(ctx, selectChanges+` WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.ENOTFOUND, "id", "no layout change %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("layout: change %d: %w", id, err)
	}
	return c, nil
}
