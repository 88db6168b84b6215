package operators

import (
	"testing"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// joinDiscard is a sink that counts and frees what it receives.
type joinDiscard struct{ rows int }

func (d *joinDiscard) Push(_ int, c *types.Chunk) error {
	d.rows += c.NumRows()
	c.Release()
	return nil
}
func (d *joinDiscard) Barrier(int, Barrier) error     { return nil }
func (d *joinDiscard) Watermark(int, Watermark) error { return nil }

// BenchmarkHashJoinInner measures the inner join in a steady state: each
// iteration inserts a 1024-row chunk on both sides and deletes the chunk
// inserted 10 iterations earlier, over 10k keys (about one live row per
// key and side, so each change joins about one row). A barrier and Seal
// every 10 iterations, a Commit every 50. rows/s counts input changes.
func BenchmarkHashJoinInner(b *testing.B) {
	const (
		chunkRows = 1024
		keys      = 10_000
		window    = 10
		ring      = 2 * window
	)
	st, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ts := []types.Type{types.Int64, types.Int64, types.Int64}
	a := HashJoinArgs{Kind: JoinInner, LeftTypes: ts, RightTypes: ts, LeftKeys: []int{0}, RightKeys: []int{0},
		LeftStreamKey: []int{1}, RightStreamKey: []int{1}, Store: st}
	joinTestLayouts(&a)
	a.Store = st
	j, err := NewHashJoin(a)
	if err != nil {
		b.Fatal(err)
	}
	sink := &joinDiscard{}
	j.Connect(sink, 0)

	// ins[side][i] inserts ring slot i; del[side][i] deletes it. Chunks are
	// retained before each push, so they can be pushed again.
	var ins, del [2][ring]*types.Chunk
	for side := range 2 {
		for i := range ring {
			rows := make([]types.Row, chunkRows)
			for r := range rows {
				id := int64(i*chunkRows + r)
				rows[r] = types.Row{(id*7919 + int64(side)*13) % keys, id, id % 100}
			}
			ins[side][i] = types.NewInsertChunk(ts, rows)
			dops := make([]types.Op, chunkRows)
			for r := range dops {
				dops[r] = types.Delete
			}
			del[side][i] = types.NewChunk(ts, dops, rows)
		}
	}
	push := func(port int, c *types.Chunk) {
		c.Retain()
		if err := j.Push(port, c); err != nil {
			b.Fatal(err)
		}
	}
	epoch := uint64(0)
	step := func(i int) {
		for side := range 2 {
			push(side, ins[side][i%ring])
			if i >= window {
				push(side, del[side][(i-window)%ring])
			}
		}
		if i%10 == 9 {
			epoch++
			for p := range 2 {
				if err := j.Barrier(p, Barrier{Epoch: epoch}); err != nil {
					b.Fatal(err)
				}
			}
			st.Seal(epoch)
			if epoch%5 == 0 {
				if err := st.Commit(epoch, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	for i := range ring { // warm up to the steady state
		step(i)
	}
	sink.rows = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		step(ring + i)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*4*chunkRows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(sink.rows)/float64(b.N*4*chunkRows), "out/in")
}
