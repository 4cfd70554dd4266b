package db

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runUser is the OS user PostgreSQL's binaries run as. initdb, pg_ctl and
// postgres refuse to run as root, so root hands them to another user.
type runUser struct {
	name     string
	uid, gid int
	drop     bool // we are root: switch to uid/gid and give it the directories
}

// pickRunUser returns the current user unless euid is root; then the owner
// of an existing data directory, else postgres, else nobody.
func pickRunUser(euid int, dataDir string) (runUser, error) {
	if euid != 0 {
		name := strconv.Itoa(euid)
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return runUser{name: name, uid: euid, gid: os.Getegid()}, nil
	}
	if st, err := os.Stat(dataDir); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid != 0 {
			if u, err := user.LookupId(strconv.Itoa(int(sys.Uid))); err == nil {
				return fromUser(u)
			}
			return runUser{name: strconv.Itoa(int(sys.Uid)), uid: int(sys.Uid), gid: int(sys.Gid), drop: true}, nil
		}
	}
	for _, name := range []string{"postgres", "nobody"} {
		if u, err := user.Lookup(name); err == nil {
			return fromUser(u)
		}
	}
	return runUser{}, fmt.Errorf("db: running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as")
}

func fromUser(u *user.User) (runUser, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return runUser{}, fmt.Errorf("db: user %s has non-numeric uid %q", u.Username, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return runUser{}, fmt.Errorf("db: user %s has non-numeric gid %q", u.Username, u.Gid)
	}
	return runUser{name: u.Username, uid: uid, gid: gid, drop: true}, nil
}

// command runs a PostgreSQL binary as u, in dir, without the caller's PG*
// variables, which could point it at another cluster.
func (u runUser) command(ctx context.Context, dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	// The caller's working directory may be unreadable to u, and postgres
	// resolves paths against it.
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if u.drop {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid)}}
	}
	return cmd
}

// own gives paths to u when we are root, so it can write them.
func (u runUser) own(paths ...string) error {
	if !u.drop {
		return nil
	}
	for _, p := range paths {
		if err := os.Lchown(p, u.uid, u.gid); err != nil {
			return fmt.Errorf("db: give %s to user %s: %w", p, u.name, err)
		}
	}
	return nil
}

// canTraverse checks that u can reach dir, so a 0700 parent (root's home,
// a test's temp dir) fails with a plain message instead of inside initdb.
func (u runUser) canTraverse(dir string) error {
	if !u.drop {
		return nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("db: check %s: %w", d, err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		mode := st.Mode().Perm()
		var x os.FileMode = 0o001
		switch {
		case int(sys.Uid) == u.uid:
			x = 0o100
		case int(sys.Gid) == u.gid:
			x = 0o010
		}
		if mode&x == 0 {
			return fmt.Errorf("db: user %s, which runs PostgreSQL because we are root, cannot enter %s (mode %v); use a state directory outside it (XDG_STATE_HOME) or chmod o+x it", u.name, d, mode)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
