package shrinkscope

import "time"

// StoreRef is what ingest needs to know about a store to resolve its codes.
type StoreRef struct {
	ID       int64
	Code     string
	Location *time.Location
	Currency Currency // amounts of its facts are in its minor units
	Zones    map[string]ZoneRef
}

// ZoneRef is what ingest needs to know about a zone.
type ZoneRef struct {
	ID        int64
	Category  string
	UnitValue float64
	Retired   bool
}
