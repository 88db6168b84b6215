package operators

import (
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// The benchmarks below push 1024-row insert chunks of (k bigint, v bigint,
// ts timestamp) into one operator, with a barrier every barrierEvery
// chunks, and report input rows per second of CPU time. k has 10k values.

var benchTypes = []types.Type{types.Int64, types.Int64, types.TimestampT}

const barrierEvery = 64

func benchChunks(n int) []*types.Chunk {
	rng := rand.New(rand.NewPCG(7, 9))
	chunks := make([]*types.Chunk, n)
	seq := int64(0)
	for i := range chunks {
		rows := make([]types.Row, 1024)
		for j := range rows {
			seq++
			ts := types.Timestamp(1_700_000_000_000_000 + seq*1000)
			rows[j] = types.Row{int64(rng.IntN(10_000)), seq, ts}
		}
		chunks[i] = types.NewInsertChunk(benchTypes, rows)
	}
	return chunks
}

type benchNode interface {
	Node
	Connect(n Node, port int)
}

func benchStore(b *testing.B) *state.Store {
	b.Helper()
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return store
}

// runBench drives op; chunks are reused (retained per push).
func runBench(b *testing.B, op benchNode, store *state.Store) {
	b.Helper()
	sink := &discardSink{}
	op.Connect(sink, 0)
	chunks := benchChunks(64)
	b.ResetTimer()
	cpu0 := cpuTime()
	epoch := uint64(0)
	rows := 0
	now := types.Timestamptz(1_700_000_000_000_000)
	for i := 0; b.Loop(); i++ {
		c := chunks[i%len(chunks)]
		c.Retain()
		if err := op.Push(0, c); err != nil {
			b.Fatal(err)
		}
		rows += c.NumRows()
		if i%barrierEvery == barrierEvery-1 {
			epoch++
			now += types.Timestamptz(types.MicrosPerSecond)
			if err := op.Barrier(0, Barrier{Epoch: epoch, Now: now}); err != nil {
				b.Fatal(err)
			}
			if store != nil {
				store.Seal(epoch)
			}
		}
	}
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(rows)/cpu, "rows/cpu-s")
	}
}

func col(i int) expr.Expr { return &expr.ColumnRef{Index: i, T: benchTypes[i]} }

func BenchmarkProject(b *testing.B) {
	plus, err := expr.Resolve("+", []expr.Expr{col(0), col(1)})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, NewProject(ProjectArgs{Exprs: []expr.Expr{col(0), plus, col(2)}}), nil)
}

func BenchmarkFilter(b *testing.B) {
	cond, err := expr.Resolve("<", []expr.Expr{col(0), &expr.Literal{Value: int64(5000), T: types.Int64}})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, NewFilter(FilterArgs{Cond: cond}), nil)
}

func BenchmarkMaterialize(b *testing.B) {
	store := benchStore(b)
	layout := types.TableLayout{ID: 1, Name: "bench_mv", Cols: benchTypes, PK: []int{1}}
	m, err := NewMaterialize(MaterializeArgs{Table: layout, Store: store, PK: []int{1}, Conflict: ConflictNone})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, m, store)
}

func BenchmarkUnion(b *testing.B) {
	runBench(b, NewUnion(UnionArgs{Inputs: 1}), nil)
}

func BenchmarkGroupTopN(b *testing.B) {
	store := benchStore(b)
	order := []expr.SortKey{{Col: 1, Desc: true, NullsFirst: true}}
	op, err := NewGroupTopN(GroupTopNArgs{
		PartitionBy: []int{0}, OrderBy: order, Limit: 3, Kind: RowNumber, StreamKey: []int{1},
		Store: store, InputTypes: benchTypes,
		Table: GroupTopNLayout(1, "bench_topn", benchTypes, []int{0}, order, []int{1}),
	})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, op, store)
}

func BenchmarkTemporalFilter(b *testing.B) {
	store := benchStore(b)
	op, err := NewTemporalFilter(TemporalFilterArgs{
		Col: 2, Lower: &TemporalBound{Offset: types.Interval{Micros: -types.MicrosPerHour}},
		InputTypes: benchTypes, StreamKey: []int{1}, Store: store,
		Table: TemporalFilterLayout(1, "bench_tf", benchTypes, []int{1}),
	})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, op, store)
}

func BenchmarkHopWindow(b *testing.B) {
	op, err := NewHopWindow(HopWindowArgs{
		TimeCol: 2, Slide: types.Interval{Micros: types.MicrosPerMinute},
		Size: types.Interval{Micros: 5 * types.MicrosPerMinute}, InputTypes: benchTypes,
	})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, op, nil)
}

func BenchmarkOverWindow(b *testing.B) {
	store := benchStore(b)
	order := []expr.SortKey{{Col: 1}}
	op, err := NewOverWindow(OverWindowArgs{
		PartitionBy: []int{0}, OrderBy: order, InputTypes: benchTypes, StreamKey: []int{1}, Store: store,
		Calls: []WindowCall{{Name: "row_number", Filter: -1, Type: types.Int64}},
		Table: OverWindowLayout(1, "bench_ow", benchTypes, []int{0}, order, []int{1}),
	})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, op, store)
}
