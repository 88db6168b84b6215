package state

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSkiplistModel checks the skiplist against a map on random keys that
// share long prefixes and contain zero bytes.
func TestSkiplistModel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	key := func() string {
		b := []byte{0, 0, 0, 9}
		for range rnd.IntN(14) {
			b = append(b, []byte{0, 1, 0xFF, 'a'}[rnd.IntN(4)])
		}
		return string(b)
	}
	l := newSkiplist()
	model := map[string]entry{}
	for i := range 20_000 {
		k := key()
		e := entry{key: k, val: []byte{byte(i)}, del: rnd.IntN(4) == 0}
		l.set(e)
		model[k] = e
		if i%1000 == 0 {
			q := key()
			n := l.get(q)
			m, ok := model[q]
			if (n != nil) != ok || ok && (n.del != m.del || n.val[0] != m.val[0]) {
				t.Fatalf("get(%q) mismatch", q)
			}
		}
	}
	keys := make([]string, 0, len(model))
	for k := range model {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	es := l.entries()
	if len(es) != len(keys) || l.n != len(keys) {
		t.Fatalf("%d entries, want %d", len(es), len(keys))
	}
	for i, e := range es {
		if e.key != keys[i] || e.del != model[e.key].del || e.val[0] != model[e.key].val[0] {
			t.Fatalf("entry %d: %q, want %q", i, e.key, keys[i])
		}
	}
	for range 1000 {
		q := key()
		i, _ := slices.BinarySearch(keys, q)
		n := l.seek(q)
		if i == len(keys) && n != nil || i < len(keys) && (n == nil || n.key != keys[i]) {
			t.Fatalf("seek(%q) mismatch", q)
		}
	}
}
