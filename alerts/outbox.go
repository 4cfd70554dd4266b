package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The outbox (alert_changes) is how a change reaches every replica's
// consoles: written in the change's transaction, so a console never sees a
// change that rolled back, and read in seq order, so a console that
// reconnects resumes where it left off. Writers take no lock: a first
// version made them take one from their outbox row to commit, so that ids
// committed in order, and that serialised every soc batch's commit (its
// fsync): single-event POSTs reached half the rate of detection stores.
// Instead a sequencer numbers committed rows afterwards (sequence).

// Message is one change as the stream sends it: its seq, the store
// (for scope) and the alert after the change, as JSON.
type Message struct {
	ID     int64
	Store  string
	Change Change
	Data   []byte
}

// writeChanges appends change of each alert to the outbox inside tx and
// wakes every replica's hub when tx commits; the first to sequence the rows
// wakes them again (alert_seq) to read them.
func writeChanges(ctx context.Context, tx pgx.Tx, change Change, at time.Time, list ...Alert) error {
	n := len(list)
	ids, stores, data := make([]int64, n), make([]int64, n), make([]string, n)
	for i := range list {
		a := list[i]
		a.Change = change
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("alerts: outbox: %w", err)
		}
		ids[i], stores[i], data[i] = a.ID, a.storeID, string(b)
	}
	var b pgx.Batch
	b.Queue(`INSERT INTO alert_changes (alert_id, store_id, change, at, data)
SELECT a, s, $3, $4, d::jsonb FROM unnest($1::bigint[], $2::bigint[], $5::text[]) u(a, s, d)`, ids, stores, string(change), at, data)
	b.Queue(`SELECT pg_notify('alert_changes', '')`)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("alerts: outbox: %w", err)
	}
	return nil
}

// messageCols are a Message's columns, of alert_changes c joined with store_directory s.
const messageCols = `c.seq, s.code, c.change, c.data::text`

// sequence gives the committed rows without a seq theirs, in id order, and
// wakes every hub to read them; it reports how many it numbered. It runs
// under the row lock of alert_sequence, which the next sequencer waits for
// until this one commits: seqs become visible in increasing order. Rows of
// one alert are in id order already (a change waits for the alert's row
// lock, so it draws its id after the previous change committed).
func sequence(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int64, error) {
	// Most wake-ups find the rows numbered by another replica: a read, not
	// a row lock (which would cost a commit and its WAL flush), tells.
	var pending bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alert_changes WHERE seq IS NULL)`).Scan(&pending); err != nil || !pending {
		if err != nil {
			return 0, fmt.Errorf("alerts: sequence the outbox: %w", err)
		}
		return 0, nil
	}
	var n int64
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var last int64
		err := tx.QueryRow(ctx, `SELECT last_seq FROM alert_sequence FOR UPDATE`).Scan(&last)
		if err == pgx.ErrNoRows { // emptied by a reset
			_, err = tx.Exec(ctx, `INSERT INTO alert_sequence (last_seq, purged_through) VALUES (0, 0) ON CONFLICT DO NOTHING`)
			if err == nil {
				err = tx.QueryRow(ctx, `SELECT last_seq FROM alert_sequence FOR UPDATE`).Scan(&last)
			}
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE alert_changes c SET seq = $1 + u.rn
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM alert_changes WHERE seq IS NULL) u
WHERE c.id = u.id`, last)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		n = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `UPDATE alert_sequence SET last_seq = $1`, last+n); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify('alert_seq', '')`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("alerts: sequence the outbox: %w", err)
	}
	return n, nil
}

func collectMessages(rows pgx.Rows) ([]Message, error) {
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var data string
		if err := rows.Scan(&m.ID, &m.Store, &m.Change, &data); err != nil {
			return nil, err
		}
		m.Data = []byte(data)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MaxReplay is the most messages a resume replays; further behind, the
// console gets resync and reloads the list.
const MaxReplay = 5000

// changesAfter returns up to limit messages after id, of stores (nil: every
// store), in id order.
func changesAfter(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, after int64, stores []string, limit int) ([]Message, error) {
	rows, err := q.Query(ctx, `SELECT `+messageCols+` FROM alert_changes c JOIN store_directory s ON s.id = c.store_id
WHERE c.seq > $1 AND ($2::text[] IS NULL OR s.code = ANY($2)) ORDER BY c.seq LIMIT $3`, after, stores, limit)
	if err != nil {
		return nil, fmt.Errorf("alerts: read outbox: %w", err)
	}
	out, err := collectMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("alerts: read outbox: %w", err)
	}
	return out, nil
}

// head returns the highest seq given and the highest purged one.
func (s *Service) head(ctx context.Context) (last, purged int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT last_seq FROM alert_sequence), 0),
COALESCE((SELECT purged_through FROM alert_sequence), 0)`).Scan(&last, &purged)
	if err != nil {
		return 0, 0, fmt.Errorf("alerts: outbox head: %w", err)
	}
	return max(last, purged), purged, nil
}

// PurgeOutbox deletes stream messages older than OutboxKeep and records
// the highest seq deleted, below which a resume answers resync.
func (s *Service) PurgeOutbox(ctx context.Context) (int64, error) {
	cut := s.cfg.Now().Add(-s.cfg.OutboxKeep)
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var through *int64
		if err := tx.QueryRow(ctx, `WITH d AS (DELETE FROM alert_changes WHERE at < $1 AND seq IS NOT NULL RETURNING seq)
SELECT max(seq), count(*) FROM d`, cut).Scan(&through, &n); err != nil {
			return err
		}
		if through == nil {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE alert_sequence SET purged_through = GREATEST(purged_through, $1)`, *through)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("alerts: purge outbox: %w", err)
	}
	return n, nil
}
