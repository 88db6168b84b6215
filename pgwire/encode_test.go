package pgwire

import (
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "12.345", "-0.001", "10000", "123456789.000100", "0.00000001", "99999999999999999999.5", "1E+5", "NaN", "Infinity", "-Infinity", "0.50"} {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		b := appendNumeric(nil, d)
		got, err := decodeNumeric(b)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want := d.Text('f')
		switch s {
		case "NaN":
			want = "NaN"
		case "Infinity":
			want = "Infinity"
		case "-Infinity":
			want = "-Infinity"
		}
		if got != want {
			t.Errorf("%s: round trip gave %s (want %s, bytes %x)", s, got, want, b)
		}
	}
}

func TestBinaryParamsRoundTrip(t *testing.T) {
	cases := []struct {
		d    types.Datum
		t    types.Type
		text string
	}{
		{true, types.Bool, "t"},
		{int64(-7), types.Int16, "-7"},
		{int64(1 << 40), types.Int64, "1099511627776"},
		{2.5, types.Float64, "2.5"},
		{types.Date(0), types.DateT, "1970-01-01"},
		{types.Timestamp(1_000_000), types.TimestampT, "1970-01-01 00:00:01"},
		{types.Interval{Months: 1, Days: 2, Micros: 3_000_000}, types.IntervalT, "1 mon 2 days 00:00:03"},
		{types.JSONB(`{"a":1}`), types.JSONBT, `{"a":1}`},
		{[]byte{1, 2}, types.Bytea, `\x0102`},
		{types.Array{int64(1), nil, int64(3)}, types.ArrayOf(types.Int32), "{1,NULL,3}"},
		{types.Array{"a b", "c"}, types.ArrayOf(types.Varchar), `{"a b",c}`},
	}
	for _, c := range cases {
		b, err := encodeBinary(nil, c.d, c.t)
		if err != nil {
			t.Fatalf("%v: %v", c.d, err)
		}
		got, err := decodeBinaryParam(b, c.t.OID())
		if err != nil {
			t.Fatalf("%v: %v", c.d, err)
		}
		if got != c.text {
			t.Errorf("%v: got %q, want %q", c.d, got, c.text)
		}
	}
}

func TestSubstituteParams(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT $1, '$1', \"$1\", $2 -- $1\n", "SELECT 'a', '$1', \"$1\", 5 -- $1\n"},
		{"SELECT $$ $1 $$, $tag$ $2 $tag$, a$1, $2", "SELECT $$ $1 $$, $tag$ $2 $tag$, a$1, 5"},
		{"SELECT * FROM t LIMIT $3 OFFSET $3", "SELECT * FROM t LIMIT 10 OFFSET 10"},
		{"SELECT E'\\'$1', /* $1 /* $2 */ */ $1", "SELECT E'\\'$1', /* $1 /* $2 */ */ 'a'"},
	}
	for _, c := range cases {
		got, err := substituteParams(c.in, []string{"'a'", "5", "'10'"})
		if err != nil || got != c.want {
			t.Errorf("%q: got %q, %v", c.in, got, err)
		}
	}
	if _, err := substituteParams("SELECT $4", []string{"1"}); err == nil {
		t.Error("missing parameter accepted")
	}
	if n := maxParam("SELECT $2, '$9', $10"); n != 10 {
		t.Errorf("maxParam = %d", n)
	}
}

func TestParsePGDuration(t *testing.T) {
	for in, want := range map[string]string{"0": "0s", "1500": "1.5s", "1s": "1s", "'2min'": "2m0s", "250ms": "250ms", "1 h": "1h0m0s"} {
		d, err := parsePGDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("%s: %v %v", in, d, err)
		}
	}
	if _, err := parsePGDuration("soon"); err == nil {
		t.Error("bad duration accepted")
	}
}
