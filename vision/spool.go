package vision

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
)

// Spool is the on-disk queue between the pipeline and the server. Every item
// is a file written atomically (temporary file, fsync, rename, fsync of the
// folder) before any attempt to send it, and removed only after the server
// acknowledged it, so a process killed at any moment loses nothing; the
// server's idempotency on client-made event ids makes a resend harmless.
//
//	events/<uuidv7>.json        one event each; names sort by creation time
//	footfall/<hour>_<zone>.json the latest total of one zone-hour ("_" zone: the store)
//	presence/<uuidv7>.json      one lane presence or store exit each, in order made
//	rejected/                   items the server refused as invalid, for a person to read
//	zones.json                  the zones last fetched, for a start with the server away
type Spool struct {
	dir string
	mu  sync.Mutex // orders footfall rewrites against their removal after a send
}

// Spool sub-folders.
const (
	spoolEvents   = "events"
	spoolFootfall = "footfall"
	spoolRejected = "rejected"
	spoolPresence = "presence"
)

// OpenSpool creates the folders under dir and clears temporary files a
// killed process left.
func OpenSpool(dir string) (*Spool, error) {
	for _, sub := range []string{spoolEvents, spoolFootfall, spoolPresence, spoolRejected} {
		p := filepath.Join(dir, sub)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, fmt.Errorf("vision: spool: %w", err)
		}
		tmps, _ := filepath.Glob(filepath.Join(p, ".tmp-*"))
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	return &Spool{dir: dir}, nil
}

// writeFile replaces path with data atomically and durably.
func writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// AddEvent spools an event, giving it a UUIDv7 id if it has none.
func (s *Spool) AddEvent(ev *ss.EventInput) error {
	if ev.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		ev.ID = id.String()
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(s.dir, spoolEvents, ev.ID+".json"), data); err != nil {
		return fmt.Errorf("vision: spool event: %w", err)
	}
	return nil
}

// AddPresence spools a lane presence under a UUIDv7 name, so presences
// go out in the order they were made (an enter before its leave).
func (s *Spool) AddPresence(p Presence) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(s.dir, spoolPresence, id.String()+".json"), data); err != nil {
		return fmt.Errorf("vision: spool presence: %w", err)
	}
	return nil
}

// SetFootfall spools the current totals of zone-hours, each replacing any
// earlier total of its zone-hour not yet sent. The sender sees all of them
// or none (it lists footfall under the same lock), so totals spooled
// together go out in one request.
func (s *Spool) SetFootfall(fs ...ss.FootfallInput) error {
	datas := make([][]byte, len(fs))
	for i := range fs {
		data, err := json.Marshal(fs[i])
		if err != nil {
			return err
		}
		datas[i] = data
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range fs {
		if err := writeFile(s.footfallPath(fs[i]), datas[i]); err != nil {
			return fmt.Errorf("vision: spool footfall: %w", err)
		}
	}
	return nil
}

func (s *Spool) footfallPath(f ss.FootfallInput) string {
	t, _ := time.Parse(time.RFC3339, f.Hour)
	zone := f.Zone
	if zone == "" {
		zone = "_"
	}
	return filepath.Join(s.dir, spoolFootfall, fmt.Sprintf("%d_%s.json", t.Unix(), zone))
}

// item is one spooled file and its content.
type item struct {
	path string
	data []byte
}

// pending returns up to n items of kind, oldest first; footfall is read
// under the lock SetFootfall writes under, so never halfway through a flush.
func (s *Spool) pending(kind string, n int) ([]item, error) {
	if kind == spoolFootfall {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	ents, err := os.ReadDir(filepath.Join(s.dir, kind))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var items []item
	for _, name := range names {
		if len(items) == n {
			break
		}
		p := filepath.Join(s.dir, kind, name)
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		items = append(items, item{p, data})
	}
	return items, nil
}

// Depth counts the items waiting, by kind.
func (s *Spool) Depth(kind string) int {
	ents, _ := os.ReadDir(filepath.Join(s.dir, kind))
	n := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// done removes delivered items; a footfall total rewritten since it was read
// stays, to be sent again.
func (s *Spool) done(items []item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		cur, err := os.ReadFile(it.path)
		if err != nil || string(cur) != string(it.data) {
			continue
		}
		if err := os.Remove(it.path); err != nil {
			return err
		}
	}
	return nil
}

// reject moves an item the server refused into rejected/, with the reason.
func (s *Spool) reject(it item, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := filepath.Join(s.dir, spoolRejected, filepath.Base(filepath.Dir(it.path))+"-"+filepath.Base(it.path))
	if err := writeFile(base+".reason", []byte(reason+"\n")); err != nil {
		return err
	}
	return os.Rename(it.path, base)
}

// SaveZones keeps the zones last fetched.
func (s *Spool) SaveZones(fc []byte) error { return writeFile(filepath.Join(s.dir, "zones.json"), fc) }

// LoadZones returns the zones kept by SaveZones.
func (s *Spool) LoadZones() ([]byte, error) { return os.ReadFile(filepath.Join(s.dir, "zones.json")) }

// SaveCounts keeps the footfall counter's totals, so a restart within an
// hour goes on from them instead of sending a smaller total.
func (s *Spool) SaveCounts(f *Footfall) error {
	m := map[string]int64{}
	for k, n := range f.Counts() {
		m[fmt.Sprintf("%d_%s", k.Hour.Unix(), k.Zone)] = n
	}
	data, _ := json.Marshal(m)
	return writeFile(filepath.Join(s.dir, "footfall-counts.json"), data)
}

// LoadCounts restores totals kept by SaveCounts into f.
func (s *Spool) LoadCounts(f *Footfall) error {
	data, err := os.ReadFile(filepath.Join(s.dir, "footfall-counts.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var m map[string]int64
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("vision: spool footfall-counts.json: %w", err)
	}
	for key, n := range m {
		var unix int64
		var zone string
		if i := strings.IndexByte(key, '_'); i > 0 {
			fmt.Sscan(key[:i], &unix)
			zone = key[i+1:]
		}
		f.Set(FootfallKey{Zone: zone, Hour: time.Unix(unix, 0).UTC()}, n)
	}
	return nil
}
