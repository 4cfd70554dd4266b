package frigate

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// People entering the door are counted in the store's local hours, across
// both daylight-saving changes of Europe/London: in October the repeated
// 01:00-02:00 is two hours (BST, then GMT), in March the missing 01:00 is
// none; each person once, however many messages.
func TestFootfallHoursAcrossDST(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := ParseConfig([]byte(strings.Replace(strings.Replace(testConfig, "spool: /tmp/spool", "spool: "+dir, 1),
		"store: S1", "store: S1\ntimezone: Europe/London", 1)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) float64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return float64(tm.Unix())
	}
	visitor := func(id, when string) {
		m := fmt.Sprintf(`{"type":"update","before":null,"after":{"id":%q,"camera":"aisle","label":"person","start_time":%v,"frame_time":%v,"false_positive":false,"entered_zones":["door"]}}`,
			id, at(when)-5, at(when))
		b.handle([]byte(m))
		b.handle([]byte(m)) // a repeat counts nothing
	}
	day := func(now string) {
		b.now = func() time.Time { return time.Unix(int64(at(now)), 0) }
	}
	flush := func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if err := b.flushFootfall(b.now(), true); err != nil {
			t.Fatal(err)
		}
	}
	day("2026-03-29T04:00:00Z")
	visitor("d", "2026-03-29T00:30:00Z") // 00:30 GMT
	visitor("e", "2026-03-29T01:30:00Z") // 02:30 BST: 01:00 local never happened
	flush()
	day("2026-10-25T04:00:00Z")
	visitor("a", "2026-10-25T00:30:00Z") // 01:30 BST
	visitor("b", "2026-10-25T00:50:00Z") // 01:50 BST
	visitor("c", "2026-10-25T01:30:00Z") // 01:30 GMT: the second 01:00 hour
	visitor("f", "2026-10-23T01:30:00Z") // older than the counter keeps: not counted
	flush()
	files, _ := filepath.Glob(filepath.Join(dir, "footfall", "*.json"))
	var got []string
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var in ss.FootfallInput
		if err := json.Unmarshal(data, &in); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %d", in.Store, in.Hour, *in.Visitors))
	}
	sort.Strings(got)
	want := []string{ // hours as the UTC start of each local hour
		"S1 2026-03-29T00:00:00Z 1", "S1 2026-03-29T01:00:00Z 1",
		"S1 2026-10-25T00:00:00Z 2", "S1 2026-10-25T01:00:00Z 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("footfall spooled\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
