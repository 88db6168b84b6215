package format_test

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

// TestJSONStringsAgainstEncodingJSON decodes random string fields (plain
// runs of every length around the 8-byte word the scanner skips at once,
// escapes, multi-byte and invalid UTF-8, raw control characters) and checks
// the value, or the rejection, against encoding/json.
func TestJSONStringsAgainstEncodingJSON(t *testing.T) {
	pieces := []string{"a", "bcdefgh", "0123456789abcdef", `\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, "é", "€", "😀", "\x01", "\xff", " ", "/"}
	schema := types.Schema{{Name: "s", Type: types.Varchar}, {Name: "n", Type: types.Int64}}
	dec, err := format.NewJSONDecoder(schema, format.JSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 5000; i++ {
		var sb strings.Builder
		for k := r.Intn(12); k > 0; k-- {
			p := pieces[r.Intn(len(pieces))]
			if r.Intn(3) > 0 { // mostly plain text, so runs cross word boundaries
				p = strings.Repeat("x", r.Intn(17))
			}
			sb.WriteString(p)
		}
		content := sb.String()
		rec := `{"s":"` + content + `","n":1}`
		var want struct{ S string }
		werr := json.Unmarshal([]byte(rec), &want)
		if werr == nil && !utf8.ValidString(content) {
			werr = errInvalidUTF8 // encoding/json substitutes U+FFFD; Eddy rejects the record
		}
		b := format.NewBuilder(schema.Types())
		rows, err := dec.Decode(nil, []byte(rec))
		if (err != nil) != (werr != nil) {
			t.Fatalf("record %q: error %v, encoding/json: %v", rec, err, werr)
		}
		if err != nil {
			continue
		}
		b.Append(rows[0])
		c := b.Build()
		if got := c.Datum(0, 0); got != want.S {
			t.Fatalf("record %q: got %q, want %q", rec, got, want.S)
		}
		c.Release()
		b.Release()
	}
}

var errInvalidUTF8 = jsonError("invalid UTF-8")

type jsonError string

func (e jsonError) Error() string { return string(e) }
