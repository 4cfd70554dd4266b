package kpi

// visitorsSQL reads the visitors per group and period from the hourly or
// daily visitor rollup, or the rows of whole weeks and end days
// (weekSourceSQL). By zone id (read_zone_names.go) the rows need no names
// and {{names}} is empty; otherwise namedVisitorsSQL joins each row to its
// store and, for zones' own counts, its zone, and filters them.
var visitorsSQL = newTemplate(`SELECT {{key}}, {{current}}, sum(v.visitors)
FROM {{source}} v{{names}}
GROUP BY {{groups}}`)

// namedVisitorsSQL names the store s (and zone z) of each visitor row v and
// filters them: the zones' rows, or the entrance's (zone 0).
var namedVisitorsSQL = newTemplate(` JOIN store_directory s ON s.id = v.store_id{{zoneJoin}} WHERE {{where}}{{entrance}}`)

var visitorsBranches = newBranches("visitors", "hours", "days", "weeks", "by zone id", "zones", "entrance")

// visitors reads the visitors per group and period, where the event rows
// did not bring them (store rows do). A category or method row gets its
// scope's visitors: it has no door of its own.
func (rq *request) visitors() {
	p := rq.p
	st := newStmt("visitors")
	var source string
	switch {
	case p.weekly:
		st.take(visitorsBranches, "weeks")
		source = p.weekSource("kpi_visitors_daily", "kpi_visitors_weekly", "zone_id, visitors", st)
	case p.hourly:
		st.take(visitorsBranches, "hours")
		source = "kpi_visitors_hourly"
	default:
		st.take(visitorsBranches, "days")
		source = "kpi_visitors_daily"
	}
	keys := p.keyList("v", true)
	cur := p.current("v", st)
	slots := map[string]string{"key": "v.zone_id::text", "current": cur, "source": source, "names": "", "groups": "1, 2"}
	if p.byZoneID {
		st.take(visitorsBranches, "by zone id")
	} else {
		join, entrance := "", " AND v.zone_id = 0"
		if p.zoneVis {
			st.take(visitorsBranches, "zones")
			join, entrance = " JOIN zone_directory z ON z.id = v.zone_id", ""
		} else {
			st.take(visitorsBranches, "entrance")
		}
		slots["key"], slots["groups"] = selectKeys(keys), groupKeys(keys)
		where := p.where("v", false, st)
		if p.hourly && !p.q.Dates {
			// Hours are kept per local day (kpi_visitors_hours): the days
			// that can hold an hour of the range bound the rows read.
			where += " AND v.local_date BETWEEN " + st.add(utcDate(p.prev.From).AddDate(0, 0, -1)) + "::date AND " +
				st.add(utcDate(p.q.To).AddDate(0, 0, 1)) + "::date"
		}
		slots["names"] = namedVisitorsSQL.fill(map[string]string{"zoneJoin": join, "where": where, "entrance": entrance})
	}

	var key string
	var current bool
	var n int64
	rq.reads = append(rq.reads, st.read(visitorsSQL.fill(slots), []any{&key, &current, &n}, func() error {
		if p.byZoneID {
			k, ok := rq.zoneKeys[key]
			if !ok {
				return nil // the entrance, zone 0
			}
			key = k
		}
		if rq.q.By.sharesVisitors() {
			// Every category or method row shares the scope's visitors; a
			// scope without events has no rows to give them to.
			for _, f := range rq.r.of(current).figures {
				v := n
				f.Visitors = &v
			}
			return nil
		}
		v := n
		rq.r.get(current, key).Visitors = &v
		return nil
	}))
}
