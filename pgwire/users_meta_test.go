package pgwire_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

func TestMetaUserStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	legacy := filepath.Join(dir, "users.json")
	if err := os.WriteFile(legacy, []byte(`[{"name":"root","superuser":true},{"name":"old"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(ctx, engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	us, err := pgwire.NewMetaUserStore(eng, legacy)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := us.Lookup("old"); !ok {
		t.Fatal("users.json was not imported")
	}
	if err := us.CreateUser("alice", "secret", false); err != nil {
		t.Fatal(err)
	}
	if err := us.DropUser("old", false); err != nil {
		t.Fatal(err)
	}
	rs, err := eng.Exec(ctx, nil, "SELECT rolname FROM pg_roles ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rs[0].Rows); got != 2 || rs[0].Rows[0][0] != "alice" || rs[0].Rows[1][0] != "root" {
		t.Fatalf("pg_roles = %v", rs[0].Rows)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	// The file is no longer consulted once the catalog has users.
	if err := os.WriteFile(legacy, []byte(`[{"name":"root"},{"name":"mallory"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err = engine.Open(ctx, engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	us, err = pgwire.NewMetaUserStore(eng, legacy)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := us.Lookup("alice")
	if !ok || u.Verifier == nil {
		t.Fatalf("alice after restart: %+v %v", u, ok)
	}
	if _, ok := us.Lookup("old"); ok {
		t.Fatal("dropped user came back")
	}
	if _, ok := us.Lookup("mallory"); ok {
		t.Fatal("users.json was re-imported")
	}
	if r, ok := us.Lookup("root"); !ok || !r.Superuser {
		t.Fatal("root lost")
	}
	_ = strings.TrimSpace
}
