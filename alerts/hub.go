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
type Hub struct {
	pool *pgxpool.Pool
	poll time.Duration
	log  *slog.Logger

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

func newHub(pool *pgxpool.Pool, poll time.Duration, log *slog.Logger) *Hub {
	return &Hub{pool: pool, poll: poll, log: log, subs: map[*Sub]struct{}{}}
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

// start connects, LISTENs and reads the outbox's head; h.mu is held.
func (h *Hub) start(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, h.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("alerts: hub: connect: %w", err)
	}
	var last int64
	// Rows written while this replica had no console get their seqs now,
	// before the head is read: a console resuming replays them.
	if _, err = conn.Exec(ctx, `LISTEN alert_changes; LISTEN alert_seq`); err == nil {
		if _, err = sequence(ctx, conn); err == nil {
			err = conn.QueryRow(ctx, `SELECT COALESCE((SELECT last_seq FROM alert_sequence), 0)`).Scan(&last)
		}
	}
	if err != nil {
		conn.Close(context.Background())
		return fmt.Errorf("alerts: hub: listen: %w", err)
	}
	h.gen++
	run, stop := context.WithCancel(context.Background())
	h.stop = stop
	go h.run(run, conn, last, h.gen)
	return nil
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
		for {
			msgs, err := changesAfter(ctx, conn, last, nil, 1000)
			if err != nil {
				if ctx.Err() == nil {
					h.lost(gen, err)
				}
				return
			}
			if len(msgs) == 0 {
				break
			}
			last = msgs[len(msgs)-1].ID
			h.broadcast(gen, msgs)
			if len(msgs) < 1000 {
				break
			}
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
