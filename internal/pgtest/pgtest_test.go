package pgtest_test

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestStart(t *testing.T) {
	s := pgtest.Start(t, pgtest.Options{})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "select 40 + 2").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 42 {
		t.Fatalf("got %d", n)
	}
}
