package format_test

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

var csvSchema = types.Schema{
	{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Varchar}, {Name: "n", Type: types.Numeric},
	{Name: "f", Type: types.Float64}, {Name: "ok", Type: types.Bool}, {Name: "ts", Type: types.TimestampT},
	{Name: "tz", Type: types.TimestamptzT}, {Name: "d", Type: types.DateT},
}

func csvDecodeAll(t *testing.T, d *format.CSVDecoder, h *format.CSVHeader, skip int, msgs ...string) (string, []error) {
	t.Helper()
	b := format.NewBuilder(csvSchema.Types())
	defer b.Release()
	var errs []error
	for _, m := range msgs {
		rows, err := d.Decode([]byte(m), h, skip)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range rows {
			b.Append(r)
		}
	}
	c := b.Build()
	defer func() {
		if c != nil {
			c.Release()
		}
	}()
	return chunkText(c), errs
}

// The expected rows are what PostgreSQL 15 gives for
// COPY c FROM STDIN WITH (FORMAT csv) of the same lines (SET timezone UTC).
func TestCSVPositional(t *testing.T) {
	d, err := format.NewCSVDecoder(csvSchema, format.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := csvDecodeAll(t, d, nil, 0,
		`1,a,2.50,1e2,t,2024-01-02 03:04:05.5,2024-01-02T03:04:05+02:00,2024-02-29`,
		`15541,"a,1,1,",-0.0,NaN,yes,2024-01-02,2024-01-02 03:04:05,2024-01-01`+"\r\n",
		`0,"""0",,Infinity,0,,,`,
		`,"",,,,,,`,
		` 7 ,  x  ,1,-inf,off,,,`,
		"8,two\n9,\"multi\nline\",3\r\n\n10", // three records in one message, an empty line skipped
		`11,short`,                           // missing fields are NULL
		`12,long,1,1,f,,,,extra,"more"`,      // extra fields are ignored
		`x,bad int`,                          // errors below
		`13,"unterminated`,
		`14,ab"c`,
		`15,"a"b`,
		`16,,,,maybe`,
	)
	want := `+ 1 a 2.50 100 t 2024-01-02 03:04:05.5 2024-01-02 01:04:05+00 2024-02-29
+ 15541 a,1,1, 0.0 NaN t 2024-01-02 00:00:00 2024-01-02 03:04:05+00 2024-01-01
+ 0 "0 NULL Infinity f NULL NULL NULL
+ NULL  NULL NULL NULL NULL NULL NULL
+ 7   x   1 -Infinity f NULL NULL NULL
+ 8 two NULL NULL NULL NULL NULL NULL
+ 9 multi
line 3 NULL NULL NULL NULL NULL
+ 10 NULL NULL NULL NULL NULL NULL NULL
+ 11 short NULL NULL NULL NULL NULL NULL
+ 12 long 1 1 f NULL NULL NULL
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if len(errs) != 5 {
		t.Fatalf("want 5 record errors, got %d: %v", len(errs), errs)
	}
	for i, frag := range []string{`column "a"`, "unterminated", "quote inside", "after a quoted field", `column "ok"`} {
		if !strings.Contains(errs[i].Error(), frag) {
			t.Errorf("error %d = %v, want it to mention %s", i, errs[i], frag)
		}
	}
}

func TestCSVHeaderAndDelimiter(t *testing.T) {
	d, err := format.NewCSVDecoder(csvSchema, format.CSVOptions{Delimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	h, err := d.Header([]byte("D;B;unknown;a\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, errs := csvDecodeAll(t, d, h, 0, `2024-03-01;x,y;z;1`, `;;;`)
	// A message may also start with its own header line: skip it.
	got2, errs2 := csvDecodeAll(t, d, h, 1, "d;b;unknown;a\n2024-03-02;w;;2")
	want := "+ 1 x,y NULL NULL NULL NULL NULL 2024-03-01\n+ NULL NULL NULL NULL NULL NULL NULL NULL\n"
	if got != want || len(errs) != 0 {
		t.Errorf("got\n%s\nwant\n%s(errors %v)", got, want, errs)
	}
	if want2 := "+ 2 w NULL NULL NULL NULL NULL 2024-03-02\n"; got2 != want2 || len(errs2) != 0 {
		t.Errorf("got\n%s\nwant\n%s(errors %v)", got2, want2, errs2)
	}
	if _, err := format.NewCSVDecoder(csvSchema, format.CSVOptions{Delimiter: '"'}); err == nil {
		t.Error("a quote delimiter was accepted")
	}
}
