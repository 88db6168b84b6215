package state_test

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/state"
)

func TestZZTiming(t *testing.T) {
	s, _ := state.Open(state.Options{InMemory: true})
	defer s.Close()
	tb := s.Table(benchLayout)
	for e := uint64(1); e <= 5; e++ {
		t0 := time.Now()
		for i := range int64(100000) {
			tb.Put(benchRow(int64(e%10)*100000+i, e))
		}
		t1 := time.Now()
		s.Seal(e)
		t2 := time.Now()
		s.Commit(e, nil)
		t3 := time.Now()
		t.Logf("put %v seal %v commit %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2))
	}
}
