package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// Per-operator statistics of streaming dataflows (rows in and out of every
// operator), the barrier latency histogram, and the jobs' plans for the
// dataflow page of the HTTP port.
//
// The builder of a streaming dataflow wraps every operator it creates in a
// countingNode, which counts the rows the operator emits on its first
// downstream edge (Output.Emit pushes the same chunk into every target, so
// counting one edge counts each row once). An operator's rows in are the
// sum of its plan inputs' rows out; leaves (scans, VALUES), which the
// engine pushes into directly, report rows in equal to rows out. A table's
// DML input is wrapped too, and there rows pushed in are counted.

// opStat is one operator of a job.
type opStat struct {
	id     int
	kind   string // plan node kind, e.g. "StreamFilter"
	desc   string // plan node description (EXPLAIN line)
	depth  int
	tables []string
	leaf   bool // no plan inputs: rows in = rows out
	// terminal: the job's last node (Materialize, Sink, Table); its rows in
	// are read from inFrom when set. A Materialize or Table forwards what
	// it writes to the change stream (rows out = rows in); a sink emits
	// nothing further.
	terminal bool
	inFrom   *atomic.Int64
	ref      *opStat   // a repeated reference to a shared subplan
	inputs   []*opStat // plan inputs: rows in = the sum of their rows out
	in, out  atomic.Int64
}

func (s *opStat) rowsIn() int64 {
	switch {
	case s.inFrom != nil:
		return s.inFrom.Load()
	case s.leaf:
		return s.out.Load()
	case len(s.inputs) > 0:
		var n int64
		for _, in := range s.inputs {
			n += in.out.Load()
		}
		return n
	}
	return s.in.Load()
}

func (s *opStat) rowsOut() int64 {
	if s.terminal {
		if s.kind == "Sink" {
			return 0
		}
		return s.rowsIn()
	}
	return s.out.Load()
}

// jobStat is the registered dataflow of one table, MV or sink.
type jobStat struct {
	name, kind string
	ops        []*opStat // preorder, root (the terminal node) first
}

// countingNode wraps an operator: it counts the rows it emits through the
// edges it is connected to, and the rows pushed into the wrapper itself
// (a table's input; builder edges connect the inner operators directly).
type countingNode struct {
	inner emitter
	st    *opStat
	conns int
}

func (c *countingNode) Push(port int, ch *types.Chunk) error {
	if ch != nil {
		c.st.in.Add(int64(ch.NumRows()))
	}
	return c.inner.Push(port, ch)
}

func (c *countingNode) Barrier(port int, b operators.Barrier) error { return c.inner.Barrier(port, b) }

func (c *countingNode) Watermark(port int, w operators.Watermark) error {
	return c.inner.Watermark(port, w)
}

// Connect connects the operator onward; the first edge counts its output.
func (c *countingNode) Connect(n operators.Node, port int) {
	c.conns++
	if c.conns == 1 {
		n = &outCounter{next: n, n: &c.st.out}
	}
	c.inner.Connect(n, port)
}

// outCounter counts the rows pushed through one edge.
type outCounter struct {
	next operators.Node
	n    *atomic.Int64
}

func (o *outCounter) Push(port int, ch *types.Chunk) error {
	if ch != nil {
		o.n.Add(int64(ch.NumRows()))
	}
	return o.next.Push(port, ch)
}

func (o *outCounter) Barrier(port int, b operators.Barrier) error { return o.next.Barrier(port, b) }

func (o *outCounter) Watermark(port int, w operators.Watermark) error {
	return o.next.Watermark(port, w)
}

// count wraps op, built for plan node n, when the builder collects
// statistics (streaming dataflows); one-shot queries are not wrapped.
func (b *builder) count(n planner.StreamNode, op emitter) emitter {
	if b.stats == nil {
		return op
	}
	st := &opStat{kind: nodeKind(n), desc: n.Describe(), leaf: len(n.Inputs()) == 0}
	for _, t := range n.Tables() {
		st.tables = append(st.tables, fmt.Sprintf("table %d %s", t.ID, t.Name))
	}
	b.stats[n] = st
	return &countingNode{inner: op, st: st}
}

func nodeKind(n planner.StreamNode) string {
	s := fmt.Sprintf("%T", n)
	return s[strings.LastIndexByte(s, '.')+1:]
}

// opRegistry holds the engine's job statistics and barrier latencies.
type opRegistry struct {
	mu   sync.Mutex
	jobs map[string]*jobStat

	lat latencyHist
}

// registerJob records a streaming dataflow built by b from root (on the
// loop): a terminal node (the MV's Materialize or the sink) fed by the
// root, then the plan in preorder.
func (r *opRegistry) registerJob(o *object, root planner.StreamNode, b *builder) {
	if b.stats == nil {
		return
	}
	j := &jobStat{name: o.Name, kind: string(o.Kind)}
	term := &opStat{kind: "Materialize", desc: "Materialize " + o.Name, terminal: true}
	if o.Kind == KindSink {
		term.kind, term.desc = "Sink", "Sink "+o.Name
	}
	if st := b.stats[root]; st != nil {
		term.inFrom = &st.out
	}
	j.ops = append(j.ops, term)
	seen := map[*opStat]bool{}
	var rec func(n planner.StreamNode, depth int)
	rec = func(n planner.StreamNode, depth int) {
		st := b.stats[n]
		if st == nil {
			return
		}
		if seen[st] {
			// A shared subplan: listed once, referenced again.
			j.ops = append(j.ops, &opStat{id: -st.id, kind: st.kind, desc: fmt.Sprintf("(shared, see #%d) %s", st.id, st.desc), depth: depth, ref: st})
			return
		}
		seen[st] = true
		st.depth = depth
		st.id = len(j.ops)
		j.ops = append(j.ops, st)
		for _, in := range n.Inputs() {
			if ist := b.stats[in]; ist != nil {
				st.inputs = append(st.inputs, ist)
			}
			rec(in, depth+1)
		}
	}
	rec(root, 1)
	r.put(j)
}

// countTable wraps a table's DML input (on the loop) and registers the
// table's job: rows in are the rows written into the table.
func (r *opRegistry) countTable(o *object, in emitter) emitter {
	st := &opStat{kind: "Table", desc: "Table " + o.Name, terminal: true}
	if o.rel != nil {
		st.tables = []string{fmt.Sprintf("table %d %s", o.rel.Layout.ID, o.rel.Layout.Name)}
	}
	r.put(&jobStat{name: o.Name, kind: string(o.Kind), ops: []*opStat{st}})
	return &countingNode{inner: in, st: st}
}

func (r *opRegistry) put(j *jobStat) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jobs == nil {
		r.jobs = map[string]*jobStat{}
	}
	r.jobs[j.name] = j
}

func (r *opRegistry) remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.jobs, name)
}

// rename moves a job to a renamed relation's name.
func (r *opRegistry) rename(old, new string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j := r.jobs[old]; j != nil {
		delete(r.jobs, old)
		j.name = new
		r.jobs[new] = j
	}
}

func (r *opRegistry) sorted() []*jobStat {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*jobStat, 0, len(r.jobs))
	for _, j := range r.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].name < out[k].name })
	return out
}

// OperatorStats counts the rows through one operator of a job.
type OperatorStats struct {
	Job     string // the table, MV or sink
	ID      int    // the operator's id within the job (0: the terminal node)
	Kind    string // plan node kind, e.g. "StreamFilter"
	RowsIn  int64
	RowsOut int64
}

// JobPlan is the dataflow of one table, MV or sink: its operators in
// preorder, the terminal node (Materialize, Sink or Table) first.
type JobPlan struct {
	Name string   `json:"name"`
	Kind string   `json:"kind"`
	Ops  []PlanOp `json:"operators"`
}

// PlanOp is one operator of a JobPlan. A negative ID marks a repeated
// reference to a shared subplan (-ID is the operator listed before).
type PlanOp struct {
	ID      int      `json:"id"`
	Depth   int      `json:"depth"`
	Kind    string   `json:"kind"`
	Line    string   `json:"line"`
	Tables  []string `json:"tables,omitempty"`
	RowsIn  int64    `json:"rows_in"`
	RowsOut int64    `json:"rows_out"`
}

// JobPlans returns every running table, MV and sink dataflow with its plan
// and per-operator row counts, by name.
func (e *Engine) JobPlans() []JobPlan {
	var out []JobPlan
	for _, j := range e.opstats.sorted() {
		p := JobPlan{Name: j.name, Kind: j.kind}
		for _, st := range j.ops {
			c := st
			if st.ref != nil {
				c = st.ref
			}
			p.Ops = append(p.Ops, PlanOp{ID: st.id, Depth: st.depth, Kind: st.kind, Line: st.desc, Tables: st.tables, RowsIn: c.rowsIn(), RowsOut: c.rowsOut()})
		}
		out = append(out, p)
	}
	return out
}

// operatorStats lists every operator's counters (shared references once).
func (e *Engine) operatorStats() []OperatorStats {
	var out []OperatorStats
	for _, j := range e.JobPlans() {
		for _, op := range j.Ops {
			if op.ID < 0 {
				continue
			}
			out = append(out, OperatorStats{Job: j.Name, ID: op.ID, Kind: op.Kind, RowsIn: op.RowsIn, RowsOut: op.RowsOut})
		}
	}
	return out
}

// LatencyBuckets are the upper bounds (seconds) of the barrier latency
// histogram.
var LatencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Histogram is a latency histogram: Counts[i] is the number of
// observations ≤ Buckets[i] (cumulative), Count and Sum (seconds) cover
// them all.
type Histogram struct {
	Buckets []float64
	Counts  []uint64
	Count   uint64
	Sum     float64
}

type latencyHist struct {
	mu     sync.Mutex
	counts [32]uint64 // per bucket (len(LatencyBuckets)+1 used), not cumulative; the last: above all
	count  uint64
	sum    float64
}

func (h *latencyHist) observe(d time.Duration) {
	s := d.Seconds()
	i := sort.SearchFloat64s(LatencyBuckets, s)
	h.mu.Lock()
	h.counts[i]++
	h.count++
	h.sum += s
	h.mu.Unlock()
}

func (h *latencyHist) snapshot() Histogram {
	out := Histogram{Buckets: LatencyBuckets, Counts: make([]uint64, len(LatencyBuckets))}
	h.mu.Lock()
	defer h.mu.Unlock()
	var cum uint64
	for i := range LatencyBuckets {
		cum += h.counts[i]
		out.Counts[i] = cum
	}
	out.Count, out.Sum = h.count, h.sum
	return out
}
