package bench

import (
	"context"
	"testing"
)

func TestNexmarkQ0Quick(t *testing.T) {
	res, err := RunNexmark(context.Background(), NexmarkOptions{Query: "q0", Events: 10000, BarrierMS: 50, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Line(), res.Check, res.Notes, res.Ingest)
	if want := nxTables[2].share(10000); res.OutRows != want {
		t.Errorf("q0 has %d rows, want %d bids", res.OutRows, want)
	}
	if !res.CheckOK {
		t.Error(res.Check)
	}
}

func TestQueryTables(t *testing.T) {
	for _, n := range QueryNames() {
		q, err := LoadQuery(n)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %v", n, q.Tables)
		if q.Tables == [3]bool{} {
			t.Errorf("%s reads no table", n)
		}
	}
	q, _ := LoadQuery("q0")
	if q.Tables != [3]bool{false, false, true} {
		t.Errorf("q0 reads %v, want bid only", q.Tables)
	}
}
