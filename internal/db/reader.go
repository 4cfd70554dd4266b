package db

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A Reader decides, read by read, whether a streaming replica or the primary
// answers: the replica while it is reachable and no further behind than
// FallbackAfter, else the primary. It learns the replica's lag from a probe
// every ProbeEvery (Run), not from a query per read, so choosing costs an
// atomic load. A nil *Reader, or one without a replica, always chooses the
// primary.
type Reader struct {
	primary, replica *pgxpool.Pool
	opt              ReaderOptions
	state            atomic.Pointer[replicaState]
	unreachable      atomic.Int64 // reads sent to the primary: replica unreachable
	lagging          atomic.Int64 // reads sent to the primary: replica too far behind

	probeMu sync.Mutex
	samples []sample // the primary's WAL position at recent probes, oldest first
}

// ReaderOptions configure a Reader; zero values take the defaults.
type ReaderOptions struct {
	// StaleAfter is the lag past which an answer from the replica says how
	// old its data is ("data as of …" on pages). Default 30 s.
	StaleAfter time.Duration
	// FallbackAfter is the lag past which reads go to the primary. Default 5 min.
	FallbackAfter time.Duration
	// ProbeEvery is how often Run measures the replica's lag. Default 1 s.
	ProbeEvery time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

func (o *ReaderOptions) defaults() {
	if o.StaleAfter <= 0 {
		o.StaleAfter = 30 * time.Second
	}
	if o.FallbackAfter <= 0 {
		o.FallbackAfter = 5 * time.Minute
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Why a read meant for the replica went to the primary, as Read.Fallback says.
const (
	// FallbackUnreachable: the last probe, or a read, could not reach the replica.
	FallbackUnreachable = "unreachable"
	// FallbackLagging: the replica is further behind than FallbackAfter.
	FallbackLagging = "lagging"
	// FallbackConflict: the replica cancelled the read for a conflict with
	// the WAL it replays (RecoveryConflict); the primary answered it again.
	FallbackConflict = "conflict"
)

// replicaState is what the last probe found.
type replicaState struct {
	ok   bool      // the replica answered
	asOf time.Time // every commit up to this instant is on the replica; zero: unknown
	err  error     // why not ok
}

// Read is where one read goes and how fresh its data is.
type Read struct {
	// Pool answers the read.
	Pool *pgxpool.Pool
	// Replica reports whether Pool is the replica's.
	Replica bool
	// AsOf is the instant up to which the answer holds every commit: on
	// the replica the later of its last replayed commit and the start of
	// the latest probe whose primary WAL position it has replayed; on the
	// primary, now.
	AsOf time.Time
	// Lag is how far AsOf is behind now; 0 on the primary.
	Lag time.Duration
	// Stale reports a lag past StaleAfter: the answer must say how old it is.
	Stale bool
	// Fallback says why the primary answers a read meant for the replica
	// (FallbackUnreachable, FallbackLagging); empty otherwise.
	Fallback string
}

// NewReader returns a Reader sending reads to replica, or to primary when
// replica is nil or unfit. Call Run (or Probe) before relying on the
// replica: until a probe succeeds reads go to the primary.
func NewReader(primary, replica *pgxpool.Pool, o ReaderOptions) *Reader {
	o.defaults()
	return &Reader{primary: primary, replica: replica, opt: o}
}

// Options returns the options in force, defaults filled in.
func (r *Reader) Options() ReaderOptions { return r.opt }

// HasReplica reports whether r has a replica to send reads to.
func (r *Reader) HasReplica() bool { return r != nil && r.replica != nil }

// Primary returns the primary's pool.
func (r *Reader) Primary() *pgxpool.Pool { return r.primary }

// Read chooses where the next read goes, counting it when it falls back to
// the primary.
func (r *Reader) Read() Read {
	now := time.Now()
	if r != nil {
		now = r.opt.Now()
	}
	if !r.HasReplica() {
		var p *pgxpool.Pool
		if r != nil {
			p = r.primary
		}
		return Read{Pool: p, AsOf: now}
	}
	primary := Read{Pool: r.primary, AsOf: now}
	st := r.state.Load()
	switch {
	case st == nil || !st.ok:
		r.unreachable.Add(1)
		primary.Fallback = FallbackUnreachable
		return primary
	case st.asOf.IsZero() || now.Sub(st.asOf) > r.opt.FallbackAfter:
		r.lagging.Add(1)
		primary.Fallback = FallbackLagging
		return primary
	}
	lag := max(now.Sub(st.asOf), 0)
	return Read{Pool: r.replica, Replica: true, AsOf: st.asOf, Lag: lag, Stale: lag > r.opt.StaleAfter}
}

// Failed tells r that a read on the replica found it unreachable (err, as
// Unavailable judges it), so that reads go to the primary until a probe
// reaches the replica again. It reports whether err was such a failure.
func (r *Reader) Failed(err error) bool {
	if !r.HasReplica() || !Unavailable(err) {
		return false
	}
	r.state.Store(&replicaState{err: err})
	return true
}

// RecoveryConflict reports whether err is a hot standby cancelling a read
// that conflicted with the WAL it replays (SQLSTATE 40001, "canceling
// statement due to conflict with recovery", after max_standby_streaming_delay):
// the read itself is fine and the primary can answer it.
func RecoveryConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40001" && strings.Contains(pgErr.Message, "conflict with recovery")
}

// Fallbacks returns how many reads went to the primary instead of the
// replica, by reason (FallbackUnreachable, FallbackLagging).
func (r *Reader) Fallbacks() map[string]int64 {
	if r == nil {
		return map[string]int64{FallbackUnreachable: 0, FallbackLagging: 0}
	}
	return map[string]int64{FallbackUnreachable: r.unreachable.Load(), FallbackLagging: r.lagging.Load()}
}

// Lag returns the replica's lag as of the last probe and now, and whether
// the replica was reachable then and its lag known.
func (r *Reader) Lag() (time.Duration, bool) {
	if !r.HasReplica() {
		return 0, false
	}
	st := r.state.Load()
	if st == nil || !st.ok || st.asOf.IsZero() {
		return 0, false
	}
	return max(r.opt.Now().Sub(st.asOf), 0), true
}

// probeSQL asks the replica how far it has replayed: whether it is a
// primary (not in recovery: always current), the WAL position replayed,
// whether that is all it has received, and when the last transaction it
// replayed committed.
const probeSQL = `SELECT NOT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
	coalesce(pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(), false), pg_last_xact_replay_timestamp()`

// sample is the primary's WAL position at a probe's start.
type sample struct {
	at  time.Time
	lsn uint64
}

// maxSamples bounds the primary positions kept; older ones only matter to
// a replica further behind than FallbackAfter, which is not read from.
const maxSamples = 1024

// parseLSN reads a pg_lsn's text form, two hexadecimal halves: 16/B374D848.
func parseLSN(s string) (uint64, bool) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, false
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	return h<<32 | l, err1 == nil && err2 == nil
}

// Probe measures the replica's lag once and keeps the answer for Read.
func (r *Reader) Probe(ctx context.Context) error {
	if !r.HasReplica() {
		return nil
	}
	r.probeMu.Lock()
	defer r.probeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, max(2*r.opt.ProbeEvery, 2*time.Second))
	defer cancel()
	at := r.opt.Now()
	var primaryLSN string
	primaryOK := r.primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&primaryLSN) == nil
	if n, ok := parseLSN(primaryLSN); primaryOK && ok {
		if len(r.samples) == maxSamples {
			r.samples = r.samples[1:]
		}
		r.samples = append(r.samples, sample{at: at, lsn: n})
	}
	var (
		primary, receivedAll bool
		replayLSN            *string
		replayed             *time.Time
	)
	if err := r.replica.QueryRow(ctx, probeSQL).Scan(&primary, &replayLSN, &receivedAll, &replayed); err != nil {
		r.state.Store(&replicaState{err: err})
		return err
	}
	st := &replicaState{ok: true}
	if replayed != nil {
		st.asOf = *replayed
	}
	var replay uint64
	if replayLSN != nil {
		replay, _ = parseLSN(*replayLSN)
	}
	switch {
	case primary:
		st.asOf = at
	case !primaryOK && receivedAll:
		st.asOf = at // the primary is away: the replica has all it was sent
	default:
		// Every commit before a probe whose primary position the replica
		// has replayed is on the replica: an idle primary's replica stays
		// current, where the last replayed commit alone would age.
		for i := len(r.samples) - 1; i >= 0; i-- {
			if r.samples[i].lsn <= replay {
				if r.samples[i].at.After(st.asOf) {
					st.asOf = r.samples[i].at
				}
				break
			}
		}
	}
	r.state.Store(st)
	return nil
}

// Run probes the replica every ProbeEvery until ctx ends.
func (r *Reader) Run(ctx context.Context) {
	if !r.HasReplica() {
		return
	}
	t := time.NewTicker(r.opt.ProbeEvery)
	defer t.Stop()
	for {
		_ = r.Probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
