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
// change that rolled back, and read by id, so a console that reconnects
// resumes where it left off. Writers take a transaction-scoped advisory
// lock before their first row: ids are drawn and committed in one order, so
// once id N is visible no row below N can still appear. Without it a reader
// at N could later miss a smaller id whose transaction committed last. The
// lock is held from the outbox write to commit, the tail of each writer.

// Message is one change as the stream sends it: its outbox id, the store
// (for scope) and the alert after the change, as JSON.
type Message struct {
	ID     int64
	Store  string
	Change Change
	Data   []byte
}

// writeChanges appends change of each alert to the outbox inside tx and
// wakes every replica's hub when tx commits.
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
	b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended('shrinkscope alert_changes', 0))`)
	b.Queue(`INSERT INTO alert_changes (alert_id, store_id, change, at, data)
SELECT a, s, $3, $4, d::jsonb FROM unnest($1::bigint[], $2::bigint[], $5::text[]) u(a, s, d)`, ids, stores, string(change), at, data)
	b.Queue(`SELECT pg_notify('alert_changes', '')`)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("alerts: outbox: %w", err)
	}
	return nil
}

// messageCols are a Message's columns, of alert_changes c joined with store_directory s.
const messageCols = `c.id, s.code, c.change, c.data::text`

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
WHERE c.id > $1 AND ($2::text[] IS NULL OR s.code = ANY($2)) ORDER BY c.id LIMIT $3`, after, stores, limit)
	if err != nil {
		return nil, fmt.Errorf("alerts: read outbox: %w", err)
	}
	out, err := collectMessages(rows)
	if err != nil {
		return nil, fmt.Errorf("alerts: read outbox: %w", err)
	}
	return out, nil
}

// head returns the highest committed outbox id and the highest purged one.
func (s *Service) head(ctx context.Context) (last, purged int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT max(id) FROM alert_changes), 0),
COALESCE((SELECT purged_through FROM alert_changes_purged), 0)`).Scan(&last, &purged)
	if err != nil {
		return 0, 0, fmt.Errorf("alerts: outbox head: %w", err)
	}
	return max(last, purged), purged, nil
}

// PurgeOutbox deletes stream messages older than OutboxKeep and records
// the highest id deleted, below which a resume answers resync.
func (s *Service) PurgeOutbox(ctx context.Context) (int64, error) {
	cut := s.cfg.Now().Add(-s.cfg.OutboxKeep)
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var through *int64
		if err := tx.QueryRow(ctx, `WITH d AS (DELETE FROM alert_changes WHERE at < $1 RETURNING id)
SELECT max(id), count(*) FROM d`, cut).Scan(&through, &n); err != nil {
			return err
		}
		if through == nil {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO alert_changes_purged (purged_through) VALUES ($1)
ON CONFLICT (one) DO UPDATE SET purged_through = GREATEST(alert_changes_purged.purged_through, excluded.purged_through)`, *through)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("alerts: purge outbox: %w", err)
	}
	return n, nil
}
