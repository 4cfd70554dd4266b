package kpi

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
)

// storeZoneEventsSQL reads one store's zone cells of whole weeks and end
// days (cellSourceSQL) — some thousands — to sum here, sketches and all, in
// one pass instead of an aggregate and a second scan. By zone, {{key}} is
// the zone id, named from the store's zones (read_zone_names.go), and
// {{names}} is empty; otherwise namedZoneRowsSQL joins each cell to its
// store and zone, for the key and the filter.
var storeZoneEventsSQL = newTemplate(`SELECT {{key}}, {{current}}, k.events, k.est_loss_cents, k.recovered_value_cents,
    k.open_value_cents, k.paid_value_cents,
    k.recovered, k.lost, k.confirmed, k.false_positive, k.open, k.interventions, array_send(k.response::bigint[])
FROM {{source}} k{{names}}`)

// storeZoneFigures are the figures storeZoneEventsSQL reads of each cell.
var storeZoneFigures = []string{"events", "est_loss", "recovered_value", "open_value", "paid_value",
	"recovered", "lost", "confirmed", "false_positive", "open", "interventions"}

// namedZoneRowsSQL names the store s and zone z of each zone row k, and
// filters them.
var namedZoneRowsSQL = newTemplate(` JOIN store_directory s ON s.id = k.store_id` + zoneJoin + ` WHERE {{where}}`)

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
		key, names = selectKeys(p.keys), namedZoneRowsSQL.fill(map[string]string{"where": p.where("k", true, st)})
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
