package pgwire

import (
	"testing"

	"github.com/eddysql/eddy/types"
)

// FuzzCopyParse feeds arbitrary data to the COPY FROM parsers of every
// format: they must end, without panicking, with rows or an error.
func FuzzCopyParse(f *testing.F) {
	f.Add("1\tx\t1.5\n2\t\\N\t2\n\\.\n", "COPY t FROM STDIN")
	f.Add("a,b,c\n7,\"q,\"\"x\"\"\",\n8,,3\n", "COPY t FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NULL (c))")
	f.Add("1|nil|\\x41\r\n", "COPY t FROM STDIN DELIMITER '|' NULL 'nil'")
	f.Add("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00\x00\x01\xff\xff\xff\xff\x00\x00\x00\x01x\xff\xff", "COPY t FROM STDIN BINARY")
	f.Add("1,\"a\nb\",\\.\n", "COPY t FROM STDIN CSV QUOTE '\"' ESCAPE '\\'")
	cols := []types.Column{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Varchar}, {Name: "c", Type: types.Varchar}}
	f.Fuzz(func(t *testing.T, data, stmt string) {
		st, err := parseCopy(stmt)
		if err != nil || !st.from {
			return
		}
		r := &copyReader{st: st, cols: cols, data: []byte(data), relName: "t"}
		if st.forceNull != nil {
			r.forceNull = []bool{false, false, true}
		}
		var rows [][]types.Datum
		if st.format == "binary" {
			rows, err = r.binaryRows()
		} else {
			rows, err = r.textRows()
		}
		for _, row := range rows {
			if len(row) != len(cols) {
				t.Fatalf("row of %d values, want %d", len(row), len(cols))
			}
		}
		_ = err
	})
}
