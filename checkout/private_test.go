package checkout_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The checkout tables are checkout/'s: no other package's code names them
// (DESIGN.md: a package never reaches into another's tables), so what they
// hold — anonymous tracks at tills — reaches no report, export or webhook
// but through this package.
func TestCheckoutTablesStayInCheckout(t *testing.T) {
	t.Parallel()
	table := regexp.MustCompile(`\bcheckout_(items|presence|exits|policy)\b`)
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
		if filepath.Dir(path) == filepath.Join("..", "checkout") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if m := table.Find(b); m != nil {
			t.Errorf("%s names %s: only checkout/ reads and writes it", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
