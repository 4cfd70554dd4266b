package kpi

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files in testdata/ (and fail where they changed)")

// checkGolden compares the generated text got with the golden file at path.
// With -update it writes got, but still fails when the file held something
// else before: a changed statement is reviewed in the diff and committed,
// never accepted silently.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if err := golden(path, got, *update); err != nil {
		t.Error(err)
	}
}

// golden is checkGolden's comparison: nil when the file at path holds got;
// with write, the file holds got afterwards either way.
func golden(path, got string, write bool) error {
	want, err := os.ReadFile(path)
	if err != nil && !(write && errors.Is(err, fs.ErrNotExist)) {
		return fmt.Errorf("%v (generate it: go test ./kpi -run %s -update)", err, runFlag())
	}
	if write {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			return err
		}
	}
	if string(want) == got {
		return nil
	}
	if write {
		return fmt.Errorf("%s changed (rewritten: review the diff and commit it):\n%s", path, lineDiff(string(want), got, 40))
	}
	return fmt.Errorf("%s is stale: the code generates other SQL (review, then go test ./kpi -run %s -update):\n%s",
		path, runFlag(), lineDiff(string(want), got, 40))
}

func runFlag() string {
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	return "TestGenerated"
}

// lineDiff is a short line diff of a and b: the lines only in a (-) and
// only in b (+), each hunk after the line number it starts at in b, at
// most limit lines in all. Longest common subsequence of lines; the golden
// files are small enough for its quadratic table.
func lineDiff(a, b string, limit int) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	inHunk := false
	emit := func(j int, s string) {
		if !inHunk {
			out = append(out, fmt.Sprintf("@@ line %d", j+1))
			inHunk = true
		}
		out = append(out, s)
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			inHunk = false
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			emit(j, "- "+x[i])
			i++
		default:
			emit(j, "+ "+y[j])
			j++
		}
	}
	if len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("… %d more diff lines", len(out)-limit))
	}
	return strings.Join(out, "\n")
}

// A golden file that differs from what the code generates fails the test,
// with -update too; the file then holds the new text, and the next run passes.
func TestGoldenUpdateFailsOnChange(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "q.sql")
	if err := golden(path, "SELECT 1;\n", true); err == nil {
		t.Fatal("writing a new golden file passed; want the new file reported")
	}
	if err := golden(path, "SELECT 1;\n", true); err != nil {
		t.Fatalf("unchanged, with update: %v", err)
	}
	if err := golden(path, "SELECT 1;\n", false); err != nil {
		t.Fatalf("unchanged: %v", err)
	}
	err := golden(path, "SELECT 2;\n", false)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "- SELECT 1;\n+ SELECT 2;") {
		t.Fatalf("changed: %v; want the file named and a diff", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "SELECT 1;\n" {
		t.Fatalf("without update the file was rewritten: %q", b)
	}
	err = golden(path, "SELECT 2;\n", true)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "+ SELECT 2;") {
		t.Fatalf("changed, with update: %v; want the file named and a diff", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "SELECT 2;\n" {
		t.Fatalf("with update the file holds %q", b)
	}
	if err := golden(path, "SELECT 2;\n", false); err != nil {
		t.Fatalf("after update: %v", err)
	}
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ a, b, want string }{
		{"a\nb\nc", "a\nb\nc", ""},
		{"a\nb\nc", "a\nx\nc", "@@ line 2\n- b\n+ x"},
		{"a\nc", "a\nb\nc\nd", "@@ line 2\n+ b\n@@ line 4\n+ d"},
		{"a\nb\nc", "c", "@@ line 1\n- a\n- b"},
	} {
		if got := lineDiff(c.a, c.b, 40); got != c.want {
			t.Errorf("lineDiff(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	if got := lineDiff("a", "b\nc\nd", 2); got != "@@ line 1\n- a\n… 3 more diff lines" {
		t.Errorf("capped diff = %q", got)
	}
}
