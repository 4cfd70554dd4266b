package migrations_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shrinkscope/shrinkscope/migrations"
)

var appendLanded = flag.Bool("append", false, "append the migrations not yet in landed.sum to it (once they have landed on main)")

const landedFile = "landed.sum"

// Every migration listed in landed.sum is present and unchanged; the ones
// not listed yet are new work. With -append their lines are added.
func TestLanded(t *testing.T) {
	sum, err := os.ReadFile(landedFile)
	if err != nil {
		t.Fatal(err)
	}
	unlisted, err := checkLanded(sum, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range unlisted {
		t.Logf("%s is not in %s: new work; once it has landed, append it with: go test ./migrations -run 'TestLanded$' -args -append", name, landedFile)
	}
	if *appendLanded {
		appendSums(t, sum, unlisted)
	}
}

// checkLanded checks fsys's migrations against the checksum list sum (lines
// "<sha256>  <file>" as sha256sum writes them; '#' starts a comment line):
// a listed file missing or with other content is an error naming it. It
// returns the migrations not in the list, sorted.
func checkLanded(sum []byte, fsys fs.FS) (unlisted []string, err error) {
	listed := map[string]bool{}
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(sum))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sumLine.FindStringSubmatch(line)
		if m == nil {
			errs = append(errs, fmt.Errorf("%s line %d: %q is not \"<sha256>  <file>.sql\"", landedFile, n, line))
			continue
		}
		want, name := m[1], m[2]
		if listed[name] {
			errs = append(errs, fmt.Errorf("%s line %d: %s is listed twice", landedFile, n, name))
			continue
		}
		listed[name] = true
		b, err := fs.ReadFile(fsys, name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s has landed (%s line %d) but is gone: a landed migration is never edited: add a new one", name, landedFile, n))
		case err != nil:
			errs = append(errs, err)
		case checksum(b) != want:
			errs = append(errs, fmt.Errorf("%s differs from its checksum in %s line %d: a landed migration is never edited: add a new one", name, landedFile, n))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if !listed[name] {
			unlisted = append(unlisted, name)
		}
	}
	slices.Sort(unlisted)
	return unlisted, errors.Join(errs...)
}

var sumLine = regexp.MustCompile(`^([0-9a-f]{64})  ([^/\s]+\.sql)$`)

func checksum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// appendSums adds a line for each of names at the end of landed.sum,
// leaving the lines already there as they are.
func appendSums(t *testing.T, sum []byte, names []string) {
	t.Helper()
	var add bytes.Buffer
	if len(sum) > 0 && sum[len(sum)-1] != '\n' {
		add.WriteByte('\n')
	}
	for _, name := range names {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&add, "%s  %s\n", checksum(b), name)
	}
	f, err := os.OpenFile(landedFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(add.Bytes()); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Logf("appended %s to %s", name, landedFile)
	}
}

// The check fails on an edited or a removed landed migration, naming it,
// and lets a new one through, on a copy of the migrations in memory.
func TestLandedDetectsChanges(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) < 3 {
		t.Fatalf("%d migrations, %v", len(names), err)
	}
	var sum bytes.Buffer
	sum.WriteString("# a header line\n\n")
	copyFS := func() fstest.MapFS {
		m := fstest.MapFS{}
		for _, n := range names {
			b, err := fs.ReadFile(migrations.FS, n)
			if err != nil {
				t.Fatal(err)
			}
			m[n] = &fstest.MapFile{Data: b}
		}
		return m
	}
	lines := map[string]string{}
	for _, n := range names[:len(names)-1] { // the newest is new work
		b, _ := fs.ReadFile(migrations.FS, n)
		lines[n] = fmt.Sprintf("%s  %s\n", checksum(b), n)
		sum.WriteString(lines[n])
	}
	newest := names[len(names)-1]
	const never = "a landed migration is never edited: add a new one"

	t.Run("unchanged", func(t *testing.T) {
		unlisted, err := checkLanded(sum.Bytes(), copyFS())
		if err != nil || !slices.Equal(unlisted, []string{newest}) {
			t.Errorf("unlisted %v, err %v; want [%s] and no error", unlisted, err, newest)
		}
	})
	t.Run("edited", func(t *testing.T) {
		fsys := copyFS()
		edited := names[1]
		fsys[edited] = &fstest.MapFile{Data: append(bytes.Clone(fsys[edited].Data), "-- one more line\n"...)}
		_, err := checkLanded(sum.Bytes(), fsys)
		if err == nil || !strings.Contains(err.Error(), edited+" differs") || !strings.Contains(err.Error(), never) {
			t.Errorf("edited %s: %v", edited, err)
		}
	})
	t.Run("removed", func(t *testing.T) {
		fsys := copyFS()
		delete(fsys, names[0])
		_, err := checkLanded(sum.Bytes(), fsys)
		if err == nil || !strings.Contains(err.Error(), names[0]+" has landed") || !strings.Contains(err.Error(), never) {
			t.Errorf("removed %s: %v", names[0], err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, line := range []string{"abc  00001_core.sql", checksum(nil) + " 00001_core.sql", checksum(nil) + "  ../00001_core.sql"} {
			if _, err := checkLanded([]byte(line+"\n"), copyFS()); err == nil || !strings.Contains(err.Error(), "line 1") {
				t.Errorf("%q: %v", line, err)
			}
		}
		twice := lines[names[0]] + lines[names[0]]
		if _, err := checkLanded([]byte(twice), copyFS()); err == nil || !strings.Contains(err.Error(), names[0]+" is listed twice") {
			t.Errorf("a line twice: %v", err)
		}
	})
}
