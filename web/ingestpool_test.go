package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

// With ingest on a pool of its own, a batch is stored, its token checked
// and its store resolved while every connection of the main pool is held
// (as by a crowd of slow reads).
func TestIngestHasConnectionsOfItsOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := dbtest.NewWithURL(t)
	open := func(conns int32) *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.MaxConns = conns
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	main, ingest := open(2), open(2)
	srv := web.New(app.New(main).WithIngestPool(ingest), slog.New(slog.DiscardHandler), web.Options{}, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: main, tokens: tokens.New(main)}
	f.admin, f.ingest = f.token(ss.RoleAdmin), f.token(ss.RoleIngest)
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S1", f.admin, storeJSON("Europe/London"))
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S1/zones", f.admin, zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4)))
	var held []*pgxpool.Conn
	release := sync.OnceFunc(func() {
		for _, c := range held {
			c.Release()
		}
	})
	t.Cleanup(release) // before the server's close, which waits for its requests
	for range 2 {
		c, err := main.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	raw, _ := json.Marshal(batch(event("S1", "Z1", time.Now().Add(-time.Minute))))
	req, _ := http.NewRequest("POST", hs.URL+"/api/v1/events", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+f.ingest)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second} // far longer than a batch takes, far shorter than a test's limit
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("ingest with the main pool exhausted: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("ingest with the main pool exhausted: %d %s", res.StatusCode, body)
	}
	release()
	if n := f.count("events"); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}
