package kpi

// zoneSketchesSQL reads the response-time sketches of zone and hour rows
// that have any, from a rollup table or the rows of whole weeks and end
// days (weekSourceSQL), to merge here.
var zoneSketchesSQL = newTemplate(`SELECT {{key}}, {{current}}, k.response
FROM {{source}} k JOIN store_directory s ON s.id = k.store_id{{zoneJoin}}
WHERE {{where}} AND k.responded > 0`)

var zoneSketchesBranches = newBranches("zone_sketches", "zone weeks", "table")

// zoneSketches reads the sketches of the zone rows a grouped read summed:
// PostgreSQL cannot merge them.
func (rq *request) zoneSketches() {
	p := rq.p
	st := newStmt("zone_sketches")
	source := p.table
	if p.weekly {
		st.take(zoneSketchesBranches, "zone weeks")
		source = p.eventSource(st)
	} else {
		st.take(zoneSketchesBranches, "table")
	}
	cur := p.current("k", st)
	join := zoneJoin
	if p.storeHours {
		join = "" // store rows per hour: no zone
	}
	sql := zoneSketchesSQL.fill(map[string]string{"key": selectKeys(p.keys), "current": cur, "source": source, "zoneJoin": join,
		"where": p.where("k", p.zoneRows, st)})

	var key string
	var current bool
	var packed []int64
	rq.reads = append(rq.reads, st.read(sql, []any{&key, &current, &packed}, func() error {
		rq.r.sketch(current, key).addPacked(packed)
		return nil
	}))
}
