package operators

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// TestJoinScripts runs the scripted join tests of testdata/join_*.txt with
// the shared script harness (optest_test.go). A script names its join in a
// build directive, settings separated by ';':
//
//	build kind=left;left=I,I;right=I,T;lkeys=0;rkeys=0;lsk=1;rsk=1;nullsafe=t;cond=1<3;out=0,3
//
// kind is one of inner, left, right, full, left-semi, left-anti,
// right-semi, right-anti, not-in; cond=A<B compares columns A and B of
// left ++ right (<, <=, =, <>). Besides the expected output of each
// barrier, every barrier is checked against naiveJoin over the integrals
// of the inputs.
func TestJoinScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/join_*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			builders := map[string]buildFunc{}
			for _, l := range strings.Split(string(data), "\n") {
				if name, ok := strings.CutPrefix(l, "build "); ok {
					name = strings.TrimSpace(name)
					a, err := parseJoinArgs(strings.Split(name, ";"))
					if err != nil {
						t.Fatalf("build %s: %v", name, err)
					}
					builders[name] = checkedJoinBuilder(t, a)
				}
			}
			runScripts(t, f, builders)
		})
	}
}

// joinOracle holds what a checked join has seen, across restarts: the
// integrals of its inputs and of its output.
type joinOracle struct {
	t    testing.TB
	args HashJoinArgs
	in   [2]zset.ZSet
	out  zset.ZSet
}

// check compares the output integral with the naive join of the input
// integrals.
func (o *joinOracle) check(epoch uint64) {
	o.t.Helper()
	want, err := naiveJoin(o.args, o.in[0], o.in[1])
	if err != nil {
		o.t.Fatal(err)
	}
	if !zset.Equal(want, o.out) {
		o.t.Errorf("epoch %d: %v join output integral differs from the naive join\nleft:\n%sright:\n%swant:\n%sgot:\n%sdiff (got - want):\n%s",
			epoch, o.args.Kind, o.in[0], o.in[1], want, o.out, zset.Diff(o.out, want))
	}
}

// checkedJoin wraps a HashJoin: it records the inputs and outputs in its
// oracle and checks them at every forwarded barrier.
type checkedJoin struct {
	*HashJoin
	o        *joinOracle
	next     Node
	nextPort int
}

// checkedJoinBuilder returns a buildFunc for a's join (layouts filled in by
// joinTestLayouts). Builds over the same store (restarts) share an oracle.
func checkedJoinBuilder(t testing.TB, a HashJoinArgs) buildFunc {
	oracles := map[*state.Store]*joinOracle{}
	return func(s *state.Store) (Node, error) {
		a := a
		joinTestLayouts(&a)
		a.Store = s
		o, ok := oracles[s]
		if !ok {
			o = &joinOracle{t: t, args: a, in: [2]zset.ZSet{zset.New(), zset.New()}, out: zset.New()}
			oracles[s] = o
		}
		j, err := NewHashJoin(a)
		if err != nil {
			return nil, err
		}
		c := &checkedJoin{HashJoin: j, o: o}
		j.Connect(joinTee{c}, 0)
		return c, nil
	}
}

// Connect sets the node the wrapped join's output goes to.
func (c *checkedJoin) Connect(n Node, port int) { c.next, c.nextPort = n, port }

func (c *checkedJoin) Push(port int, ch *types.Chunk) error {
	if port == 0 || port == 1 {
		c.o.in[port].AddChunk(ch)
	}
	return c.HashJoin.Push(port, ch)
}

type joinTee struct{ c *checkedJoin }

func (t joinTee) Push(_ int, ch *types.Chunk) error {
	for _, op := range ch.Ops {
		if op != types.Insert && op != types.Delete {
			t.c.o.t.Errorf("join emitted op %v", op)
		}
	}
	t.c.o.out.AddChunk(ch)
	return t.c.next.Push(t.c.nextPort, ch)
}

func (t joinTee) Barrier(_ int, b Barrier) error {
	t.c.o.check(b.Epoch)
	return t.c.next.Barrier(t.c.nextPort, b)
}

func (t joinTee) Watermark(_ int, w Watermark) error { return t.c.next.Watermark(t.c.nextPort, w) }

// joinTestLayouts fills in the table layouts of a by the documented rule,
// with table ids 1-4.
func joinTestLayouts(a *HashJoinArgs) {
	a.LeftTable = JoinTableLayout(a.LeftTypes, a.LeftKeys, a.LeftStreamKey)
	a.LeftTable.ID, a.LeftTable.Name = 1, "join_left"
	a.RightTable = JoinTableLayout(a.RightTypes, a.RightKeys, a.RightStreamKey)
	a.RightTable.ID, a.RightTable.Name = 2, "join_right"
	ld, rd := a.Kind.NeedsDegree()
	a.LeftDegree, a.RightDegree = types.TableLayout{}, types.TableLayout{}
	if ld {
		a.LeftDegree = JoinDegreeLayout(a.LeftTypes, a.LeftKeys, a.LeftStreamKey)
		a.LeftDegree.ID, a.LeftDegree.Name = 3, "join_left_degree"
	}
	if rd {
		a.RightDegree = JoinDegreeLayout(a.RightTypes, a.RightKeys, a.RightStreamKey)
		a.RightDegree.ID, a.RightDegree.Name = 4, "join_right_degree"
	}
}

var joinKindByName = map[string]JoinKind{
	"inner": JoinInner, "left": JoinLeftOuter, "right": JoinRightOuter, "full": JoinFullOuter,
	"left-semi": JoinLeftSemi, "left-anti": JoinLeftAnti, "right-semi": JoinRightSemi,
	"right-anti": JoinRightAnti, "not-in": JoinNullAwareAnti,
}

func parseJoinArgs(fields []string) (HashJoinArgs, error) {
	var a HashJoinArgs
	ints := func(s string) ([]int, error) {
		if s == "" {
			return []int{}, nil
		}
		var out []int
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	}
	typesOf := func(s string) ([]types.Type, error) {
		c, err := types.ParseChunk(strings.ReplaceAll(s, ",", " "))
		if err != nil {
			return nil, err
		}
		defer c.Release()
		return c.Types, nil
	}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		var err error
		switch k {
		case "kind":
			kind, ok := joinKindByName[v]
			if !ok {
				return a, fmt.Errorf("unknown kind %q", v)
			}
			a.Kind = kind
		case "left":
			a.LeftTypes, err = typesOf(v)
		case "right":
			a.RightTypes, err = typesOf(v)
		case "lkeys":
			a.LeftKeys, err = ints(v)
		case "rkeys":
			a.RightKeys, err = ints(v)
		case "lsk":
			a.LeftStreamKey, err = ints(v)
		case "rsk":
			a.RightStreamKey, err = ints(v)
		case "out":
			a.OutputCols, err = ints(v)
		case "nullsafe":
			for _, b := range strings.Split(v, ",") {
				a.NullSafe = append(a.NullSafe, b == "t")
			}
		case "cond":
			a.Cond, err = parseCmpCond(v)
		case "cache":
			a.CacheRows, err = strconv.Atoi(v)
		default:
			return a, fmt.Errorf("unknown argument %q", k)
		}
		if err != nil {
			return a, fmt.Errorf("%s: %w", k, err)
		}
	}
	return a, nil
}

func parseCmpCond(s string) (*cmpCond, error) {
	for _, op := range []string{"<=", "<>", "<", "="} {
		if a, b, ok := strings.Cut(s, op); ok {
			x, err := strconv.Atoi(a)
			if err != nil {
				return nil, err
			}
			y, err := strconv.Atoi(b)
			if err != nil {
				return nil, err
			}
			return &cmpCond{Op: op, A: x, B: y}, nil
		}
	}
	return nil, fmt.Errorf("bad condition %q", s)
}
