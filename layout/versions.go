package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Version is one planogram version of a store.
type Version struct {
	Version       int                  `json:"layout_version"`
	EffectiveFrom time.Time            `json:"effective_from"`
	Note          string               `json:"note"`
	Zones         ss.FeatureCollection `json:"zones"`
}

// ZonesAt returns the planogram in force on a store's local date day: the
// latest version effective before the next local midnight (the layout the
// day ended with). ENOTFOUND when the store had no layout yet.
func (s *Service) ZonesAt(ctx context.Context, storeCode string, day time.Time) (*Version, error) {
	st, err := s.Store(ctx, storeCode)
	if err != nil {
		return nil, err
	}
	loc, err := st.Location()
	if err != nil {
		return nil, fmt.Errorf("layout: store %s time zone: %w", storeCode, err)
	}
	end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	var v Version
	var features []byte
	err = s.pool.QueryRow(ctx, `
SELECT version, effective_from, note, features FROM layout_versions
WHERE store_id = $1 AND effective_from < $2 ORDER BY effective_from DESC, version DESC LIMIT 1`, st.ID, end).
		Scan(&v.Version, &v.EffectiveFrom, &v.Note, &features)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.ENOTFOUND, "at", "store %s had no layout on %s", storeCode, day.Format(time.DateOnly))
	}
	if err != nil {
		return nil, fmt.Errorf("layout: zones of %s at %s: %w", storeCode, day.Format(time.DateOnly), err)
	}
	if err := json.Unmarshal(features, &v.Zones); err != nil {
		return nil, fmt.Errorf("layout: version %d of %s: %w", v.Version, storeCode, err)
	}
	return &v, nil
}
