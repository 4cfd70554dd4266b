package tokens

import (
	"context"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// With a cache TTL, a token found live is trusted that long without the
// database: revoked elsewhere (another replica, the CLI) it still opens
// until the TTL has passed, and not after; revoked through the same
// Service it stops at once.
func TestCacheTrustsATokenForItsTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	replica := New(pool)
	replica.now = func() time.Time { return now }
	replica.SetCacheTTL(5 * time.Second)
	elsewhere := New(pool)
	secret, tok, err := elsewhere.Create(ctx, "cam", ss.RoleIngest, []string{"S1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := replica.Authenticate(ctx, secret)
	if err != nil || p.TokenID != tok.ID || p.Role != ss.RoleIngest || len(p.Stores) != 1 || p.Stores[0] != "S1" {
		t.Fatalf("first lookup: %+v %v", p, err)
	}
	if _, err := elsewhere.Revoke(ctx, "cam"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(4900 * time.Millisecond)
	if _, err := replica.Authenticate(ctx, secret); err != nil {
		t.Errorf("4.9 s after its lookup (TTL 5 s) the cached token was refused: %v", err)
	}
	now = now.Add(100 * time.Millisecond)
	if _, err := replica.Authenticate(ctx, secret); ss.ErrorCode(err) != ss.EUNAUTHORIZED {
		t.Errorf("5 s after its lookup a token revoked elsewhere: %v, want unauthorized", err)
	}
	// Revoked through the replica itself: refused at once.
	secret2, _, err := elsewhere.Create(ctx, "cam2", ss.RoleIngest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Authenticate(ctx, secret2); err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Revoke(ctx, "cam2"); err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Authenticate(ctx, secret2); ss.ErrorCode(err) != ss.EUNAUTHORIZED {
		t.Errorf("revoked through the same Service: %v, want unauthorized at once", err)
	}
	// Unknown secrets are never cached: each one asks the database.
	if _, err := replica.Authenticate(ctx, "sst_unknown"); ss.ErrorCode(err) != ss.EUNAUTHORIZED || len(replica.cache) != 0 {
		t.Errorf("unknown secret: %v, cache holds %d", err, len(replica.cache))
	}
}
