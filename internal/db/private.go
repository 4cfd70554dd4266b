package db

import (
	"context"
	"errors"
	"os"
)

// OpenPrivate starts a PostgreSQL of its own from the local binaries, with
// its data under o.StateDir and listening on 127.0.0.1:port, ignoring any
// server already running on this machine and o.URL. As root it runs the
// server as an unprivileged user, like Open. It is for tests that must stop
// the server under a running service (see DB.StopServer).
func OpenPrivate(ctx context.Context, o Options, port int) (*DB, error) {
	o = o.withDefaults()
	o.URL = ""
	return open(ctx, o, probe{
		binDir: findBinDir,
		euid:   os.Geteuid(),
		ports:  []int{port},
		start: func(context.Context, launch) (*server, error) {
			return nil, errors.New("db: OpenPrivate needs local PostgreSQL binaries")
		},
	})
}

// StopServer stops the server this DB started (fast shutdown) and leaves the
// pool open, so its users see the database go away; Close still closes the
// pool. A DB that started no server returns an error.
func (d *DB) StopServer() error {
	if d.stop == nil {
		return errors.New("db: this DB did not start its server")
	}
	stop := d.stop
	d.stop = nil
	return stop()
}
