package engine

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkInsertSmall measures INSERT statements of one and of ten
// literal rows into an append-only table (per statement, through Exec),
// the small end of the bulk INSERT paths.
func BenchmarkInsertSmall(b *testing.B) {
	for _, rows := range []int{1, 10} {
		b.Run(strconv.Itoa(rows), func(b *testing.B) {
			ctx := context.Background()
			e, err := Open(ctx, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			s := NewSession()
			if _, err := e.Exec(ctx, s, "CREATE TABLE t (k bigint, v varchar) APPEND ONLY"); err != nil {
				b.Fatal(err)
			}
			sql := "INSERT INTO t VALUES "
			for i := range rows {
				if i > 0 {
					sql += ", "
				}
				sql += "(" + strconv.Itoa(i*7919) + ", 'value " + strconv.Itoa(i) + "')"
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Exec(ctx, s, sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
