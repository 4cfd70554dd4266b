package kpi

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// periodResult holds one period's figures by group key.
type periodResult struct {
	order   []string
	keys    map[string]Key
	figures map[string]*Figures
}

// results are the figures of the two periods being read, and their
// response-time sketches by period (previous, current) and key.
type results struct {
	p         *plan
	cur, prev *periodResult
	sketches  [2]map[string]*sketch
}

// sketch is the sketch of a group, made empty on first use.
func (r *results) sketch(current bool, key string) *sketch {
	m := r.sketches[b2i(current)]
	s, ok := m[key]
	if !ok {
		s = &sketch{}
		m[key] = s
	}
	return s
}

func (r *results) of(current bool) *periodResult {
	if current {
		return r.cur
	}
	return r.prev
}

func (r *results) get(current bool, key string) *Figures {
	res := r.of(current)
	f, ok := res.figures[key]
	if !ok {
		f = &Figures{}
		res.figures[key] = f
		res.keys[key] = r.p.parseKey(key)
		res.order = append(res.order, key)
	}
	return f
}

// periods computes the query's figures and its previous period's, and reads
// the live targets and the periods' coverage, sending every statement in
// one round trip.
func (k *KPIs) periods(ctx context.Context, q Query) (cur, prev *periodResult, live []Target, cov *coverage, err error) {
	rq := newRequest(q)
	b := &pgx.Batch{}
	for _, rd := range rq.reads {
		b.Queue(rd.sql, rd.args...)
	}
	br := k.pool.SendBatch(ctx, b)
	for _, rd := range rq.reads {
		rows, err := br.Query()
		if err == nil {
			_, err = pgx.ForEachRow(rows, rd.dest, rd.row)
		}
		if err != nil {
			br.Close()
			return nil, nil, nil, nil, fmt.Errorf("kpi: read rollups: %w", err)
		}
	}
	if err := br.Close(); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("kpi: read rollups: %w", err)
	}
	rq.finish()
	return rq.r.cur, rq.r.prev, rq.live, rq.cov, nil
}

// money is est_loss (lost, confirmed and open value: before the open
// value's discount), recovered_value, open_value and paid_value in cents.
type money struct{ estLoss, recovered, open, paid int64 }

func (m money) add(o money) money {
	return money{m.estLoss + o.estLoss, m.recovered + o.recovered, m.open + o.open, m.paid + o.paid}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
