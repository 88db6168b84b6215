package expr

import (
	"testing"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// TestParseRecordText checks record_in: quoting, doubled quotes,
// backslash escapes, empty fields as NULL, nested records, and the
// errors Postgres gives (22P02 with its detail); the output of a parsed
// record reads back to the same record.
func TestParseRecordText(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "x", Type: types.Int32}, {Name: "y", Type: types.Varchar}})
	st := types.StructOf("", []types.Field{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Varchar}, {Name: "c", Type: inner}})
	cases := []struct {
		in   string
		want types.Record
	}{
		{`(1,x,"(2,y)")`, types.Record{int64(1), "x", types.Record{int64(2), "y"}}},
		{` (,"",)`, types.Record{nil, "", nil}},
		{`(3,"a ""b"" \\c",)`, types.Record{int64(3), `a "b" \c`, nil}},
		{`(4,a\,b,"(,"" "")")`, types.Record{int64(4), "a,b", types.Record{nil, " "}}},
	}
	for _, c := range cases {
		got, err := ParseText(c.in, st)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !types.Equal(got, c.want) {
			t.Fatalf("%s: got %v, want %v", c.in, got, c.want)
		}
		back, err := ParseText(types.FormatTextTyped(got, st), st)
		if err != nil || !types.Equal(back, got) {
			t.Fatalf("%s: output %s reads back as %v, %v", c.in, types.FormatTextTyped(got, st), back, err)
		}
	}
	for in, detail := range map[string]string{
		`1,2,3)`:   "Missing left parenthesis.",
		`(1,x`:     "Unexpected end of input.",
		`(1,x,,4)`: "Too many columns.",
		`(1,x)`:    "Too few columns.",
		`(1,x,) z`: "Junk after right parenthesis.",
		`(1,x,"(1`: "Unexpected end of input.",
		`(1,x,y\`:  "Unexpected end of input.",
	} {
		_, err := ParseText(in, st)
		if err == nil {
			t.Errorf("%s: accepted", in)
			continue
		}
		se := sqlerr.As(err)
		if se.Code != sqlerr.InvalidTextRepresentation || se.Detail != detail {
			t.Errorf("%s: got %v (detail %q), want 22P02 %q", in, err, se.Detail, detail)
		}
	}
	if _, err := ParseText(`(z,x,)`, st); err == nil || sqlerr.As(err).Code != sqlerr.InvalidTextRepresentation {
		t.Errorf("bad integer field: %v", err)
	}
}
