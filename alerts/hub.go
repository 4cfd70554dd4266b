package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Hub hands the outbox's new rows to the consoles connected to this
// replica. It runs while it has subscribers: the first one starts it — a
// connection of its own (not the pool's) that LISTENs on alert_changes
// (a writer committed rows) and alert_seq (a sequencer numbered them) —
// and the last to leave stops it. Woken by a writer, it sequences; woken by
// a sequencer (or every Poll), it reads the rows after the last seq it saw
// and gives each subscriber those of its stores. A subscriber that falls SubBuffer messages behind, and every
// subscriber when the hub loses its connection, is ended: its console
// reconnects with Last-Event-ID and replays from the outbox, so nothing is
// lost either way.
//
// LISTEN needs a server session of its own, which a pooler in transaction
// mode (PgBouncer) does not give: the hub LISTENs on Config.Listen, a
// connection straight to PostgreSQL. Where it must not LISTEN
// (Config.NoListen) or cannot (that connection fails), it sequences and
// reads the outbox through the pool every Config.FallbackPoll instead.
type Hub struct {
	pool     *pgxpool.Pool
	listen   *pgx.ConnConfig // nil: do not LISTEN, poll
	poll     time.Duration   // the longest wait for a notification
	fallback time.Duration   // the wait between reads when not LISTENing
	log      *slog.Logger

	mu   sync.Mutex
	subs map[*Sub]struct{}
	gen  int                // the current run; a stopped run's rows are dropped
	stop context.CancelFunc // nil: not running
}

// SubBuffer is how many messages a subscriber may fall behind.
const SubBuffer = 1024

// Sub is one subscriber of the hub.
type Sub struct {
	hub    *Hub
	c      chan Message
	stores map[string]bool // nil: every store
	closed bool
}

// C delivers the subscriber's messages in id order; it is closed when the
// subscriber falls behind or the hub stops.
func (s *Sub) C() <-chan Message { return s.c }

func newHub(pool *pgxpool.Pool, cfg Config) *Hub {
	h := &Hub{pool: pool, poll: cfg.Poll, fallback: cfg.FallbackPoll, log: cfg.Log, subs: map[*Sub]struct{}{}}
	switch {
	case cfg.NoListen:
	case cfg.Listen != nil:
		h.listen = cfg.Listen
	default:
		h.listen = pool.Config().ConnConfig
	}
	return h
}

// Subscribe adds a subscriber for stores (nil: every store), starting the
// hub if it is not running; once it returns, every row committed after is
// delivered.
func (h *Hub) Subscribe(ctx context.Context, stores []string) (*Sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop == nil {
		if err := h.start(ctx); err != nil {
			return nil, err
		}
	}
	sub := &Sub{hub: h, c: make(chan Message, SubBuffer)}
	if stores != nil {
		sub.stores = make(map[string]bool, len(stores))
		for _, c := range stores {
			sub.stores[c] = true
		}
	}
	h.subs[sub] = struct{}{}
	return sub, nil
}

// Close removes the subscriber; the last one stops the hub.
func (s *Sub) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drop(s)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// drop ends sub; h.mu is held.
func (h *Hub) drop(sub *Sub) {
	if !sub.closed {
		sub.closed = true
		close(sub.c)
		delete(h.subs, sub)
	}
}

// start connects, LISTENs and reads the outbox's head, or, where it does
// not LISTEN, reads the head through the pool and polls; h.mu is held.
func (h *Hub) start(ctx context.Context) error {
	var conn *pgx.Conn
	if h.listen != nil {
		var err error
		if conn, err = h.connect(ctx); err != nil {
			h.log.Warn("alert stream hub cannot LISTEN; it polls the outbox instead (set --listen-database-url to a connection straight to PostgreSQL)",
				"every", h.fallback, "error", err)
		}
	}
	var last int64
	var err error
	if conn == nil {
		// As connect does, through the pool.
		if _, err = sequence(ctx, h.pool); err == nil {
			err = h.pool.QueryRow(ctx, headSQL).Scan(&last)
		}
	} else if err = conn.QueryRow(ctx, headSQL).Scan(&last); err != nil {
		conn.Close(context.Background())
	}
	if err != nil {
		return fmt.Errorf("alerts: hub: read the outbox: %w", err)
	}
	h.gen++
	run, stop := context.WithCancel(context.Background())
	h.stop = stop
	if conn == nil {
		go h.pollOutbox(run, last, h.gen)
	} else {
		go h.run(run, conn, last, h.gen)
	}
	return nil
}

const headSQL = `SELECT COALESCE((SELECT last_seq FROM alert_sequence), 0)`

// connect opens the hub's connection and LISTENs on it. Rows written while
// this replica had no console get their seqs then, before the head is
// read: a console resuming replays them.
func (h *Hub) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, h.listen.Copy())
	if err != nil {
		return nil, fmt.Errorf("alerts: hub: connect: %w", err)
	}
	if _, err = conn.Exec(ctx, `LISTEN alert_changes; LISTEN alert_seq`); err == nil {
		_, err = sequence(ctx, conn)
	}
	if err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("alerts: hub: listen: %w", err)
	}
	return conn, nil
}

// pollOutbox is run for a hub that does not LISTEN: every fallback it
// numbers what writers committed and hands on what is new, through the pool.
func (h *Hub) pollOutbox(ctx context.Context, last int64, gen int) {
	t := time.NewTicker(h.fallback)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var err error
		if _, err = sequence(ctx, h.pool); err == nil {
			last, err = h.deliver(ctx, h.pool, last, gen)
		}
		if err != nil {
			if ctx.Err() == nil {
				h.lost(gen, err)
			}
			return
		}
	}
}

// deliver hands the rows after last to the subscribers, a thousand at a
// time, and returns the last seq it read.
func (h *Hub) deliver(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, last int64, gen int) (int64, error) {
	for {
		msgs, err := changesAfter(ctx, q, last, nil, 1000)
		if err != nil {
			return last, err
		}
		if len(msgs) == 0 {
			return last, nil
		}
		last = msgs[len(msgs)-1].ID
		h.broadcast(gen, msgs)
		if len(msgs) < 1000 {
			return last, nil
		}
	}
}

func (h *Hub) run(ctx context.Context, conn *pgx.Conn, last int64, gen int) {
	defer conn.Close(context.Background())
	for {
		wait, cancel := context.WithTimeout(ctx, h.poll)
		note, err := conn.WaitForNotification(wait)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			h.lost(gen, err)
			return
		}
		// Take every notification already queued, so that a burst of
		// writers costs one sequencing and one read, not one each.
		written := note == nil || note.Channel == "alert_changes"
		for note != nil {
			drain, cancel := context.WithTimeout(ctx, time.Millisecond)
			note, err = conn.WaitForNotification(drain)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				if ctx.Err() == nil {
					h.lost(gen, err)
				}
				return
			}
			written = written || note != nil && note.Channel == "alert_changes"
		}
		if written {
			if _, err := sequence(ctx, conn); err != nil {
				if ctx.Err() == nil {
					h.lost(gen, err)
				}
				return
			}
		}
		if last, err = h.deliver(ctx, conn, last, gen); err != nil {
			if ctx.Err() == nil {
				h.lost(gen, err)
			}
			return
		}
	}
}

// broadcast gives each current subscriber the messages of its stores.
func (h *Hub) broadcast(gen int, msgs []Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen != h.gen {
		return
	}
	for sub := range h.subs {
		for _, m := range msgs {
			if sub.stores != nil && !sub.stores[m.Store] {
				continue
			}
			select {
			case sub.c <- m:
			default:
				h.drop(sub) // behind: it resumes from the outbox
			}
			if sub.closed {
				break
			}
		}
	}
}

// lost ends run gen's subscribers after its connection failed; the next
// subscriber starts a new run.
func (h *Hub) lost(gen int, err error) {
	h.log.Warn("alert stream hub lost its connection; consoles reconnect and resume", "error", err)
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen != h.gen {
		return
	}
	for sub := range h.subs {
		h.drop(sub)
	}
	if h.stop != nil {
		h.stop()
		h.stop = nil
	}
}
