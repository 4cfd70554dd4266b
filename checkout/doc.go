// Package checkout is the aisle-to-checkout hand-off of stores on the
// checkout operating model. An event of such a store that carries the
// anonymous floor track is an open concealment of that track, recorded in
// the ingest transaction (EventsStored, a kpi.EventHook). The vision tier
// reports which track stands at which till (a lane: a checkout zone's lane
// property) and which left through an entrance (Presence). The point of
// sale asks what the track at its lane has on it and what the store's
// policy does about it (Lane: none, nudge or block), answered from the
// serving replica's memory, which a connection of its own keeps fresh on
// PostgreSQL NOTIFY and a poll; it posts what happened (Outcomes), written
// as the events' outcomes through kpi's outcome path, so the KPI rollups
// count them with no second path. A track not resolved within its store's
// visit window that was seen leaving through an entrance becomes
// walked_out (Tick). Nothing personal is kept or answered: the random
// track id, categories, values, zones and times only.
package checkout
