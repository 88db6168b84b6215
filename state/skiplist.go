package state

// entry is one staged or sealed write: a value, or a tombstone (del).
type entry struct {
	key string
	val []byte
	del bool
}

const maxLevel = 24

// slNode is a skiplist node. Its tower is next; most nodes have at most
// inlineLevels levels and keep them in tower, saving an allocation.
type slNode struct {
	entry
	pfx   uint64 // key bytes 4..12 big-endian, zero-padded: a cheap first comparison
	next  []*slNode
	tower [inlineLevels]*slNode
}

const inlineLevels = 3

// keyPfx returns key bytes 4..12 (after the table id, which all keys of a
// skiplist share) as a big-endian integer, zero-padded. Comparing prefixes
// first agrees with comparing keys: equal prefixes fall back to the keys.
func keyPfx(k string) uint64 {
	var b [8]byte
	if len(k) > tablePrefixSz {
		copy(b[:], k[tablePrefixSz:])
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// before reports whether node n sorts before key k (with prefix kp).
func (n *slNode) before(k string, kp uint64) bool {
	return n.pfx < kp || n.pfx == kp && n.key < k
}

// skiplist is the ordered write set of one table for the open epoch. It is
// not safe for concurrent use; the table's mutex guards it.
type skiplist struct {
	head  slNode
	level int
	n     int
	rnd   uint64
	bytes int // approximate payload size
	// Slabs the nodes and the key/value bytes of Table.Put are carved
	// from: one allocation per many writes instead of three per write.
	// They live as long as the write set (and the sealed layer made of its
	// entries).
	nodes    []slNode
	nodeSlab int // size of the last node slab
	slab     []byte
	// tail[i] is the last node of level i (nil or &head while the level is
	// empty): writes in key order append without a search.
	tail [maxLevel]*slNode
}

// Slab sizes: a write set's first slabs are small (many tables see a few
// writes an epoch) and each next one doubles, up to the maximum.
const (
	minNodeSlab = 8        // nodes in the first node slab
	maxNodeSlab = 128      // nodes per node slab at most
	minByteSlab = 512      // bytes in the first byte slab
	maxByteSlab = 32 << 10 // bytes per byte slab at most
	ownAllocs   = 4 << 10  // larger writes get their own allocation
)

// alloc returns n bytes of the byte slab, capped at n so that an append to
// them never reaches its neighbours.
func (l *skiplist) alloc(n int) []byte {
	if n > ownAllocs {
		return make([]byte, n)
	}
	if cap(l.slab)-len(l.slab) < n {
		size := min(max(2*cap(l.slab), minByteSlab), maxByteSlab)
		for size < n {
			size *= 2 // n ≤ ownAllocs < maxByteSlab: at most a few doublings
		}
		l.slab = make([]byte, 0, size)
	}
	off := len(l.slab)
	l.slab = l.slab[:off+n]
	return l.slab[off : off+n : off+n]
}

// newNode returns a zero node from the node slab.
func (l *skiplist) newNode() *slNode {
	if len(l.nodes) == 0 {
		l.nodeSlab = min(max(2*l.nodeSlab, minNodeSlab), maxNodeSlab)
		l.nodes = make([]slNode, l.nodeSlab)
	}
	n := &l.nodes[0]
	l.nodes = l.nodes[1:]
	return n
}

func newSkiplist() *skiplist {
	return &skiplist{head: slNode{next: make([]*slNode, maxLevel)}, level: 1, rnd: 0x9E3779B97F4A7C15}
}

func (l *skiplist) randomLevel() int {
	// xorshift64*
	l.rnd ^= l.rnd >> 12
	l.rnd ^= l.rnd << 25
	l.rnd ^= l.rnd >> 27
	r := l.rnd * 2685821657736338717
	lvl := 1
	for lvl < maxLevel && r&3 == 0 { // p = 1/4
		lvl++
		r >>= 2
	}
	return lvl
}

// get returns the node with key k, or nil.
func (l *skiplist) get(k string) *slNode {
	kp := keyPfx(k)
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && nx.before(k, kp); nx = x.next[i] {
			x = nx
		}
	}
	if nx := x.next[0]; nx != nil && nx.key == k {
		return nx
	}
	return nil
}

// set inserts or replaces the entry for e.key.
func (l *skiplist) set(e entry) {
	var update [maxLevel]*slNode
	kp := keyPfx(e.key)
	x := &l.head
	if last := l.tail[0]; last != nil && last != x && last.before(e.key, kp) {
		// An append after the last key (writes in key order): the
		// predecessors are the last nodes of each level.
		copy(update[:l.level], l.tail[:l.level])
		x = last
	} else {
		for i := l.level - 1; i >= 0; i-- {
			for nx := x.next[i]; nx != nil && nx.before(e.key, kp); nx = x.next[i] {
				x = nx
			}
			update[i] = x
		}
	}
	if nx := x.next[0]; nx != nil && nx.key == e.key {
		l.bytes += len(e.val) - len(nx.val)
		nx.val, nx.del = e.val, e.del
		return
	}
	lvl := l.randomLevel()
	if lvl > l.level {
		for i := l.level; i < lvl; i++ {
			update[i] = &l.head
		}
		l.level = lvl
	}
	n := l.newNode()
	n.entry, n.pfx = e, kp
	if lvl <= inlineLevels {
		n.next = n.tower[:lvl]
	} else {
		n.next = make([]*slNode, lvl)
	}
	for i := range lvl {
		n.next[i] = update[i].next[i]
		update[i].next[i] = n
		if n.next[i] == nil {
			l.tail[i] = n
		}
	}
	l.n++
	l.bytes += len(e.key) + len(e.val)
}

// seek returns the first node with key ≥ k.
func (l *skiplist) seek(k string) *slNode {
	kp := keyPfx(k)
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && nx.before(k, kp); nx = x.next[i] {
			x = nx
		}
	}
	return x.next[0]
}

// entries returns all entries in key order.
func (l *skiplist) entries() []entry {
	out := make([]entry, 0, l.n)
	for x := l.head.next[0]; x != nil; x = x.next[0] {
		out = append(out, x.entry)
	}
	return out
}
