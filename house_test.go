package shrinkscope_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/shrinkscope/shrinkscope"

// house says which of our packages each package may import (DESIGN.md,
// Shape): imports point down the loop; internal/ holds ground-floor helpers
// that import nothing above the root vocabulary; vision talks to the server
// over HTTP only, and frigate through vision's spool and sender; app, the service graph, is imported only by web and the
// programs. "" is the module root; a key ending in "/" covers a folder.
var house = map[string][]string{
	"":           {},
	"migrations": {},
	"internal/":  {"", "internal/", "migrations"},
	"kpi":        {"", "internal/"},
	"layout":     {"", "internal/", "kpi"},
	"segments":   {"", "internal/", "kpi"},
	"workforce":  {"", "internal/", "kpi"},
	"alerts":     {"", "internal/", "kpi"},
	"checkout":   {"", "internal/", "kpi"},
	"findings":   {"", "internal/", "kpi", "layout"},
	"reports":    {"", "internal/", "kpi", "layout", "segments", "workforce", "findings", "alerts", "checkout"},
	"vision":     {"", "internal/"},
	"frigate":    {"", "internal/", "vision"},
	"app":        {"", "internal/", "kpi", "layout", "segments", "workforce", "findings", "reports", "alerts", "checkout"},
	"web":        {"", "internal/", "migrations", "kpi", "layout", "segments", "workforce", "findings", "reports", "alerts", "checkout", "app"},
	"cmd/":       nil, // programs wire everything
}

// edges says which outside modules only one package may import (STYLE.md:
// outside dependencies stay at their edge).
var edges = map[string][]string{
	"github.com/labstack/echo":            {"web"},
	"github.com/yalue/onnxruntime_go":     {"vision"},
	"github.com/go-echarts/go-echarts":    {"reports"},
	"github.com/robfig/cron":              {"reports"},
	"github.com/eclipse/paho.mqtt.golang": {"frigate"},
}

func rule(pkg string) (allowed []string, ok bool) {
	if a, ok := house[pkg]; ok {
		return a, true
	}
	for k, a := range house {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(pkg, k) {
			return a, true
		}
	}
	return nil, false
}

func allows(allowed []string, dep string) bool {
	for _, a := range allowed {
		if a == dep || strings.HasSuffix(a, "/") && strings.HasPrefix(dep, a) {
			return true
		}
	}
	return false
}

// goPackages maps each folder with Go files (relative, "" for the root) to
// the imports of its non-test files.
func goPackages(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			dir = ""
		}
		if _, seen := out[dir]; !seen {
			out[dir] = nil // listed even without imports
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out[dir] = append(out[dir], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every package's imports of ours follow the house table, and every package
// is in it, so a new one has to say where it lives.
func TestHouseImports(t *testing.T) {
	t.Parallel()
	for pkg, imports := range goPackages(t) {
		allowed, ok := rule(pkg)
		if !ok {
			t.Errorf("package %q is not in the house table (house_test.go): say which of ours it may import", pkg)
			continue
		}
		for _, im := range imports {
			for mod, owners := range edges {
				if strings.HasPrefix(im, mod) && !slices.Contains(owners, pkg) {
					t.Errorf("%s imports %s, which only %v may", pkgName(pkg), im, owners)
				}
			}
			if allowed == nil || (im != module && !strings.HasPrefix(im, module+"/")) {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(im, module), "/")
			if !allows(allowed, dep) {
				t.Errorf("%s imports %s: the house allows only %q", pkgName(pkg), pkgName(dep), allowed)
			}
		}
	}
}

// The table's reading, on imports the house forbids.
func TestHouseRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pkg, dep string
		ok       bool
	}{
		{"internal/estate", "", true},
		{"internal/estate", "internal/stats", true},
		{"internal/estate", "kpi", false},
		{"kpi", "layout", false},
		{"kpi", "internal/db", true},
		{"vision", "kpi", false},
		{"reports", "web", false},
		{"app", "web", false},
		{"web", "app", true},
		{"cmd/kpibench", "web", true},
		{"alerts", "kpi", true},
		{"alerts", "reports", false},
		{"kpi", "alerts", false},
		{"checkout", "kpi", true},
		{"checkout", "alerts", false},
		{"kpi", "checkout", false},
	} {
		allowed, known := rule(c.pkg)
		if got := known && (allowed == nil || allows(allowed, c.dep)); got != c.ok {
			t.Errorf("%s importing %s: allowed %v, want %v", c.pkg, c.dep, got, c.ok)
		}
	}
	if _, known := rule("nosuchpackage"); known {
		t.Error("a package missing from the table reads as known")
	}
}

func pkgName(p string) string {
	if p == "" {
		return "the module root"
	}
	return p
}

// sqlCall is a statement run on a pool, connection or transaction.
var sqlCall = regexp.MustCompile(`\.(Query|QueryRow|Exec|CopyFrom|SendBatch)\(`)

// The service's command only wires: it runs no SQL of its own, so every
// table is read and written by the package that owns it.
func TestCommandRunsNoSQL(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("cmd/shrinkscope/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no command sources: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if sqlCall.MatchString(line) {
				t.Errorf("%s:%d runs SQL: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// layoutTables finds SQL that reads layout's own tables.
var layoutTables = regexp.MustCompile(`(?i)\b(FROM|JOIN|INTO|UPDATE)\s+(stores|zones|layout_versions)\b`)

// Other packages read stores and zones through layout's directory or the
// views it publishes (store_directory, zone_directory), never its tables;
// the benchmarks' raw-event baselines and app's reset of every table are
// the exceptions, since they measure or empty the schema itself.
func TestLayoutTablesStayInLayout(t *testing.T) {
	t.Parallel()
	for pkg := range goPackages(t) {
		if pkg == "layout" || pkg == "app" || pkg == "cmd/kpibench" || strings.HasPrefix(pkg, "internal/") {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "//") {
					continue
				}
				if m := layoutTables.FindString(line); m != "" {
					t.Errorf("%s:%d reads layout's table (%s): use its directory or store_directory / zone_directory", f, i+1, m)
				}
			}
		}
	}
}
