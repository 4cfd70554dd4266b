package dbtest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Replica is a fresh migrated database on a private primary and the same
// database on its streaming replica, the pair scripts/ensure-replica starts
// (and `make test` names in TEST_REPLICA_PRIMARY_URL, TEST_REPLICA_URL and
// TEST_REPLICA_CTL). The replica is shared by every test binary, and tests
// stop and pause it, so a test holds the pair alone (an advisory lock on
// the primary) from NewReplica until it ends.
type Replica struct {
	// Primary and Replica are pools on the test's database on each server.
	Primary, Replica *pgxpool.Pool
	// PrimaryURL and ReplicaURL are their connection strings.
	PrimaryURL, ReplicaURL string

	adminReplica string // the replica's maintenance database
	ctl          string // stop | start the replica
}

// NewReplica returns the pair, or skips the test when the environment does
// not name one (`make test` always does).
func NewReplica(t testing.TB) *Replica {
	t.Helper()
	primaryAdmin, replicaAdmin, ctl := os.Getenv("TEST_REPLICA_PRIMARY_URL"), os.Getenv("TEST_REPLICA_URL"), os.Getenv("TEST_REPLICA_CTL")
	if primaryAdmin == "" || replicaAdmin == "" || ctl == "" {
		t.Skip("no streaming replica: TEST_REPLICA_PRIMARY_URL, TEST_REPLICA_URL and TEST_REPLICA_CTL unset (make test starts one with scripts/ensure-replica)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lock, err := pgx.Connect(ctx, primaryAdmin)
	if err != nil {
		t.Fatalf("dbtest: connect to the replica's primary: %v", err)
	}
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock(7215002)`); err != nil {
		t.Fatalf("dbtest: lock the replica pair: %v", err)
	}
	r := &Replica{adminReplica: replicaAdmin, ctl: ctl}
	// Cleanups run last-registered first: the lock goes after the replica
	// is running and replaying again for the next test.
	t.Cleanup(func() { lock.Close(context.Background()) })
	t.Cleanup(func() {
		if err := exec.Command(ctl, "status").Run(); err != nil {
			r.Start(t)
		}
		if c, err := pgx.Connect(context.Background(), replicaAdmin); err == nil {
			_, _ = c.Exec(context.Background(), `SELECT pg_wal_replay_resume()`)
			c.Close(context.Background())
		}
	})
	r.Primary, r.PrimaryURL = NewAt(t, primaryAdmin)
	cfg, err := pgxpool.ParseConfig(replicaAdmin)
	if err != nil {
		t.Fatalf("dbtest: TEST_REPLICA_URL: %v", err)
	}
	cfg.ConnConfig.Database = r.Primary.Config().ConnConfig.Database
	r.ReplicaURL = withDatabase(replicaAdmin, cfg.ConnConfig.Database)
	r.WaitReplayed(t)
	if r.Replica, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		t.Fatalf("dbtest: open the replica's database: %v", err)
	}
	t.Cleanup(r.Replica.Close)
	return r
}

// WaitReplayed waits until the replica has replayed the primary's WAL up to
// its position now: every commit so far is then readable on the replica.
func (r *Replica) WaitReplayed(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lsn string
	if err := r.Primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatalf("dbtest: the primary's WAL position: %v", err)
	}
	c, err := pgx.Connect(ctx, r.adminReplica)
	if err != nil {
		t.Fatalf("dbtest: connect to the replica: %v", err)
	}
	defer c.Close(context.Background())
	for {
		var done bool
		if err := c.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			t.Fatalf("dbtest: the replica's replay position: %v", err)
		}
		if done {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("dbtest: the replica did not replay up to %s in 30 s", lsn)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Pause stops the replica replaying WAL (pg_wal_replay_pause): it keeps
// answering with the data it has, falling behind. Resume undoes it; so
// does the end of the test.
func (r *Replica) Pause(t testing.TB) { r.replayControl(t, `SELECT pg_wal_replay_pause()`) }

// Resume lets a paused replica replay again.
func (r *Replica) Resume(t testing.TB) { r.replayControl(t, `SELECT pg_wal_replay_resume()`) }

func (r *Replica) replayControl(t testing.TB, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, r.adminReplica)
	if err != nil {
		t.Fatalf("dbtest: connect to the replica: %v", err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("dbtest: %s: %v", sql, err)
	}
}

// Stop shuts the replica down (fast: connections are cut); Start starts it
// again. The end of the test starts it if it is down.
func (r *Replica) Stop(t testing.TB) { r.run(t, "stop") }

// Start starts a stopped replica and waits until it accepts connections.
func (r *Replica) Start(t testing.TB) { r.run(t, "start") }

func (r *Replica) run(t testing.TB, verb string) {
	t.Helper()
	if out, err := exec.Command(r.ctl, verb).CombinedOutput(); err != nil {
		t.Fatalf("dbtest: %s %s: %v\n%s", r.ctl, verb, err, out)
	}
}
