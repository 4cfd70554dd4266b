package alerts_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Evidence clips stay in alerts/: no other package's code names their
// table, so no report, export or webhook can carry one (DESIGN.md, Private).
func TestEvidenceStaysInAlerts(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if filepath.Dir(path) == filepath.Join("..", "alerts") { // alerts/ itself
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "alert_evidence") {
			t.Errorf("%s names the evidence tables: only alerts/ may read clips", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
