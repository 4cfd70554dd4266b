package kpi

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Group commit. An estate sends many small batches at once (a store's
// vision tier posts tens of events at a time), and a transaction of its own
// for each — BEGIN, COPY, the dirty marks, the alert hook, COMMIT and its
// WAL flush — costs more round trips and commits than the rows themselves
// (docs/BENCHMARKS.md, "500 senders"). So batches that arrive while the
// writers are busy wait in a queue, and the next free writer stores all of
// them in one transaction: one COPY, one set of marks, one hook call, one
// commit. Each request is answered only once that transaction has
// committed, so an acknowledged batch is as durable as before.
//
// All or nothing still holds per batch: a group's first attempt COPYs
// straight in; if anything fails — a replayed id (its key, SQLSTATE 23505),
// a conflict, the hook — the whole group rolls back and every batch of it
// is stored on its own, as a lone batch always is (storeAlone: look up the
// stored ids, compare, 409 or duplicates), with its own answer.

// maxGroupEvents caps the events of one group's transaction.
const maxGroupEvents = 10_000

// pendingBatch is one request's resolved events, unique within the batch.
type pendingBatch struct {
	events  []ss.Event
	flags   []uint8
	buckets []bucket

	res  Result
	err  error
	done chan struct{}
}

// commitGroup queues batches for the writers.
type commitGroup struct {
	mu      sync.Mutex
	queue   []*pendingBatch
	writers int // writers running
}

// store stores b, alone or in a group with batches queued beside it, and
// returns once its transaction has committed or failed.
func (c *commitGroup) store(ctx context.Context, g *Ingester, b *pendingBatch) (Result, error) {
	limit := g.writers()
	c.mu.Lock()
	if c.writers < limit && len(c.queue) == 0 {
		// A writer is free and nothing waits: store it now, alone, in this
		// goroutine (no hand-off when batches come one at a time).
		c.writers++
		c.mu.Unlock()
		res, err := g.storeAlone(ctx, b)
		c.mu.Lock()
		c.writers--
		c.startWriters(g, limit)
		c.mu.Unlock()
		return res, err
	}
	b.done = make(chan struct{})
	c.queue = append(c.queue, b)
	c.startWriters(g, limit)
	c.mu.Unlock()
	<-b.done // not ctx: once queued, the batch is stored or refused before its sender hears
	return b.res, b.err
}

// startWriters starts a writer for the queue if one is free. c.mu is held.
func (c *commitGroup) startWriters(g *Ingester, limit int) {
	if len(c.queue) > 0 && c.writers < limit {
		c.writers++
		go c.write(g, limit)
	}
}

// write stores queued groups until the queue is empty.
func (c *commitGroup) write(g *Ingester, limit int) {
	for {
		c.mu.Lock()
		n, events := 0, 0
		for n < len(c.queue) && (n == 0 || events+len(c.queue[n].events) <= maxGroupEvents) {
			events += len(c.queue[n].events)
			n++
		}
		if n == 0 {
			c.writers--
			c.mu.Unlock()
			return
		}
		group := c.queue[:n:n]
		c.queue = c.queue[n:]
		c.startWriters(g, limit) // more waiting: another writer takes the next group
		c.mu.Unlock()
		g.storeGroup(context.Background(), group)
		for _, b := range group {
			close(b.done)
		}
	}
}

// writers is how many transactions store batches at once: the pool's size.
func (g *Ingester) writers() int {
	return max(1, int(g.pool.Config().MaxConns))
}

// storeGroup stores a group in one transaction, or, when that fails, each
// batch of it on its own.
func (g *Ingester) storeGroup(ctx context.Context, group []*pendingBatch) {
	if len(group) > 1 && g.storeTogether(ctx, group) == nil {
		for _, b := range group {
			b.res = Result{Accepted: len(b.events)}
		}
		return
	}
	for _, b := range group {
		b.res, b.err = g.storeAlone(ctx, b)
	}
}

// storeTogether COPYs every batch of a group in one transaction, without
// looking ids up: any error rolls all of it back.
func (g *Ingester) storeTogether(ctx context.Context, group []*pendingBatch) error {
	n := 0
	for _, b := range group {
		n += len(b.events)
	}
	fresh := make([]*ss.Event, 0, n)
	marks := map[bucket]bool{}
	for _, b := range group {
		for i := range b.events {
			fresh = append(fresh, &b.events[i])
		}
		for _, k := range b.buckets {
			marks[k] = true
		}
	}
	return pgx.BeginFunc(ctx, g.pool, func(tx pgx.Tx) error {
		if err := copyEvents(ctx, tx, fresh); err != nil {
			return err
		}
		if err := g.markDirty(ctx, tx, sortedBuckets(marks)); err != nil {
			return err
		}
		for _, h := range g.hooks {
			if err := h.EventsStored(ctx, tx, fresh); err != nil {
				return err
			}
		}
		return nil
	})
}
