package kpi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// storeZoneEventsSQL reads one store's zone cells of whole weeks and end
// days (cellSourceSQL) — some thousands — to sum here, sketches and all, in
// one pass instead of an aggregate and a second scan. By zone, {{key}} is
// the zone id, named from the store's zones (read_zone_names.go), and
// {{names}} is empty; otherwise cellNames joins each cell to what names
// its key and filters it.
var storeZoneEventsSQL = newTemplate(`SELECT {{key}}, {{current}}, k.events, k.est_loss_cents, k.recovered_value_cents,
    k.open_value_cents, k.paid_value_cents,
    k.recovered, k.lost, k.confirmed, k.false_positive, k.open, k.interventions, array_send(k.responses::bigint[])
FROM {{source}} k{{names}}`)

// storeZoneFigures are the figures storeZoneEventsSQL reads of each cell.
var storeZoneFigures = []string{"events", "est_loss", "recovered_value", "open_value", "paid_value",
	"recovered", "lost", "confirmed", "false_positive", "open", "interventions"}

var storeZoneBranches = newBranches("store_zone_events", "by zone id", "by key")

// storeZoneEvents reads one store's zone cells over dates and sums them per
// group and period, money in cents; the store's basis (read_basis.go),
// read beside them, discounts each group's open value in finish.
func (rq *request) storeZoneEvents() {
	p := rq.p
	st := newStmt("store_zone_events")
	source := p.cellSource(storeZoneFigures, st)
	cur := p.current("k", st)
	key, names := "k.zone_id::text", ""
	if p.byZoneID {
		st.take(storeZoneBranches, "by zone id")
	} else {
		st.take(storeZoneBranches, "by key")
		key, names = selectKeys(p.keys), p.cellNames(st)
	}
	sql := storeZoneEventsSQL.fill(map[string]string{"key": key, "current": cur, "source": source, "names": names})

	var group string
	var current bool
	var f Figures
	var loss, value, open, paid int64
	var packed pgtype.DriverBytes
	dest := []any{&group, &current, &f.Events, &loss, &value, &open, &paid, &f.Recovered, &f.Lost, &f.Confirmed,
		&f.FalsePositives, &f.Open, &f.Interventions, &packed}
	rq.reads = append(rq.reads, st.read(sql, dest, func() error {
		if p.byZoneID {
			k, ok := rq.zoneKeys[group]
			if !ok {
				return fmt.Errorf("rollup row of unknown zone %s", group)
			}
			group = k
		}
		g := rq.r.get(current, group)
		g.Events += f.Events
		g.Recovered += f.Recovered
		g.Lost += f.Lost
		g.Confirmed += f.Confirmed
		g.FalsePositives += f.FalsePositives
		g.Open += f.Open
		g.Interventions += f.Interventions
		rq.cents[b2i(current)][group] = rq.cents[b2i(current)][group].add(money{loss, value, open, paid})
		return rq.r.sketch(current, group).addArray(packed)
	}))
	rq.reads = append(rq.reads, p.basisRead(&rq.bases))
}

// cellNames joins each cell k of the store's (cellSource, which chose the
// store) to its store s where the key names the store, and to its zone z
// where the key or the filter names the zone, and filters the cells by
// zone, category and method: a cut by category or method of a store joins
// nothing.
func (p *plan) cellNames(st *stmt) string {
	named := func(prefix string) bool {
		return slices.ContainsFunc(p.keys, func(k string) bool { return strings.HasPrefix(k, prefix) })
	}
	var joins string
	if named("s.") {
		joins += ` JOIN store_directory s ON s.id = k.store_id`
	}
	if named("z.") || p.q.Zone != "" {
		joins += zoneJoin
	}
	if w := p.cellFilter("k", true, st); len(w) > 0 {
		joins += " WHERE " + strings.Join(w, " AND ")
	}
	return joins
}
