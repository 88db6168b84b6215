package format_test

import (
	"testing"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

var modSchema = types.Schema{
	{Name: "n", Type: types.Numeric, Mod: types.TypeMod{Set: true, Precision: 5, Scale: 2}},
	{Name: "v", Type: types.Varchar, Mod: types.TypeMod{Set: true, Precision: 2}},
	{Name: "ts", Type: types.TimestampT, Mod: types.TypeMod{Set: true, Precision: 1}},
	{Name: "plain", Type: types.Varchar},
}

func TestTypeModsApply(t *testing.T) {
	d, err := format.NewJSONDecoder(modSchema, format.JSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := format.NewTypeMods(modSchema)
	for _, c := range []struct {
		in, want, code string
	}{
		{`{"n": 1.005, "v": "é", "ts": "2024-01-01 00:00:00.25", "plain": "long text"}`, "1.01|é|2024-01-01 00:00:00.3|long text", ""},
		{`{"n": "-2", "v": "ab  ", "ts": 1704067200049}`, "-2.00|ab|2024-01-01 00:00:00|NULL", ""},
		{`{"n": null, "v": null}`, "NULL|NULL|NULL|NULL", ""},
		{`{"v": "éèà"}`, "", sqlerr.StringDataRightTruncation},
		{`{"n": 999.995}`, "", sqlerr.NumericValueOutOfRange},
	} {
		rows, err := d.Decode(nil, []byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		err = m.Apply(rows[0])
		if c.code != "" {
			if sqlerr.Code(err) != c.code {
				t.Errorf("%s: error %v, want SQLSTATE %s", c.in, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		got := ""
		for i, col := range modSchema {
			if i > 0 {
				got += "|"
			}
			if v := rows[0].Datum(i, col.Type); v == nil {
				got += "NULL"
			} else {
				got += types.FormatText(v)
			}
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
	if format.NewTypeMods(bidSchema) != nil {
		t.Error("a schema without modifiers gave TypeMods")
	}
}

// BenchmarkTypeMods decodes Nexmark-bid-like records with and without
// modifiers on the string and timestamp columns (values that conform:
// the cost of checking them).
func BenchmarkTypeMods(b *testing.B) {
	mods := append(types.Schema(nil), bidSchema...)
	mods[3].Mod = types.TypeMod{Set: true, Precision: 20}
	mods[4].Mod = types.TypeMod{Set: true, Precision: 200}
	mods[5].Mod = types.TypeMod{Set: true, Precision: 3}
	recs := bidRecords(4096)
	for _, c := range []struct {
		name   string
		schema types.Schema
	}{{"none", bidSchema}, {"mods", mods}} {
		b.Run(c.name, func(b *testing.B) {
			d, err := format.NewJSONDecoder(c.schema, format.JSONOptions{})
			if err != nil {
				b.Fatal(err)
			}
			m := format.NewTypeMods(c.schema)
			bl := format.NewBuilder(c.schema.Types())
			defer bl.Release()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rows, err := d.Decode(nil, recs[i%len(recs)])
				if err != nil {
					b.Fatal(err)
				}
				if err := m.Apply(rows[0]); err != nil {
					b.Fatal(err)
				}
				bl.Append(rows[0])
				if bl.Len() == 1024 {
					bl.Build().Release()
				}
			}
		})
	}
}
