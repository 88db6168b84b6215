package pgwire

import (
	"encoding/hex"
	"testing"

	"github.com/eddysql/eddy/types"
)

// TestEncodeBinaryRecord checks Postgres's binary record format: the field
// count, then per field its type OID and length-prefixed value (-1 for
// NULL), nested records included.
func TestEncodeBinaryRecord(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "x", Type: types.Int16}})
	st := types.StructOf("", []types.Field{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Varchar}, {Name: "c", Type: inner}})
	b, err := encodeBinary(nil, types.Record{int64(1), nil, types.Record{int64(-2)}}, st)
	if err != nil {
		t.Fatal(err)
	}
	want := "00000003" + "00000017" + "00000004" + "00000001" + "00000413" + "ffffffff" +
		"000008c9" + "0000000e" + "00000001" + "00000015" + "00000002" + "fffe"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if _, err := encodeBinary(nil, types.Record{int64(1)}, st); err == nil {
		t.Fatal("a record with too few fields encoded")
	}
}
