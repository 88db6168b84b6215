package state_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var benchLayout = types.TableLayout{
	ID:   21,
	Name: "bench",
	Cols: []types.Type{types.Int64, types.Varchar, types.Int64, types.Float64},
	PK:   []int{0},
}

func benchRow(k int64, epoch uint64) types.Row {
	return types.Row{k, "user-name-" + fmt.Sprint(k%1000), int64(epoch), float64(k) * 1.5}
}

func benchStores(b *testing.B) map[string]func() *state.Store {
	return map[string]func() *state.Store{
		"mem": func() *state.Store {
			s, err := state.Open(state.Options{InMemory: true})
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
		"disk": func() *state.Store {
			s, err := state.Open(state.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
	}
}

// BenchmarkPutSealCommit measures one epoch of 100k upserts: Put, Seal,
// Commit. Keys cycle over 1M so later epochs overwrite.
func BenchmarkPutSealCommit(b *testing.B) {
	for _, name := range []string{"mem", "disk"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]()
			defer s.Close()
			tb := s.Table(benchLayout)
			const perEpoch = 100_000
			epoch := uint64(0)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				epoch++
				base := int64(epoch%10) * perEpoch
				for i := range int64(perEpoch) {
					tb.Put(benchRow(base+i, epoch))
				}
				s.Seal(epoch)
				if err := s.Commit(epoch, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perEpoch), "ns/row")
		})
	}
}

// BenchmarkGet measures a point Get on a committed 1M-row table.
func BenchmarkGet(b *testing.B) {
	for _, name := range []string{"mem", "disk"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]()
			defer s.Close()
			tb := s.Table(benchLayout)
			const n = 1_000_000
			for e := range uint64(10) {
				for i := range int64(n / 10) {
					k := int64(e)*n/10 + i
					tb.Put(benchRow(k, 1))
				}
				if err := s.Commit(e+1, nil); err != nil {
					b.Fatal(err)
				}
			}
			rnd := rand.New(rand.NewPCG(1, 1))
			pk := make(types.Row, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				pk[0] = int64(rnd.IntN(n))
				if _, ok, err := tb.Get(pk); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

// BenchmarkSnapshotGet measures a point Get through a Snapshot over a
// committed 1M-row table with one sealed layer above it.
func BenchmarkSnapshotGet(b *testing.B) {
	s := benchStores(b)["mem"]()
	defer s.Close()
	tb := s.Table(benchLayout)
	const n = 1_000_000
	for i := range int64(n) {
		tb.Put(benchRow(i, 1))
	}
	if err := s.Commit(1, nil); err != nil {
		b.Fatal(err)
	}
	for i := range int64(1000) {
		tb.Put(benchRow(i*997, 2))
	}
	s.Seal(2)
	sn := s.Snapshot(2)
	defer sn.Release()
	rnd := rand.New(rand.NewPCG(1, 1))
	pk := make(types.Row, 1)
	b.ReportAllocs()
	for b.Loop() {
		pk[0] = int64(rnd.IntN(n))
		if _, ok, err := sn.Get(benchLayout, pk); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkScan measures a full scan of a committed 100k-row table.
func BenchmarkScan(b *testing.B) {
	s := benchStores(b)["mem"]()
	defer s.Close()
	tb := s.Table(benchLayout)
	const n = 100_000
	for i := range int64(n) {
		tb.Put(benchRow(i, 1))
	}
	if err := s.Commit(1, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c := 0
		tb.Scan(nil, func(types.Row) bool { c++; return true })
		if c != n {
			b.Fatal(c)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}

// BenchmarkPut measures staging one row (key and value encoding plus the
// skiplist insert) into a write set of up to 100k rows.
func BenchmarkPut(b *testing.B) {
	s := benchStores(b)["mem"]()
	defer s.Close()
	tb := s.Table(benchLayout)
	rows := make([]types.Row, 100_000)
	for i := range rows {
		rows[i] = benchRow(int64(i)*7919%100_000, 1)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tb.Put(rows[i])
		i++
		if i == len(rows) {
			i = 0
			b.StopTimer()
			s.Seal(s.LatestSealed() + 1)
			b.StartTimer()
		}
	}
}

// BenchmarkPutAtBlocks measures PutAt of in-order rows (row id, two
// bigints) into an append-block table, as a bulk INSERT stages them; the
// epochs are sealed and committed outside the timer.
func BenchmarkPutAtBlocks(b *testing.B) {
	s := benchStores(b)["mem"]()
	defer s.Close()
	layout := types.TableLayout{ID: 22, Name: "blocks", Cols: []types.Type{types.Int64, types.Int64, types.Int64}, PK: []int{0}, AppendBlocks: true}
	tb := s.Table(layout)
	const n = 4096
	chunk := func(first int64) *types.Chunk {
		bl := types.NewChunkBuilder(layout.Cols, n)
		defer bl.Release()
		for i := range int64(n) {
			bl.Append(types.Insert, types.Row{first + i, (first + i) * 7919 % 100_000, first + i})
		}
		return bl.Build()
	}
	c := chunk(1)
	defer c.Release()
	ids := c.Cols[0].(*array.Int64).Int64Values()
	b.ReportAllocs()
	next, epoch := int64(1), uint64(0)
	for b.Loop() {
		for i := range n {
			ids[i] = next + int64(i) // in place: each round continues the ids
		}
		next += n
		for i := range n {
			tb.PutAt(c, i)
		}
		if next%(25*n) == 1 {
			b.StopTimer()
			epoch++
			s.Seal(epoch)
			if err := s.Commit(epoch, nil); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
