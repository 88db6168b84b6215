package operators

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// TestOverWindowPostgres cross-checks OverWindow (and so the naive model of
// the property test) against a real PostgreSQL: random partitions are
// loaded into a table and every case's calls are run as a query there and
// through the operator. It needs EDDY_OW_PG=<psql connection args>, e.g.
// EDDY_OW_PG="-h 127.0.0.1 -U postgres"; otherwise it is skipped. Calls
// Postgres 15 lacks (DISTINCT, IGNORE NULLS) are left out.
func TestOverWindowPostgres(t *testing.T) {
	conn := os.Getenv("EDDY_OW_PG")
	if conn == "" {
		t.Skip("set EDDY_OW_PG to psql connection arguments to cross-check against PostgreSQL")
	}
	psql := func(sql string) string {
		args := append(strings.Fields(conn), "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1")
		cmd := exec.Command("psql", args...)
		cmd.Stdin = strings.NewReader("SET extra_float_digits = 1;\n" + sql)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("psql: %v\n%s\nSQL:\n%s", err, out, sql)
		}
		return string(out)
	}
	cols := []string{"p", "id", "v", "f", "n", "ts", "s", "b"}
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		var rows []types.Row
		for id := int64(1); id <= 40; id++ {
			rows = append(rows, owRandRow(rng, id))
		}
		var vals []string
		for _, r := range rows {
			var vs []string
			for i, d := range r {
				switch {
				case d == nil:
					vs = append(vs, "NULL")
				case i == owTS:
					vs = append(vs, "'"+types.FormatText(d)+"'::timestamp")
				case i == owS:
					vs = append(vs, "'"+d.(string)+"'")
				case i == owB:
					vs = append(vs, fmt.Sprint(d))
				default:
					vs = append(vs, types.FormatText(d))
				}
			}
			vals = append(vals, "("+strings.Join(vs, ",")+")")
		}
		setup := "DROP TABLE IF EXISTS ow_t; CREATE TABLE ow_t (p int8, id int8, v int8, f float8, n numeric, ts timestamp, s text, b bool);\n" +
			"INSERT INTO ow_t VALUES " + strings.Join(vals, ",") + ";\n"
		for _, c := range owCases() {
			var calls []WindowCall
			for _, cl := range c.calls {
				if !cl.Distinct && !cl.IgnoreNulls {
					calls = append(calls, cl)
				}
			}
			var order []string
			for _, k := range c.order {
				s := cols[k.Col]
				if k.Desc {
					s += " DESC"
				}
				if k.NullsFirst {
					s += " NULLS FIRST"
				} else {
					s += " NULLS LAST"
				}
				order = append(order, s)
			}
			var sel []string
			for _, cl := range calls {
				sel = append(sel, owCallSQL(cl, cols, c.order))
			}
			inner := "SELECT * FROM ow_t ORDER BY " + strings.Join(append(append([]string{"p"}, order...), "id"), ", ")
			q := fmt.Sprintf("SELECT id, %s FROM (%s) s ORDER BY id;\n", strings.Join(sel, ", "), inner)
			pgOut := strings.Split(strings.TrimSpace(psql(setup+q)), "\n")

			h := newHarness(t, owBuilder(c.order, calls, 4))
			h.push(0, types.NewInsertChunk(owTypes, rows))
			h.barrier(1)
			z := h.take()
			var got []types.Row
			for _, e := range z {
				got = append(got, e.Row)
			}
			h.close()
			slices.SortFunc(got, func(a, b types.Row) int { return int(a[owID].(int64) - b[owID].(int64)) })
			if len(got) != len(pgOut) {
				t.Fatalf("%s: %d rows, postgres %d", c.name, len(got), len(pgOut))
			}
			for i, r := range got {
				parts := []string{types.FormatText(r[owID])}
				for _, d := range r[len(owTypes):] {
					if d == nil {
						parts = append(parts, "")
					} else {
						parts = append(parts, types.FormatText(d))
					}
				}
				if line := strings.Join(parts, "|"); line != pgOut[i] {
					gp, wp := strings.Split(line, "|"), strings.Split(pgOut[i], "|")
					var diffs []string
					for k := range gp {
						if k < len(wp) && gp[k] != wp[k] {
							diffs = append(diffs, fmt.Sprintf("%s: got %q, postgres %q", sel[k-1], gp[k], wp[k]))
						}
					}
					t.Errorf("seed %d %s, row id %v:\n%s", seed, c.name, r[owID], strings.Join(diffs, "\n"))
					break
				}
			}
		}
	}
}

func owCallSQL(c WindowCall, cols []string, order []expr.SortKey) string {
	var args []string
	for _, a := range c.Args {
		args = append(args, cols[a])
	}
	switch c.Name {
	case "count":
		if len(args) == 0 {
			args = []string{"*"}
		}
	case "ntile":
		args = append(args, fmt.Sprint(c.Offset))
	case "nth_value", "lag":
		args = append(args, fmt.Sprint(c.Offset))
	case "lead":
		args = append(args, fmt.Sprint(c.Offset), types.FormatText(c.Default))
	}
	s := c.Name + "(" + strings.Join(args, ", ") + ")"
	if c.Filter >= 0 {
		s += " FILTER (WHERE " + cols[c.Filter] + ")"
	}
	var ob []string
	for _, k := range order {
		o := cols[k.Col]
		if k.Desc {
			o += " DESC"
		}
		if k.NullsFirst {
			o += " NULLS FIRST"
		} else {
			o += " NULLS LAST"
		}
		ob = append(ob, o)
	}
	w := "PARTITION BY p"
	if len(ob) > 0 {
		w += " ORDER BY " + strings.Join(ob, ", ")
	}
	if !c.Frame.IsDefault() {
		f := c.Frame.String()
		f = strings.ReplaceAll(f, " '", " interval '")
		w += " " + f
	}
	return s + " OVER (" + w + ")"
}
