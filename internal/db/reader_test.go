package db_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// skewClock is the real clock moved by a settable offset, so a test can
// make the replica's data look old without waiting.
type skewClock struct{ skew atomic.Int64 }

func (c *skewClock) now() time.Time           { return time.Now().Add(time.Duration(c.skew.Load())) }
func (c *skewClock) set(d time.Duration)      { c.skew.Store(int64(d)) }
func count(t *testing.T, p *pgxpool.Pool) int { return countCtx(t, context.Background(), p) }

func countCtx(t *testing.T, ctx context.Context, p *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := p.QueryRow(ctx, `SELECT count(*) FROM replica_probe`).Scan(&n); err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return n
}

// TestReaderFollowsAStreamingReplica runs the Reader against a real
// streaming replica: caught up, it reads there with as_of the probe's
// time; paused behind a commit, it reports the last replayed commit's time
// and lag, says stale past StaleAfter and falls back to the primary past
// FallbackAfter; stopped, it falls back to the primary; each fallback is
// counted by reason.
func TestReaderFollowsAStreamingReplica(t *testing.T) {
	rp := dbtest.NewReplica(t)
	ctx := context.Background()
	clock := &skewClock{}
	r := db.NewReader(rp.Primary, rp.Replica, db.ReaderOptions{StaleAfter: 30 * time.Second, FallbackAfter: 5 * time.Minute, Now: clock.now})

	if rd := r.Read(); rd.Replica || rd.Pool != rp.Primary || rd.Fallback != db.FallbackUnreachable {
		t.Fatalf("before any probe: replica=%v fallback=%q, want the primary (unreachable: not yet probed)", rd.Replica, rd.Fallback)
	}

	inserted := time.Now()
	if _, err := rp.Primary.Exec(ctx, `CREATE TABLE replica_probe (id int PRIMARY KEY); INSERT INTO replica_probe VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	rp.WaitReplayed(t)
	if err := r.Probe(ctx); err != nil {
		t.Fatalf("probe: %v", err)
	}
	after := time.Now()
	rd := r.Read()
	if !rd.Replica || rd.Pool != rp.Replica || rd.Fallback != "" {
		t.Fatalf("caught up: replica=%v fallback=%q, want the replica", rd.Replica, rd.Fallback)
	}
	// Caught up with the primary's WAL: every commit up to the probe is
	// there (the probe's time, or the insert's commit should background
	// WAL have moved the primary on in between).
	if rd.AsOf.Before(inserted) || rd.AsOf.After(after) {
		t.Errorf("caught up: as_of %s, want in [%s, %s]", rd.AsOf, inserted, after)
	}
	if rd.Stale || rd.Lag < 0 || rd.Lag > time.Since(inserted) {
		t.Errorf("caught up: lag %s stale %v, want at most %s and not stale", rd.Lag, rd.Stale, time.Since(inserted))
	}
	if n := count(t, rd.Pool); n != 1 {
		t.Errorf("the replica holds %d rows after replay, want 1", n)
	}

	// Paused: a commit on the primary is not replayed.
	rp.Pause(t)
	var lastReplayed time.Time
	if err := rp.Replica.QueryRow(ctx, `SELECT pg_last_xact_replay_timestamp()`).Scan(&lastReplayed); err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	if _, err := rp.Primary.Exec(ctx, `INSERT INTO replica_probe VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	if err := r.Probe(ctx); err != nil {
		t.Fatalf("probe while paused: %v", err)
	}
	rd = r.Read()
	// As of no earlier than its last replayed commit (or the last probe it
	// had caught up with), and before the commit it has not replayed.
	if !rd.Replica || rd.AsOf.Before(lastReplayed) || !rd.AsOf.Before(committed) {
		t.Fatalf("paused: replica=%v as_of %s, want the replica as of [%s, %s)", rd.Replica, rd.AsOf, lastReplayed, committed)
	}
	if n := count(t, rd.Pool); n != 1 {
		t.Errorf("the paused replica holds %d rows, want 1 (the second is not replayed)", n)
	}
	clock.set(time.Minute) // the last replayed commit is now over a minute old
	rd = r.Read()
	if !rd.Replica || !rd.Stale || rd.Lag < time.Minute {
		t.Errorf("paused a minute: replica=%v stale=%v lag %s, want the replica, stale, lag over 1m", rd.Replica, rd.Stale, rd.Lag)
	}
	if lag, ok := r.Lag(); !ok || lag < time.Minute {
		t.Errorf("Lag() = %s, %v; want over 1m, known", lag, ok)
	}
	clock.set(10 * time.Minute)
	rd = r.Read()
	if rd.Replica || rd.Pool != rp.Primary || rd.Fallback != db.FallbackLagging || rd.Lag != 0 {
		t.Errorf("paused 10 minutes: replica=%v fallback=%q lag %s, want the primary (lagging), lag 0", rd.Replica, rd.Fallback, rd.Lag)
	}
	if n := count(t, rd.Pool); n != 2 {
		t.Errorf("the fallback reads %d rows, want the primary's 2", n)
	}

	clock.set(0)
	rp.Resume(t)
	rp.WaitReplayed(t)
	if err := r.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if rd = r.Read(); !rd.Replica || rd.Stale || count(t, rd.Pool) != 2 {
		t.Errorf("resumed: replica=%v stale=%v, want the replica, current, with both rows", rd.Replica, rd.Stale)
	}

	// Stopped: a read that finds it gone sends the next ones to the
	// primary at once, and so does the probe.
	rp.Stop(t)
	_, err := rp.Replica.Exec(ctx, `SELECT 1`)
	if err == nil || !r.Failed(err) {
		t.Fatalf("a query on the stopped replica: %v, want an error Failed takes as unreachable", err)
	}
	if rd = r.Read(); rd.Replica || rd.Fallback != db.FallbackUnreachable {
		t.Errorf("after a failed read: replica=%v fallback=%q, want the primary (unreachable)", rd.Replica, rd.Fallback)
	}
	if err := r.Probe(ctx); err == nil {
		t.Error("probe of a stopped replica: no error")
	}
	if rd = r.Read(); rd.Replica || count(t, rd.Pool) != 2 {
		t.Errorf("stopped: replica=%v, want the primary's 2 rows", rd.Replica)
	}
	rp.Start(t)
	if err := r.Probe(ctx); err != nil {
		t.Fatalf("probe after restart: %v", err)
	}
	if rd = r.Read(); !rd.Replica {
		t.Error("restarted: reads do not go back to the replica")
	}
	// Unreachable: before the first probe, after the failed read, after
	// the failed probe; lagging: once.
	if got := r.Fallbacks(); got[db.FallbackUnreachable] != 3 || got[db.FallbackLagging] != 1 {
		t.Errorf("fallbacks %v, want unreachable 3, lagging 1", got)
	}
}

// TestReaderWithoutReplica reads from the primary, as of now, and counts
// nothing: what serve does without --read-database-url.
func TestReaderWithoutReplica(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*db.Reader{"nil": nil, "no replica": db.NewReader(nil, nil, db.ReaderOptions{})} {
		before := time.Now()
		rd := r.Read()
		if rd.Replica || rd.Fallback != "" || rd.Stale || rd.AsOf.Before(before) {
			t.Errorf("%s: %+v, want the primary as of now", name, rd)
		}
		if got := r.Fallbacks(); got[db.FallbackUnreachable]+got[db.FallbackLagging] != 0 {
			t.Errorf("%s: fallbacks %v, want none", name, got)
		}
		if r.Failed(context.DeadlineExceeded) {
			t.Errorf("%s: Failed took an error without a replica", name)
		}
	}
}

// TestRecoveryConflict tells a standby's cancelled read from other errors:
// the first is retried on the primary, the rest are the read's own.
func TestRecoveryConflict(t *testing.T) {
	t.Parallel()
	conflict := &pgconn.PgError{Code: "40001", Message: "canceling statement due to conflict with recovery"}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{conflict, true},
		{fmt.Errorf("kpi: read: %w", conflict), true},
		{&pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"}, false},
		{&pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}, false},
		{context.DeadlineExceeded, false},
		{nil, false},
	} {
		if got := db.RecoveryConflict(c.err); got != c.want {
			t.Errorf("RecoveryConflict(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
