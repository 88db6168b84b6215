package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

// NexmarkBaseTimeMS is the event time of event 0 in every run
// (2015-07-15 00:00:00 UTC, the date of RisingWave's e2e fixture), so that
// two runs over the same number of events see identical events.
const NexmarkBaseTimeMS = 1436918400000

// nxTable describes one Nexmark relation: its columns (as in the rw-e2e
// fixture DDL) and its share of every block of 50 generated events.
type nxTable struct {
	name   string
	kind   int // event_type: 0 person, 1 auction, 2 bid
	cols   []types.Column
	pk     string // "" = none (bid)
	offset int64  // position of its first event in a block of 50
	prop   int64  // events of this kind per block of 50
}

var nxTables = []nxTable{
	{name: "person", kind: 0, pk: "id", offset: 0, prop: 1, cols: []types.Column{
		{Name: "id", Type: types.Int64}, {Name: "name", Type: types.Varchar}, {Name: "email_address", Type: types.Varchar},
		{Name: "credit_card", Type: types.Varchar}, {Name: "city", Type: types.Varchar}, {Name: "state", Type: types.Varchar},
		{Name: "date_time", Type: types.TimestampT}, {Name: "extra", Type: types.Varchar},
	}},
	{name: "auction", kind: 1, pk: "id", offset: 1, prop: 3, cols: []types.Column{
		{Name: "id", Type: types.Int64}, {Name: "item_name", Type: types.Varchar}, {Name: "description", Type: types.Varchar},
		{Name: "initial_bid", Type: types.Int64}, {Name: "reserve", Type: types.Int64}, {Name: "date_time", Type: types.TimestampT},
		{Name: "expires", Type: types.TimestampT}, {Name: "seller", Type: types.Int64}, {Name: "category", Type: types.Int64},
		{Name: "extra", Type: types.Varchar},
	}},
	{name: "bid", kind: 2, offset: 4, prop: 46, cols: []types.Column{
		{Name: "auction", Type: types.Int64}, {Name: "bidder", Type: types.Int64}, {Name: "price", Type: types.Int64},
		{Name: "channel", Type: types.Varchar}, {Name: "url", Type: types.Varchar}, {Name: "date_time", Type: types.TimestampT},
		{Name: "extra", Type: types.Varchar},
	}},
}

// share returns how many of the events numbered 0..n-1 are of t's kind.
func (t nxTable) share(n int64) int64 {
	return n/50*t.prop + min(max(n%50-t.offset, 0), t.prop)
}

// columnDefs renders the column list of a CREATE statement.
func (t nxTable) columnDefs() string {
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, sqlType(c.Type))
	}
	return b.String()
}

func sqlType(t types.Type) string {
	switch t.Kind {
	case types.KindInt64:
		return "BIGINT"
	case types.KindTimestamp:
		return "TIMESTAMP"
	}
	return "VARCHAR"
}

// tableDDL is the rw-e2e fixture's CREATE TABLE.
func (t nxTable) tableDDL() string {
	s := "CREATE TABLE " + t.name + " (" + t.columnDefs()
	if t.pk != "" {
		s += ", PRIMARY KEY (" + t.pk + ")"
	}
	return s + ")"
}

// combinedSchema is the flat schema of the combined event stream:
// event_type, then "person.id", …, "bid.extra". The nexmark generator fills
// it directly; the JSON decoder reaches the nested fields through the
// dotted names.
func combinedSchema() types.Schema {
	s := types.Schema{{Name: "event_type", Type: types.Int64}}
	for _, t := range nxTables {
		for _, c := range t.cols {
			s = append(s, types.Column{Name: t.name + "." + c.Name, Type: c.Type})
		}
	}
	return s
}

// combinedOffsets returns, per table, the position of its first column in
// combinedSchema.
func combinedOffsets() [3]int {
	var o [3]int
	p := 1
	for i, t := range nxTables {
		o[i] = p
		p += len(t.cols)
	}
	return o
}

// nexmarkWith returns the WITH options of a nexmark generator source.
func nexmarkWith(tableType string, rows int64) map[string]string {
	return map[string]string{
		"connector":              "nexmark",
		"nexmark.table.type":     tableType,
		"nexmark.event.num":      strconv.FormatInt(rows, 10),
		"nexmark.base.time":      strconv.FormatInt(NexmarkBaseTimeMS, 10),
		"nexmark.max.chunk.size": "1024",
	}
}

// CombinedEvents generates the first n Nexmark events, in event-number
// order, as chunks of the combined schema. fn owns each chunk.
func CombinedEvents(ctx context.Context, n int64, fn func(c *types.Chunk) error) error {
	src, err := connectors.Default.NewSource(connectors.SourceConfig{
		Name: "nexmark", Schema: combinedSchema(), With: nexmarkWith("Combined", n),
	})
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Open(ctx, nil); err != nil {
		return err
	}
	for {
		c, err := src.Read(ctx)
		if errors.Is(err, connectors.ErrEndOfInput) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
}

// EventsJSON returns the first n Nexmark events as JSON records, as
// RisingWave's Kafka benchmark feeds them:
//
//	{"event_type":2,"bid":{"auction":1000,"bidder":1001,…,"date_time":"2015-07-15 00:00:01.001","extra":"…"}}
func EventsJSON(ctx context.Context, n int64) ([][]byte, error) {
	out := make([][]byte, 0, n)
	offs := combinedOffsets()
	err := CombinedEvents(ctx, n, func(c *types.Chunk) error {
		defer c.Release()
		for i := 0; i < c.NumRows(); i++ {
			kind := c.Datum(0, i).(int64)
			t := nxTables[kind]
			b := make([]byte, 0, 256)
			b = append(b, `{"event_type":`...)
			b = strconv.AppendInt(b, kind, 10)
			b = append(b, `,"`...)
			b = append(b, t.name...)
			b = append(b, `":{`...)
			for j, col := range t.cols {
				if j > 0 {
					b = append(b, ',')
				}
				b = format.AppendJSONString(b, col.Name)
				b = append(b, ':')
				switch d := c.Datum(offs[kind]+j, i).(type) {
				case nil:
					b = append(b, "null"...)
				case int64:
					b = strconv.AppendInt(b, d, 10)
				case string:
					b = format.AppendJSONString(b, d)
				default:
					b = format.AppendJSONString(b, types.FormatText(d))
				}
			}
			b = append(b, "}}"...)
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// sqlLiteral renders a generated value as a SQL literal.
func sqlLiteral(b *strings.Builder, d types.Datum) {
	switch d := d.(type) {
	case nil:
		b.WriteString("NULL")
	case int64:
		b.WriteString(strconv.FormatInt(d, 10))
	case string:
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(d, "'", "''"))
		b.WriteByte('\'')
	default:
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(types.FormatText(d), "'", "''"))
		b.WriteByte('\'')
	}
}

// inserter turns combined-schema chunks into INSERT statements on the
// fixture tables (only those in want), batch rows at a time.
type inserter struct {
	want  [3]bool
	batch int
	exec  func(sql string) error
	bufs  [3]*strings.Builder
	rows  [3]int
	total int64
}

func newInserter(want [3]bool, batch int, exec func(string) error) *inserter {
	return &inserter{want: want, batch: batch, exec: exec}
}

func (in *inserter) add(c *types.Chunk) error {
	offs := combinedOffsets()
	for i := 0; i < c.NumRows(); i++ {
		k, _ := c.Datum(0, i).(int64)
		if k < 0 || k > 2 || !in.want[k] {
			continue
		}
		t := nxTables[k]
		b := in.bufs[k]
		if b == nil {
			b = &strings.Builder{}
			in.bufs[k] = b
		}
		if in.rows[k] == 0 {
			b.WriteString("INSERT INTO " + t.name + " VALUES ")
		} else {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range t.cols {
			if j > 0 {
				b.WriteString(", ")
			}
			sqlLiteral(b, c.Datum(offs[k]+j, i))
		}
		b.WriteByte(')')
		in.rows[k]++
		in.total++
		if in.rows[k] >= in.batch {
			if err := in.flushTable(int(k)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (in *inserter) flushTable(k int) error {
	if in.rows[k] == 0 {
		return nil
	}
	sql := in.bufs[k].String()
	in.bufs[k].Reset()
	in.rows[k] = 0
	return in.exec(sql)
}

func (in *inserter) flush() error {
	for k := range in.bufs {
		if err := in.flushTable(k); err != nil {
			return err
		}
	}
	return nil
}
