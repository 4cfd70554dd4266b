package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestClientCloseIsNotAServerError has a client give up while its request
// waits on a locked table: the request is recorded as a client close (499)
// in the metrics and the log, not as a 500.
func TestClientCloseIsNotAServerError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE stores IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(cctx, "GET", f.url+"/api/v1/stores", nil)
	req.Header.Set("Authorization", "Bearer "+f.admin)
	if res, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		if res != nil {
			res.Body.Close()
		}
		t.Fatalf("request answered (%v) while the table was locked", err)
	}
	line := `route="/api/v1/stores",status="499"`
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mreq, _ := http.NewRequest("GET", f.url+"/metrics", nil)
		mreq.Header.Set("Authorization", "Bearer "+f.admin)
		res, err := http.DefaultClient.Do(mreq)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if metrics = string(b); strings.Contains(metrics, line) {
			break
		}
	}
	if !strings.Contains(metrics, line) {
		t.Errorf("metrics lack %s", line)
	}
	if strings.Contains(metrics, `status="500"`) {
		t.Errorf("a client close was counted as a 500")
	}
	logs := f.logs.String()
	if strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "client closed request") {
		t.Errorf("log does not record a client close without an error:\n%s", logs)
	}
}
