package operators

// Operator test harness, shared by every operator test in this package
// (joins included). Keep this API stable.
//
// Scripted tests
//
//	runScript(t, "testdata/filter.txt", func(s *state.Store) (Node, error) {...})
//	runScripts(t, "testdata/agg.txt", map[string]buildFunc{"count": ..., "minmax": ...})
//
// A script is a sequence of blocks separated by blank lines; '#' lines
// outside blocks are comments. A block is a directive line, optional input
// lines, and optionally "----" followed by the expected output:
//
//	build count          (runScripts only) fresh in-memory store + operator builders["count"]
//	push [port=N]        input: a chunk in text form (types.ParseChunk); no output unless it fails
//	  I I
//	+ 1 10
//
//	barrier N [checkpoint] [raw]
//	----
//	<output>
//
//	watermark [port=N] col=C value=V    (V is an int64)
//	----
//	<output>
//
//	restart              build a new operator over the same store (its
//	                     caches are empty; it must read through its tables)
//
//	ports 0 1            the ports "barrier" is sent on (default: the ports
//	                     pushed to so far, else port 0)
//
// "barrier" sends Barrier{Epoch: N} on every port in turn; once the operator
// has forwarded it, the harness seals the store at N (and commits it with
// "checkpoint"). Its output is what the
// operator emitted since the previous output was printed: the consolidated
// changes (weights summed per row, zeros dropped, sorted; a row of weight w
// is printed |w| times, with "+" or "-") in chunk text form, or "(no
// changes)"; then "watermark col=C value=V" for each forwarded watermark and
// "barrier N" if the barrier was forwarded. With "raw", changes are printed
// unconsolidated, keeping ops and update pairs, with the units (single
// changes or U-/U+ pairs) sorted. "barrier N port=P" sends it on one port
// only. A push or barrier that fails prints "error: <message>".
//
// The runner executes every script three times, re-chunking the pushes
// between two barriers (consecutive pushes to the same port are merged, then
// split) into chunks of 1, 3 and 1024 rows (an update pair is never split);
// all three runs must print the same output. Run with -rewrite to rewrite
// the expected outputs from the 1024-row run.
//
// Programmatic tests
//
//	h := newHarness(t, build)        // fresh in-memory store, output collector
//	h.push(port, chunk)              // fails the test on error
//	h.barrier(epoch, ports...)       // on the ports (default 0); checks it is
//	                                 // forwarded once; seals the store
//	h.commit(epoch)                  // store.Commit
//	h.restart()                      // rebuild over the same store
//	z := h.take()                    // output since last take, as a zset.ZSet
//	rechunk(chunks, size)            // re-chunks a list of chunks
//
// Property tests (single-input operators)
//
//	type change struct{ op types.Op; row types.Row }
//	randomEpochs(rng, n, newRow) [][]change   // consistent random changes: inserts,
//	                                          // deletes and update pairs of live rows
//	                                          // (half the updates keep column 0)
//	chunksOf(ts, changes, size) []*types.Chunk
//	checkIntegral(t, build, ts, epochs, size, restartEvery, oracle)
//	    // after every barrier: ∫output == oracle(∫input) (zset.Equal);
//	    // restartEvery > 0 commits and rebuilds the operator every n epochs
//
// Inputs of multi-input operators: buildFunc returns the node; the harness
// pushes on the ports the script names. The node must embed Output (it must
// have Connect(Node, int)).

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of operator test scripts")

// buildFunc builds the operator under test over a store.
type buildFunc func(store *state.Store) (Node, error)

// scriptChunkSizes are the chunk sizes every script is run with.
var scriptChunkSizes = []int{1024, 1, 3}

type scriptBlock struct {
	line     int
	cmd      string
	args     map[string]string
	argv     []string
	input    string
	hasOut   bool
	expected string
}

func parseScript(t *testing.T, path string) []*scriptBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var blocks []*scriptBlock
	for i := 0; i < len(lines); {
		l := strings.TrimRight(lines[i], " \t\r")
		if l == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		b := &scriptBlock{line: i + 1, args: map[string]string{}}
		f := strings.Fields(l)
		b.cmd, b.argv = f[0], f[1:]
		for _, a := range f[1:] {
			if k, v, ok := strings.Cut(a, "="); ok {
				b.args[k] = v
			} else {
				b.args[a] = ""
			}
		}
		i++
		var in, out []string
		for ; i < len(lines); i++ {
			l := strings.TrimRight(lines[i], " \t\r")
			if l == "" {
				break
			}
			if l == "----" {
				b.hasOut = true
				continue
			}
			if b.hasOut {
				out = append(out, l)
			} else {
				in = append(in, l)
			}
		}
		b.input = strings.Join(in, "\n")
		b.expected = strings.Join(out, "\n")
		blocks = append(blocks, b)
	}
	return blocks
}

// runScript runs a script against one operator builder.
func runScript(t *testing.T, path string, build buildFunc) {
	t.Helper()
	runScripts(t, path, map[string]buildFunc{"": build})
}

// runScripts runs a script whose "build <name>" blocks pick the builder.
func runScripts(t *testing.T, path string, builders map[string]buildFunc) {
	t.Helper()
	blocks := parseScript(t, path)
	var ref []string
	for _, size := range scriptChunkSizes {
		outs := runBlocks(t, blocks, builders, size)
		if ref == nil {
			ref = outs
			if *rewrite {
				continue
			}
			for i, b := range blocks {
				if outs[i] != b.expected {
					t.Errorf("%s:%d: %s %s:\n got:\n%s\nwant:\n%s", path, b.line, b.cmd, strings.Join(b.argv, " "), outs[i], b.expected)
				}
			}
			continue
		}
		for i, b := range blocks {
			if outs[i] != ref[i] {
				t.Errorf("%s:%d: %s with chunk size %d:\n got:\n%s\nwant (chunk size %d):\n%s", path, b.line, b.cmd, size, outs[i], scriptChunkSizes[0], ref[i])
			}
		}
	}
	if *rewrite {
		writeScript(t, path, blocks, ref)
	}
}

func writeScript(t *testing.T, path string, blocks []*scriptBlock, outs []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var w strings.Builder
	bi := 0
	for i := 0; i < len(lines); {
		if bi < len(blocks) && blocks[bi].line == i+1 {
			b := blocks[bi]
			// Copy the directive and input lines, replace the output.
			w.WriteString(lines[i] + "\n")
			i++
			for ; i < len(lines); i++ {
				l := strings.TrimRight(lines[i], " \t\r")
				if l == "" || l == "----" {
					break
				}
				w.WriteString(lines[i] + "\n")
			}
			for i < len(lines) && strings.TrimRight(lines[i], " \t\r") != "" {
				i++
			}
			if outs[bi] != "" || b.hasOut {
				w.WriteString("----\n")
				if outs[bi] != "" {
					w.WriteString(outs[bi] + "\n")
				}
			}
			bi++
			continue
		}
		w.WriteString(lines[i])
		if i < len(lines)-1 {
			w.WriteString("\n")
		}
		i++
	}
	if err := os.WriteFile(path, []byte(w.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pendingPush is a push waiting to be re-chunked at the next barrier.
type pendingPush struct {
	port int
	c    *types.Chunk
}

func runBlocks(t *testing.T, blocks []*scriptBlock, builders map[string]buildFunc, size int) []string {
	t.Helper()
	outs := make([]string, len(blocks))
	var h *harness
	defer func() {
		if h != nil {
			h.close()
		}
	}()
	var pending []pendingPush
	var pendingBlock []int // block index of each pending push, for errors
	flush := func() string {
		var errs []string
		for _, g := range groupPushes(pending) {
			for _, c := range rechunk(g.cs, size) {
				if err := h.node.Push(g.port, c); err != nil {
					errs = append(errs, "error: "+err.Error())
				}
			}
		}
		pending, pendingBlock = nil, nil
		return strings.Join(errs, "\n")
	}
	newHarnessFor := func(name string) {
		build, ok := builders[name]
		if !ok {
			t.Fatalf("no builder %q", name)
		}
		if h != nil {
			h.close()
		}
		h = newHarness(t, build)
	}
	if _, ok := builders[""]; ok && len(builders) == 1 {
		newHarnessFor("")
	}
	for i, b := range blocks {
		switch b.cmd {
		case "build":
			if len(b.argv) != 1 {
				t.Fatalf("line %d: build <name>", b.line)
			}
			newHarnessFor(b.argv[0])
		case "push":
			c, err := types.ParseChunk(b.input)
			if err != nil {
				t.Fatalf("line %d: %v", b.line, err)
			}
			pending = append(pending, pendingPush{port: intArg(t, b, "port", 0), c: c})
			pendingBlock = append(pendingBlock, i)
			if b.hasOut {
				// An expected error: push now, alone, to report it here.
				errs := flush()
				outs[i] = errs
			}
		case "barrier":
			if len(b.argv) < 1 {
				t.Fatalf("line %d: barrier <epoch>", b.line)
			}
			epoch, err := strconv.ParseUint(b.argv[0], 10, 64)
			if err != nil {
				t.Fatalf("line %d: %v", b.line, err)
			}
			var out []string
			if e := flush(); e != "" {
				out = append(out, e)
			}
			bar := Barrier{Epoch: epoch, Checkpoint: hasArg(b, "checkpoint")}
			ports := h.ports
			if p, ok := b.args["port"]; ok {
				n, _ := strconv.Atoi(p)
				ports = []int{n}
			} else if len(ports) == 0 {
				ports = []int{0}
			}
			before := len(h.out.Barriers)
			for _, p := range ports {
				if err := h.node.Barrier(p, bar); err != nil {
					out = append(out, "error: "+err.Error())
				}
			}
			if len(h.out.Barriers) > before { // forwarded: the epoch is complete
				h.store.Seal(epoch)
				if bar.Checkpoint {
					if err := h.store.Commit(epoch, nil); err != nil {
						t.Fatalf("line %d: commit: %v", b.line, err)
					}
				}
			}
			out = append(out, h.render(hasArg(b, "raw")))
			outs[i] = strings.Trim(strings.Join(out, "\n"), "\n")
		case "watermark":
			var out []string
			if e := flush(); e != "" {
				out = append(out, e)
			}
			v, err := strconv.ParseInt(b.args["value"], 10, 64)
			if err != nil {
				t.Fatalf("line %d: watermark value: %v", b.line, err)
			}
			w := Watermark{Col: intArg(t, b, "col", 0), Value: v}
			if err := h.node.Watermark(intArg(t, b, "port", 0), w); err != nil {
				out = append(out, "error: "+err.Error())
			}
			out = append(out, h.render(false))
			outs[i] = strings.Trim(strings.Join(out, "\n"), "\n")
		case "restart":
			if len(pending) > 0 {
				t.Fatalf("line %d: restart with pushes pending; send a barrier first", b.line)
			}
			h.restart()
		case "ports":
			// "ports 0 1": the ports a barrier is sent on (default: those pushed to, else 0).
			h.ports = nil
			for _, a := range b.argv {
				n, _ := strconv.Atoi(a)
				h.ports = append(h.ports, n)
			}
		default:
			t.Fatalf("line %d: unknown directive %q", b.line, b.cmd)
		}
		if b.cmd == "push" {
			p := intArg(t, b, "port", 0)
			if !slices.Contains(h.ports, p) && !h.portsSet {
				h.ports = append(h.ports, p)
				slices.Sort(h.ports)
			}
		}
		if b.cmd == "ports" {
			h.portsSet = true
		}
	}
	return outs
}

func hasArg(b *scriptBlock, name string) bool { _, ok := b.args[name]; return ok }

func intArg(t *testing.T, b *scriptBlock, name string, def int) int {
	v, ok := b.args[name]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("line %d: %s=%q: %v", b.line, name, v, err)
	}
	return n
}

type pushGroup struct {
	port int
	cs   []*types.Chunk
}

func groupPushes(ps []pendingPush) []pushGroup {
	var out []pushGroup
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].port == p.port && slices.Equal(out[n-1].cs[0].Types, p.c.Types) {
			out[n-1].cs = append(out[n-1].cs, p.c)
			continue
		}
		out = append(out, pushGroup{port: p.port, cs: []*types.Chunk{p.c}})
	}
	return out
}

// rechunk concatenates the changes of cs (which must share their types)
// and splits them into chunks of size rows, never splitting an update
// pair. It releases cs.
func rechunk(cs []*types.Chunk, size int) []*types.Chunk {
	if len(cs) == 0 {
		return nil
	}
	ts := cs[0].Types
	var out []*types.Chunk
	b := types.NewChunkBuilder(ts, min(size, 1024))
	defer b.Release()
	for _, c := range cs {
		for i := 0; i < c.NumRows(); i++ {
			b.Append(c.Ops[i], c.Row(i))
			if b.Len() >= size && c.Ops[i] != types.UpdateDelete {
				out = append(out, b.Build())
			}
		}
		c.Release()
	}
	if b.Len() > 0 {
		out = append(out, b.Build())
	}
	return out
}

// harness runs one operator over an in-memory store and collects its output.
type harness struct {
	t        testing.TB
	build    buildFunc
	store    *state.Store
	node     Node
	out      *Collector
	outTypes []types.Type
	ports    []int
	portsSet bool
}

func newHarness(t testing.TB, build buildFunc) *harness {
	t.Helper()
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatalf("state.Open: %v", err)
	}
	h := &harness{t: t, build: build, store: store}
	h.restart()
	return h
}

// restart builds a new operator over the same store.
func (h *harness) restart() {
	h.t.Helper()
	n, err := h.build(h.store)
	if err != nil {
		h.t.Fatalf("build: %v", err)
	}
	conn, ok := n.(interface{ Connect(Node, int) })
	if !ok {
		h.t.Fatalf("%T has no Connect method (embed Output)", n)
	}
	if h.out == nil {
		h.out = &Collector{}
	}
	conn.Connect(h.out, 0)
	h.node = n
}

func (h *harness) close() {
	for _, c := range h.out.Chunks {
		c.Release()
	}
	h.out.Chunks = nil
	_ = h.store.Close()
}

// push pushes c on port, failing the test on error.
func (h *harness) push(port int, c *types.Chunk) {
	h.t.Helper()
	if err := h.node.Push(port, c); err != nil {
		h.t.Fatalf("push: %v", err)
	}
}

// barrier sends a barrier on every port in ports (default 0), checks it is
// forwarded once, and seals the store.
func (h *harness) barrier(epoch uint64, ports ...int) {
	h.t.Helper()
	if len(ports) == 0 {
		ports = []int{0}
	}
	before := len(h.out.Barriers)
	for _, p := range ports {
		if err := h.node.Barrier(p, Barrier{Epoch: epoch}); err != nil {
			h.t.Fatalf("barrier %d: %v", epoch, err)
		}
	}
	if got := len(h.out.Barriers) - before; got != 1 || h.out.Barriers[len(h.out.Barriers)-1].Epoch != epoch {
		h.t.Fatalf("barrier %d: forwarded %d times", epoch, got)
	}
	h.store.Seal(epoch)
}

// commit commits the store at epoch.
func (h *harness) commit(epoch uint64) {
	h.t.Helper()
	if err := h.store.Commit(epoch, nil); err != nil {
		h.t.Fatalf("commit %d: %v", epoch, err)
	}
}

// take returns the output changes since the last take.
func (h *harness) take() zset.ZSet {
	z := zset.New()
	for _, c := range h.out.Chunks {
		z.AddChunk(c)
		c.Release()
	}
	h.out.Chunks = nil
	return z
}

// takeKeyed applies the output changes since the last take, in order, to m,
// a view keyed by the output columns key (as a materialized view with that
// primary key applies them), and returns them as a Z-set as take does. It
// fails the test when the order is wrong for a keyed consumer: a delete of
// a key that is absent or holds another row, or an insert of a key that is
// present.
func (h *harness) takeKeyed(key []int, m map[string]types.Row) zset.ZSet {
	h.t.Helper()
	z := zset.New()
	for _, c := range h.out.Chunks {
		for i := 0; i < c.NumRows(); i++ {
			r := c.Row(i)
			k := fmt.Sprint(r.Project(key))
			old, ok := m[k]
			if c.Ops[i].IsInsert() {
				if ok {
					h.t.Fatalf("keyed output: %v %v while key %s holds %v", c.Ops[i], r, k, old)
				}
				m[k] = r
			} else {
				if !ok || !types.RowsEqual(old, r) {
					h.t.Fatalf("keyed output: %v %v but key %s holds %v (present %v)", c.Ops[i], r, k, old, ok)
				}
				delete(m, k)
			}
		}
		z.AddChunk(c)
		c.Release()
	}
	h.out.Chunks = nil
	return z
}

// render prints and clears what the operator emitted (see the file comment).
func (h *harness) render(raw bool) string {
	var lines []string
	chunks := h.out.Chunks
	h.out.Chunks = nil
	for _, c := range chunks {
		if c.NumRows() > 0 {
			h.outTypes = c.Types
		}
	}
	if raw {
		var units []string
		for _, c := range chunks {
			for i := 0; i < c.NumRows(); i++ {
				u := formatChange(c.Ops[i], c.Row(i))
				if c.Ops[i] == types.UpdateDelete && i+1 < c.NumRows() && c.Ops[i+1] == types.UpdateInsert {
					i++
					u += "\n" + formatChange(c.Ops[i], c.Row(i))
				}
				units = append(units, u)
			}
		}
		slices.Sort(units)
		if len(units) == 0 {
			lines = append(lines, "(no changes)")
		} else {
			lines = append(lines, typeHeader(h.outTypes))
			lines = append(lines, units...)
		}
	} else {
		z := zset.New()
		for _, c := range chunks {
			z.AddChunk(c)
		}
		if len(z) == 0 {
			lines = append(lines, "(no changes)")
		} else {
			c := z.Chunk(h.outTypes)
			lines = append(lines, c.String())
			c.Release()
		}
	}
	for _, c := range chunks {
		c.Release()
	}
	for _, w := range h.out.Marks {
		lines = append(lines, fmt.Sprintf("watermark col=%d value=%s", w.Col, types.FormatText(w.Value)))
	}
	h.out.Marks = nil
	for _, b := range h.out.Barriers {
		lines = append(lines, fmt.Sprintf("barrier %d", b.Epoch))
	}
	h.out.Barriers = nil
	return strings.Join(lines, "\n")
}

func typeHeader(ts []types.Type) string {
	s := " "
	for _, t := range ts {
		s += " " + types.TypeCode(t)
	}
	return s
}

func formatChange(op types.Op, r types.Row) string {
	s := fmt.Sprintf("%-2s", op)
	for _, d := range r {
		if d == nil {
			s += " ."
			continue
		}
		v := types.FormatText(d)
		if strings.ContainsAny(v, " \t") {
			v = `"` + v + `"`
		}
		s += " " + v
	}
	return s
}

// randomEpochs generates epochs of consistent changes (deletes and
// updates only retract rows that are present).
func randomEpochs(rng *rand.Rand, epochs int, newRow func() types.Row) [][]change {
	var live []types.Row
	var out [][]change
	for range epochs {
		var ep []change
		for range rng.IntN(12) {
			switch x := rng.IntN(10); {
			case x < 5 || len(live) == 0:
				r := newRow()
				live = append(live, r)
				ep = append(ep, change{types.Insert, r})
			case x < 8:
				j := rng.IntN(len(live))
				ep = append(ep, change{types.Delete, live[j]})
				live = slices.Delete(live, j, j+1)
			default:
				j := rng.IntN(len(live))
				r := newRow()
				if rng.IntN(2) == 0 {
					r[0] = live[j][0] // same group
				}
				ep = append(ep, change{types.UpdateDelete, live[j]}, change{types.UpdateInsert, r})
				live[j] = r
			}
		}
		out = append(out, ep)
	}
	return out
}

type change struct {
	op  types.Op
	row types.Row
}

func chunksOf(ts []types.Type, ch []change, size int) []*types.Chunk {
	if len(ch) == 0 {
		return nil
	}
	ops := make([]types.Op, len(ch))
	rows := make([]types.Row, len(ch))
	for i, c := range ch {
		ops[i], rows[i] = c.op, c.row
	}
	return rechunk([]*types.Chunk{types.NewChunk(ts, ops, rows)}, size)
}

// checkIntegral runs the epochs through a fresh operator at the given
// chunk size and checks, after every barrier, that the integral of the
// output equals oracle(integral of the input). With restartEvery > 0 the
// store is committed and the operator rebuilt every restartEvery epochs.
func checkIntegral(t *testing.T, build buildFunc, ts []types.Type, epochs [][]change, size, restartEvery int, oracle func(zset.ZSet) zset.ZSet) {
	t.Helper()
	h := newHarness(t, build)
	defer h.close()
	input, output := zset.New(), zset.New()
	for e, ep := range epochs {
		epoch := uint64(e + 1)
		for _, c := range chunksOf(ts, ep, size) {
			input.AddChunk(c)
			h.push(0, c)
		}
		h.barrier(epoch)
		delta := h.take()
		output.AddAll(delta, 1)
		want := oracle(input)
		if !zset.Equal(output, want) {
			t.Fatalf("chunk size %d, epoch %d: output integral differs from the oracle\ninput:\n%s\ngot:\n%s\nwant:\n%s\nlast delta:\n%s",
				size, epoch, input, output, want, delta)
		}
		if restartEvery > 0 && e%restartEvery == restartEvery-1 {
			h.commit(epoch)
			h.restart()
		}
	}
}
