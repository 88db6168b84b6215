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

// TestSkiplistAppendRuns mixes runs of ascending keys (the append path)
// with random keys and overwrites, then checks every level is sorted, its
// tail is its last node, and the contents match a map.
func TestSkiplistAppendRuns(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	l := newSkiplist()
	model := map[string]byte{}
	next := 0
	for i := range 30_000 {
		var k string
		switch r := rnd.IntN(10); {
		case r < 6: // ascending
			next += 1 + rnd.IntN(3)
			k = string([]byte{0, 0, 0, 9, byte(next >> 16), byte(next >> 8), byte(next)})
		case r < 8: // random, maybe below the last key
			v := rnd.IntN(next + 10)
			k = string([]byte{0, 0, 0, 9, byte(v >> 16), byte(v >> 8), byte(v)})
		default: // a shorter key (a prefix of others)
			k = string([]byte{0, 0, 0, 9, byte(rnd.IntN(256))})
		}
		l.set(entry{key: k, val: []byte{byte(i)}})
		model[k] = byte(i)
	}
	for lv := range l.level {
		var last *slNode
		for x := l.head.next[lv]; x != nil; x = x.next[lv] {
			if last != nil && last.key >= x.key {
				t.Fatalf("level %d: %q before %q", lv, last.key, x.key)
			}
			last = x
		}
		if l.tail[lv] != last {
			t.Fatalf("level %d: tail is not the last node", lv)
		}
	}
	es := l.entries()
	if len(es) != len(model) || l.n != len(model) {
		t.Fatalf("%d entries, want %d", len(es), len(model))
	}
	for _, e := range es {
		if v, ok := model[e.key]; !ok || e.val[0] != v {
			t.Fatalf("entry %q: value %d, want %d (present %v)", e.key, e.val[0], v, ok)
		}
	}
}

// TestSkiplistAlloc checks the byte slab: every allocation has the asked
// length, a capacity capped at it (appends reallocate instead of
// overwriting a neighbour), and none overlaps another, across slab growth
// and writes larger than a slab's remainder or than ownAllocs.
func TestSkiplistAlloc(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	l := newSkiplist()
	var bufs [][]byte
	for i := range 3000 {
		n := rnd.IntN(64)
		if i%100 == 0 {
			n = ownAllocs + rnd.IntN(100)
		} else if i%37 == 0 {
			n = 1000 + rnd.IntN(3000)
		}
		b := l.alloc(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("alloc(%d): len %d cap %d", n, len(b), cap(b))
		}
		for j := range b {
			b[j] = byte(i)
		}
		_ = append(b, 0xEE) // must not write into the slab
		bufs = append(bufs, b)
	}
	for i, b := range bufs {
		for _, c := range b {
			if c != byte(i) {
				t.Fatalf("allocation %d was overwritten", i)
			}
		}
	}
	for range 1000 {
		l.newNode()
	}
	if l.nodeSlab != maxNodeSlab {
		t.Fatalf("node slab %d after 1000 nodes, want %d", l.nodeSlab, maxNodeSlab)
	}
}
