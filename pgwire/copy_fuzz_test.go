package pgwire

import (
	"fmt"
	"testing"

	"github.com/eddysql/eddy/types"
)

// parseCopyData parses data for st in chunks of chunk bytes (all at once
// when chunk is 0), as CopyData messages would bring it.
func parseCopyData(st *copyStmt, cols []types.Column, data []byte, chunk int) ([][]types.Datum, error) {
	r := &copyReader{st: st, cols: cols, relName: "t"}
	if st.forceNull != nil {
		r.forceNull = make([]bool, len(cols))
		r.forceNull[len(cols)-1] = true
	}
	for chunk > 0 && len(data) > chunk {
		// A copy, as a message buffer is reused after each message.
		if err := r.feed(append([]byte(nil), data[:chunk]...), false); err != nil {
			return nil, err
		}
		data = data[chunk:]
	}
	if err := r.feed(data, false); err != nil {
		return nil, err
	}
	if err := r.feed(nil, true); err != nil {
		return nil, err
	}
	return r.rows, nil
}

// FuzzCopyParse feeds arbitrary data to the COPY FROM parsers of every
// format: they must end without panicking, and give the same rows or error
// whether the data comes in one piece or in chunks of any size.
func FuzzCopyParse(f *testing.F) {
	f.Add("1\tx\t1.5\n2\t\\N\t2\n\\.\n", "COPY t FROM STDIN", uint8(1))
	f.Add("a,b,c\n7,\"q,\"\"x\"\"\",\n8,,3\n", "COPY t FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NULL (c))", uint8(3))
	f.Add("1|nil|\\x41\r\n", "COPY t FROM STDIN DELIMITER '|' NULL 'nil'", uint8(2))
	f.Add("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00\x00\x01\xff\xff\xff\xff\x00\x00\x00\x01x\xff\xff", "COPY t FROM STDIN BINARY", uint8(5))
	f.Add("1,\"a\nb\",\\.\r\n2,\"\\\"\",x\r\n", "COPY t FROM STDIN CSV QUOTE '\"' ESCAPE '\\'", uint8(1))
	cols := []types.Column{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Varchar}, {Name: "c", Type: types.Varchar}}
	f.Fuzz(func(t *testing.T, data, stmt string, chunk uint8) {
		st, err := parseCopy(stmt)
		if err != nil || !st.from {
			return
		}
		whole, errWhole := parseCopyData(st, cols, []byte(data), 0)
		for _, row := range whole {
			if len(row) != len(cols) {
				t.Fatalf("row of %d values, want %d", len(row), len(cols))
			}
		}
		parts, errParts := parseCopyData(st, cols, []byte(data), int(chunk)%17+1)
		if fmt.Sprint(errWhole, copyWhere(errWhole)) != fmt.Sprint(errParts, copyWhere(errParts)) {
			t.Fatalf("in one piece: %v (%s); in chunks of %d: %v (%s)", errWhole, copyWhere(errWhole), int(chunk)%17+1, errParts, copyWhere(errParts))
		}
		if errWhole == nil && fmt.Sprintf("%#v", whole) != fmt.Sprintf("%#v", parts) {
			t.Fatalf("in one piece: %#v; in chunks of %d: %#v", whole, int(chunk)%17+1, parts)
		}
	})
}
