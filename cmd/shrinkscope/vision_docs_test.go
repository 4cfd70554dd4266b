package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// docsConfig returns docs/VISION.md's example config, the YAML block after
// its example-config marker, as a reader copies it.
func docsConfig(t *testing.T) string {
	t.Helper()
	doc := readFile(t, "../../docs/VISION.md")
	_, after, ok := strings.Cut(doc, "<!-- example-config")
	if !ok {
		t.Fatal("docs/VISION.md has no example-config marker")
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(after)
	if m == nil {
		t.Fatal("no yaml block after the example-config marker")
	}
	return m[1]
}

// docs/VISION.md's walk-through, step by step as written: the example
// files, the store and zones PUT as its curl commands do, an ingest token
// of that store, its config with only the server address, the folder and
// the library's location changed, `vision check` printing what the page
// says, and a `--dry-run` logging the two events and sending nothing.
func TestVisionDocsWalkThrough(t *testing.T) {
	v := newVisionSetup(t)
	work := v.dir
	example := filepath.Join(work, "example")
	if err := scene.WriteExample(example); err != nil { // go run ./cmd/visionexample -out example
		t.Fatal(err)
	}
	for _, put := range [][2]string{{"/api/v1/stores/EX1", scene.ExampleStore}, {"/api/v1/stores/EX1/zones", scene.ExampleZones}} {
		path, file := put[0], put[1]
		req, _ := http.NewRequest("PUT", "http://"+v.srv.addr+path, strings.NewReader(readFile(t, filepath.Join(example, file))))
		req.Header.Set("Authorization", "Bearer "+v.admin)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode >= 300 {
			t.Fatalf("PUT %s: %v %v", path, res, err)
		}
		res.Body.Close()
	}
	token, _, err := sh(t, v.srv.vars, "token", "create", "--role", "ingest", "--name", "vision-EX1", "--stores", "EX1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := docsConfig(t)
	readme := readFile(t, "../../README.md")
	if _, sec, _ := strings.Cut(readme, "## Vision (in the store)"); !strings.Contains(sec, "```yaml\n"+cfg+"```") {
		t.Errorf("README's vision section does not show docs/VISION.md's example config as it is")
	}
	for old, new := range map[string]string{
		"http://127.0.0.1:8080": "http://" + v.srv.addr,
		"example/":              example + "/",
		".onnxruntime/1.24.3/libonnxruntime.so.1": v.lib,
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("the example config lacks %q:\n%s", old, cfg)
		}
		cfg = strings.ReplaceAll(cfg, old, new)
	}
	path := filepath.Join(work, "vision.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{"SHRINKSCOPE_TOKEN": strings.TrimSpace(token)})

	var out, logs syncBuffer
	if err := run(context.Background(), []string{"vision", "check", "--config", path, "--out", filepath.Join(example, "check")},
		env, strings.NewReader(""), &out, &logs); err != nil {
		t.Fatalf("vision check: %v\n%s\n%s", err, out.String(), logs.String())
	}
	for _, want := range []string{
		"ok   version 1.24", "input  images [1 3 64 64]", "output output0 [1 7 49]", "fits the contract",
		"2 zones from the server: A, B", "camera door (folder)", "frame 128×96; every calibration point lies inside it",
		"every check passed; nothing was sent",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("vision check does not print %q as docs/VISION.md says:\n%s", want, out.String())
		}
	}
	if m := regexp.MustCompile(`largest reprojection error (\S+) m`).FindStringSubmatch(out.String()); m == nil || m[1] != "0.000" && m[1] != "0.001" {
		t.Errorf("the page's calibration (rounded to the millimetre) should fit to within a millimetre: %v", m)
	}
	for i := range 5 {
		if _, err := os.Stat(filepath.Join(example, "check", "door-00"+string(rune('0'+i))+".png")); err != nil {
			t.Errorf("annotated frame %d: %v", i, err)
		}
	}

	var dry syncBuffer
	if err := run(context.Background(), []string{"vision", "--config", path, "--dry-run"}, env, strings.NewReader(""), &dry, &dry); err != nil {
		t.Fatalf("vision --dry-run: %v\n%s", err, dry.String())
	}
	for _, want := range []string{
		`"msg":"dry run: concealment event (not sent)","camera":"door","zone":"A","track"`,
		`"method":"pocket"`, `"zone":"B"`, `"method":"bag"`,
		`"msg":"dry run ended; nothing was sent","events":2`,
	} {
		if !strings.Contains(dry.String(), want) {
			t.Errorf("the dry run does not log %s:\n%s", want, dry.String())
		}
	}
	if got := v.events(t); len(got) != 0 {
		t.Errorf("the walk-through's check and dry run stored events %v", got)
	}
	if _, err := os.Stat(filepath.Join(example, "spool")); !os.IsNotExist(err) {
		t.Errorf("the dry run made the spool (%v)", err)
	}
}
