package kpi

// zoneNamesSQL reads the ids and codes of the zones of the stores that
// pass {{stores}} (one store), so that its zone rows need not join zones.
var zoneNamesSQL = newTemplate(`SELECT z.id::text, z.code FROM zone_directory z JOIN store_directory s ON s.id = z.store_id WHERE {{stores}}`)

// zoneNames reads the store's zones, keyed by id as its zone rows are.
func (rq *request) zoneNames() {
	st := newStmt("zone_names")
	sql := zoneNamesSQL.fill(map[string]string{"stores": rq.p.inScope(st)})
	var id, code string
	rq.reads = append(rq.reads, st.read(sql, []any{&id, &code}, func() error {
		rq.zoneKeys[id] = rq.q.Store + "\x1f" + code
		return nil
	}))
}
