package connectors

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// The Nexmark generator follows the benchmark's specification as the
// Apache Beam and RisingWave generators implement it: events are numbered
// 0, 1, 2, …; in every block of 50 consecutive events the first is a
// person, the next 3 are auctions and the other 46 are bids. Each event's
// content is a pure function of its number (and nexmark.seed), so any
// event can be regenerated, splits are independent, and a restart from
// stored offsets continues exactly. Ids start at 1000; bids favour "hot"
// auctions and bidders (ids rounded down to multiples of 100) and
// otherwise pick among recent ids; event time is base time + event number
// × the inter-event gap.
const (
	nxPersonProp     = 1
	nxAuctionProp    = 3
	nxBidProp        = 46
	nxDenominator    = nxPersonProp + nxAuctionProp + nxBidProp
	nxFirstPersonID  = 1000
	nxFirstAuctionID = 1000
	nxFirstCategory  = 10
	nxNumCategories  = 5
	nxActivePeople   = 1000
	nxInFlight       = 100
	nxPersonLead     = 10
	nxAuctionLead    = 10
	nxHotSellerRatio = 4 // 3 in 4 auctions come from a hot seller
	nxHotAuctionRate = 2 // 1 in 2 bids goes to a hot auction
	nxHotBidderRatio = 4 // 3 in 4 bids come from a hot bidder
	nxHotChannelRate = 2
	nxHotGroup       = 100 // hot ids are multiples of this
	nxAvgPersonBytes = 200
	nxAvgAuctionSize = 500
	nxAvgBidBytes    = 100
	nxChannels       = 10000
)

var (
	nxFirstNames  = []string{"peter", "paul", "luke", "john", "saul", "vicky", "kate", "julie", "sarah", "deiter", "walter"}
	nxLastNames   = []string{"shultz", "abrams", "spencer", "white", "bartels", "walton", "smith", "jones", "noris"}
	nxStates      = []string{"az", "ca", "id", "or", "wa", "wy"}
	nxCities      = []string{"phoenix", "los angeles", "san francisco", "boise", "portland", "bend", "redmond", "seattle", "kent", "cheyenne"}
	nxHotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// nxRand is a small deterministic generator (splitmix64), seeded per event.
type nxRand struct{ s uint64 }

func (r *nxRand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *nxRand) intn(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(r.next() % uint64(n))
}

func (r *nxRand) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *nxRand) str(dst []byte, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, byte('a'+r.intn(26)))
	}
	return dst
}

func (r *nxRand) price() int64 { return int64(math.Round(math.Pow(10, r.float()*6) * 100)) }

func (r *nxRand) extra(dst []byte, current, avg int) []byte {
	if current > avg {
		return dst
	}
	want := avg - current
	delta := (want + 2) / 5
	size := want - delta
	if delta > 0 {
		size += int(r.intn(int64(2 * delta)))
	}
	return r.str(dst, size)
}

func nxLastPerson(id int64) int64 {
	epoch, off := id/nxDenominator, id%nxDenominator
	if off >= nxPersonProp {
		off = nxPersonProp - 1
	}
	return epoch*nxPersonProp + off
}

func nxLastAuction(id int64) int64 {
	epoch, off := id/nxDenominator, id%nxDenominator
	switch {
	case off < nxPersonProp:
		epoch--
		off = nxAuctionProp - 1
	case off >= nxPersonProp+nxAuctionProp:
		off = nxAuctionProp - 1
	default:
		off -= nxPersonProp
	}
	return epoch*nxAuctionProp + off
}

func nxNextPerson(id int64, r *nxRand) int64 {
	people := nxLastPerson(id) + 1
	active := min(people, nxActivePeople)
	return people - active + r.intn(active+nxPersonLead)
}

func nxNextAuction(id int64, r *nxRand) int64 {
	maxA := nxLastAuction(id)
	minA := max(maxA-nxInFlight, 0)
	return minA + r.intn(maxA-minA+1+nxAuctionLead)
}

var (
	nxURLOnce sync.Once
	nxURLs    []string // channel-N → url
	nxHotURLs []string
)

func nxBaseURL(seed int64) string {
	r := nxRand{s: uint64(seed)*0x2545f4914f6cdd1d + 1}
	part := func() string {
		n := 3 + r.intn(2)
		b := make([]byte, 0, n)
		for i := int64(0); i < n; i++ {
			if r.intn(13) == 0 {
				b = append(b, '_')
			} else {
				b = append(b, byte('a'+r.intn(26)))
			}
		}
		return string(b)
	}
	return "https://www.nexmark.com/" + part() + "/" + part() + "/" + part() + "/item.htm?query=1"
}

func nxInitURLs() {
	nxURLOnce.Do(func() {
		nxURLs = make([]string, nxChannels)
		for i := range nxURLs {
			u := nxBaseURL(int64(i))
			r := nxRand{s: uint64(i)}
			if r.next()%10 > 0 {
				u += "&channel_id=" + strconv.FormatInt(int64(math.Abs(float64(int32(reverseBits32(uint32(i)))))), 10)
			}
			nxURLs[i] = u
		}
		for i := range nxHotChannels {
			nxHotURLs = append(nxHotURLs, nxBaseURL(int64(i)))
		}
	})
}

func reverseBits32(v uint32) uint32 {
	var r uint32
	for i := 0; i < 32; i++ {
		r = r<<1 | v&1
		v >>= 1
	}
	return r
}

// nexmark event kinds (the combined schema's event_type values).
const (
	nxPerson  = 0
	nxAuction = 1
	nxBid     = 2
)

func nxEventType(n int64) int {
	switch rem := n % nxDenominator; {
	case rem < nxPersonProp:
		return nxPerson
	case rem < nxPersonProp+nxAuctionProp:
		return nxAuction
	}
	return nxBid
}

// nxEvent holds one generated event; strings are slices of buf.
type nxEvent struct {
	kind int
	// person
	id                                          int64
	name, email, card, city, state, extra, item string
	desc                                        string
	// auction
	initialBid, reserve, expires, seller, category int64
	// bid
	auction, bidder, price int64
	channel, url           string
	dateTime               int64 // ms since epoch
	buf                    []byte
}

type nxGen struct {
	baseMS  int64
	delayUS float64 // event-time gap between consecutive events, µs
	seed    uint64
}

func (g *nxGen) timestamp(n int64) int64 {
	return g.baseMS + int64(math.Round(float64(n)*g.delayUS/1000))
}

// event generates event number n into e.
func (g *nxGen) event(n int64, e *nxEvent) {
	r := nxRand{s: uint64(n)*0x9e3779b97f4a7c15 ^ g.seed}
	e.kind = nxEventType(n)
	e.dateTime = g.timestamp(n)
	buf := e.buf[:0]
	cut := func(start int) string { return unsafeStr(buf[start:]) }
	switch e.kind {
	case nxPerson:
		e.id = nxLastPerson(n) + nxFirstPersonID
		s := len(buf)
		buf = append(buf, nxFirstNames[r.intn(int64(len(nxFirstNames)))]...)
		buf = append(buf, ' ')
		buf = append(buf, nxLastNames[r.intn(int64(len(nxLastNames)))]...)
		e.name = cut(s)
		s = len(buf)
		buf = r.str(buf, 7)
		buf = append(buf, '@')
		buf = r.str(buf, 5)
		buf = append(buf, ".com"...)
		e.email = cut(s)
		s = len(buf)
		for i := 0; i < 4; i++ {
			if i > 0 {
				buf = append(buf, ' ')
			}
			buf = fmt.Appendf(buf, "%04d", r.intn(10000))
		}
		e.card = cut(s)
		e.city = nxCities[r.intn(int64(len(nxCities)))]
		e.state = nxStates[r.intn(int64(len(nxStates)))]
		s = len(buf)
		buf = r.extra(buf, 8+len(e.name)+len(e.email)+len(e.card)+len(e.city)+len(e.state), nxAvgPersonBytes)
		e.extra = cut(s)
	case nxAuction:
		e.id = nxLastAuction(n) + nxFirstAuctionID
		s := len(buf)
		buf = r.str(buf, 20)
		e.item = cut(s)
		s = len(buf)
		buf = r.str(buf, 100)
		e.desc = cut(s)
		e.initialBid = r.price()
		e.reserve = e.initialBid + r.price()
		future := g.timestamp(n + nxInFlight*nxDenominator/nxAuctionProp)
		horizon := future - e.dateTime
		e.expires = e.dateTime + 1 + r.intn(max(horizon*2, 1))
		if r.intn(nxHotSellerRatio) > 0 {
			e.seller = nxLastPerson(n) / nxHotGroup * nxHotGroup
		} else {
			e.seller = nxNextPerson(n, &r)
		}
		e.seller += nxFirstPersonID
		e.category = nxFirstCategory + r.intn(nxNumCategories)
		s = len(buf)
		buf = r.extra(buf, 8+len(e.item)+len(e.desc)+40, nxAvgAuctionSize)
		e.extra = cut(s)
	default:
		if r.intn(nxHotAuctionRate) > 0 {
			e.auction = nxLastAuction(n) / nxHotGroup * nxHotGroup
		} else {
			e.auction = nxNextAuction(n, &r)
		}
		e.auction += nxFirstAuctionID
		if r.intn(nxHotBidderRatio) > 0 {
			e.bidder = nxLastPerson(n)/nxHotGroup*nxHotGroup + 1
		} else {
			e.bidder = nxNextPerson(n, &r)
		}
		e.bidder += nxFirstPersonID
		e.price = r.price()
		if r.intn(nxHotChannelRate) > 0 {
			i := r.intn(int64(len(nxHotChannels)))
			e.channel, e.url = nxHotChannels[i], nxHotURLs[i]
		} else {
			i := r.intn(nxChannels)
			s := len(buf)
			buf = append(buf, "channel-"...)
			buf = strconv.AppendInt(buf, i, 10)
			e.channel = cut(s)
			e.url = nxURLs[i]
		}
		s := len(buf)
		buf = r.extra(buf, 32, nxAvgBidBytes)
		e.extra = cut(s)
	}
	e.buf = buf
}

// nxField is one generated column: which event kind it belongs to and how
// to fill it.
type nxField struct {
	col  int
	kind int // nxPerson, nxAuction, nxBid; -1 = event_type; -2 = whole-struct jsonb
	name string
	of   int // for whole-struct columns: the event kind
}

var nxFieldNames = [3][]string{
	nxPerson:  {"id", "name", "email_address", "credit_card", "city", "state", "date_time", "extra"},
	nxAuction: {"id", "item_name", "description", "initial_bid", "reserve", "date_time", "expires", "seller", "category", "extra"},
	nxBid:     {"auction", "bidder", "price", "channel", "url", "date_time", "extra"},
}

var nxKindNames = map[string]int{"person": nxPerson, "auction": nxAuction, "bid": nxBid}

func nxIsString(name string) bool {
	switch name {
	case "name", "email_address", "credit_card", "city", "state", "extra", "item_name", "description", "channel", "url":
		return true
	}
	return false
}

func init() {
	RegisterSource(Spec{
		Name:    "nexmark",
		Summary: "Generates the Nexmark auction benchmark's events (person, auction, bid), deterministically.",
		Options: []OptionSpec{
			{Name: "nexmark.table.type", Kind: KindEnum, Enum: []string{"Person", "Auction", "Bid", "Combined"}, Default: "Combined",
				Doc: "Which events to produce. Combined gives event_type (0 person, 1 auction, 2 bid) plus person/auction/bid columns (jsonb objects, or dotted columns such as \"bid.price\")."},
			{Name: "nexmark.event.num", Kind: KindInt, Default: "-1", Doc: "Stop after this many rows (-1 = never)."},
			{Name: "nexmark.max.chunk.size", Kind: KindInt, Default: "1024", Doc: "Rows per chunk at most."},
			{Name: "nexmark.min.event.gap.in.ns", Kind: KindInt, Default: "100000", Doc: "Event-time gap between consecutive events (100000 ns = 10,000 events per second of event time)."},
			{Name: "nexmark.event.rate", Aliases: []string{"nexmark.first.event.rate"}, Kind: KindInt, Doc: "Events per second of event time; overrides nexmark.min.event.gap.in.ns."},
			{Name: "nexmark.use.real.time", Kind: KindBool, Default: "false", Doc: "Throttle generation to the event-time rate (otherwise as fast as possible)."},
			{Name: "nexmark.base.time", Kind: KindInt, Doc: "Event time of event 0 (ms since epoch); default: the time of the first Open, kept in the offsets."},
			{Name: "nexmark.seed", Kind: KindInt, Default: "0", Doc: "Varies the generated content; the same seed gives the same events."},
			{Name: "nexmark.split.num", Kind: KindInt, Default: "1", Doc: "Number of independent event streams interleaved by this source (each resumes separately)."},
		},
	}, newNexmarkSource)
}

type nexmarkSource struct {
	cfg      SourceConfig
	gen      nxGen
	baseSet  bool
	filter   int // -1 = combined
	limit    int64
	maxChunk int
	realTime bool
	splits   int64
	fields   []nxField

	pos         []int64 // next local index per split
	emitted     int64
	openEmitted int64 // rows generated since Open (real-time pacing)
	started     time.Time
	open        bool
	b           *format.Builder
	row         *format.Row
	ev          nxEvent
	jsonBuf     []byte
}

func newNexmarkSource(cfg SourceConfig) (Source, error) {
	o := opts(cfg.With)
	s := &nexmarkSource{cfg: cfg, filter: -1}
	switch strings.ToLower(o.strOr("nexmark.table.type", "combined")) {
	case "person":
		s.filter = nxPerson
	case "auction":
		s.filter = nxAuction
	case "bid":
		s.filter = nxBid
	}
	var err error
	if s.limit, err = o.int("nexmark.event.num", -1); err != nil {
		return nil, err
	}
	mc, err := o.int("nexmark.max.chunk.size", 1024)
	if err != nil {
		return nil, err
	}
	s.maxChunk = int(max(mc, 1))
	gap, err := o.int("nexmark.min.event.gap.in.ns", 100000)
	if err != nil {
		return nil, err
	}
	if rate, err := o.int("nexmark.event.rate", 0); err != nil {
		return nil, err
	} else if rate > 0 {
		gap = int64(1e9 / float64(rate))
	}
	s.gen.delayUS = float64(gap) / 1000
	if s.realTime, err = o.bool("nexmark.use.real.time", false); err != nil {
		return nil, err
	}
	if _, ok := o["nexmark.base.time"]; ok {
		if s.gen.baseMS, err = o.int("nexmark.base.time", 0); err != nil {
			return nil, err
		}
		s.baseSet = true
	}
	seed, err := o.int("nexmark.seed", 0)
	if err != nil {
		return nil, err
	}
	s.gen.seed = uint64(seed) * 0xd1342543de82ef95
	if s.splits, err = o.int("nexmark.split.num", 1); err != nil {
		return nil, err
	}
	s.splits = max(s.splits, 1)
	if err := s.bindColumns(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *nexmarkSource) bindColumns() error {
	for i, c := range s.cfg.Schema {
		name := strings.ToLower(c.Name)
		f := nxField{col: i}
		if s.filter >= 0 {
			if !contains(nxFieldNames[s.filter], name) {
				return sqlerr.New(sqlerr.UndefinedColumn, "nexmark source %q: %s events have no field %q (fields: %s)",
					s.cfg.Name, [...]string{"person", "auction", "bid"}[s.filter], c.Name, strings.Join(nxFieldNames[s.filter], ", "))
			}
			f.kind, f.name = s.filter, name
		} else {
			prefix, field, dotted := strings.Cut(name, ".")
			k, isKind := nxKindNames[prefix]
			switch {
			case name == "event_type":
				f.kind = -1
			case isKind && !dotted:
				if c.Type.Kind != types.KindJSONB && c.Type.Kind != types.KindVarchar {
					return sqlerr.New(sqlerr.DatatypeMismatch, "nexmark source %q: column %q must be jsonb (Eddy has no struct type)", s.cfg.Name, c.Name)
				}
				f.kind, f.of = -2, k
			case isKind && contains(nxFieldNames[k], field):
				f.kind, f.name = k, field
			default:
				return sqlerr.New(sqlerr.UndefinedColumn, "nexmark source %q: unknown column %q (combined schema: event_type, person, auction, bid, or dotted fields such as bid.price)", s.cfg.Name, c.Name)
			}
		}
		if f.kind >= 0 {
			t := c.Type
			ok := t.IsInteger() || t.Kind == types.KindVarchar
			switch {
			case nxIsString(f.name):
				ok = t.Kind == types.KindVarchar
			case f.name == "date_time" || f.name == "expires":
				ok = t.Kind == types.KindTimestamp || t.Kind == types.KindTimestamptz || t.Kind == types.KindInt64
			default:
				ok = t.Kind == types.KindInt64 || t.Kind == types.KindInt32 || t.Kind == types.KindNumeric || t.Kind == types.KindVarchar
			}
			if !ok {
				return sqlerr.New(sqlerr.DatatypeMismatch, "nexmark source %q: column %q cannot have type %s", s.cfg.Name, c.Name, t)
			}
		} else if f.kind == -1 && !c.Type.IsInteger() {
			return sqlerr.New(sqlerr.DatatypeMismatch, "nexmark source %q: event_type must be an integer column", s.cfg.Name)
		}
		s.fields = append(s.fields, f)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Open positions every split at its stored index ("split/N") and restores
// the base time ("base_time") so that event times continue seamlessly.
func (s *nexmarkSource) Open(_ context.Context, offsets Offsets) error {
	nxInitURLs()
	s.pos = make([]int64, s.splits)
	for i := range s.pos {
		s.pos[i] = int64(i)
		if v, ok := offsets["split/"+strconv.Itoa(i)]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("nexmark source %q: bad stored offset %q", s.cfg.Name, v)
			}
			s.pos[i] = n
		}
	}
	if v, ok := offsets["emitted"]; ok {
		s.emitted, _ = strconv.ParseInt(v, 10, 64)
	}
	if v, ok := offsets["base_time"]; ok {
		s.gen.baseMS, _ = strconv.ParseInt(v, 10, 64)
	} else if !s.baseSet {
		s.gen.baseMS = time.Now().UnixMilli()
	}
	s.b = format.NewBuilder(s.cfg.Schema.Types())
	s.row = format.NewRow(len(s.cfg.Schema))
	s.started = time.Now()
	s.open = true
	return nil
}

// eventNumber maps a local index of the filtered stream to a global event
// number.
func (s *nexmarkSource) eventNumber(k int64) int64 {
	switch s.filter {
	case nxPerson:
		return k/nxPersonProp*nxDenominator + k%nxPersonProp
	case nxAuction:
		return k/nxAuctionProp*nxDenominator + nxPersonProp + k%nxAuctionProp
	case nxBid:
		return k/nxBidProp*nxDenominator + nxPersonProp + nxAuctionProp + k%nxBidProp
	}
	return k
}

// Read generates up to nexmark.max.chunk.size rows, taking the splits in
// turn.
func (s *nexmarkSource) Read(ctx context.Context) (*types.Chunk, error) {
	if !s.open {
		return nil, ErrNotConnected
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := s.maxChunk
	if s.limit >= 0 {
		if s.emitted >= s.limit {
			return nil, ErrEndOfInput
		}
		n = int(min(int64(n), s.limit-s.emitted))
	}
	for s.realTime {
		// Generate only events whose event time has come.
		elapsedUS := float64(time.Since(s.started).Microseconds())
		due := int64(elapsedUS/s.gen.delayUS) + 1 - s.emittedSinceOpen()
		if due > 0 {
			n = int(min(int64(n), due))
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(s.gen.delayUS) * time.Microsecond):
		}
	}
	for i := 0; i < n; i++ {
		sp := s.emitted % s.splits
		k := s.pos[sp]
		s.pos[sp] = k + s.splits
		s.gen.event(s.eventNumber(k), &s.ev)
		s.fill()
		s.b.Append(s.row)
		s.emitted++
	}
	s.openEmitted += int64(n)
	return s.b.Build(), nil
}

func (s *nexmarkSource) emittedSinceOpen() int64 { return s.openEmitted }

func (s *nexmarkSource) fill() {
	e := &s.ev
	r := s.row
	r.Reset()
	for _, f := range s.fields {
		switch f.kind {
		case -1:
			r.SetInt(f.col, int64(e.kind))
			continue
		case -2:
			if f.of == e.kind {
				s.jsonBuf = s.structJSON(s.jsonBuf[:0], e)
				if d, err := expr.ParseText(string(s.jsonBuf), types.JSONBT); err == nil {
					r.SetString(f.col, string(d.(types.JSONB)))
				}
			}
			continue
		}
		if f.kind != e.kind {
			continue
		}
		t := s.cfg.Schema[f.col].Type
		switch f.name {
		case "date_time", "expires":
			v := e.dateTime
			if f.name == "expires" {
				v = e.expires
			}
			if t.Kind == types.KindInt64 {
				r.SetInt(f.col, v)
			} else {
				r.SetInt(f.col, v*1000)
			}
		default:
			if nxIsString(f.name) {
				r.SetString(f.col, e.str(f.name))
				continue
			}
			v := e.num(f.name)
			switch t.Kind {
			case types.KindVarchar, types.KindNumeric:
				r.SetString(f.col, strconv.FormatInt(v, 10))
			default:
				r.SetInt(f.col, v)
			}
		}
	}
}

func (e *nxEvent) str(name string) string {
	switch name {
	case "name":
		return e.name
	case "email_address":
		return e.email
	case "credit_card":
		return e.card
	case "city":
		return e.city
	case "state":
		return e.state
	case "extra":
		return e.extra
	case "item_name":
		return e.item
	case "description":
		return e.desc
	case "channel":
		return e.channel
	case "url":
		return e.url
	}
	return ""
}

func (e *nxEvent) num(name string) int64 {
	switch name {
	case "id":
		return e.id
	case "initial_bid":
		return e.initialBid
	case "reserve":
		return e.reserve
	case "seller":
		return e.seller
	case "category":
		return e.category
	case "auction":
		return e.auction
	case "bidder":
		return e.bidder
	case "price":
		return e.price
	}
	return 0
}

// structJSON renders the event as the JSON object of its struct column.
func (s *nexmarkSource) structJSON(dst []byte, e *nxEvent) []byte {
	dst = append(dst, '{')
	for i, name := range nxFieldNames[e.kind] {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = format.AppendJSONString(dst, name)
		dst = append(dst, ": "...)
		switch {
		case name == "date_time" || name == "expires":
			v := e.dateTime
			if name == "expires" {
				v = e.expires
			}
			dst = format.AppendJSONString(dst, types.FormatText(types.Timestamp(v*1000)))
		case nxIsString(name):
			dst = format.AppendJSONString(dst, e.str(name))
		default:
			dst = strconv.AppendInt(dst, e.num(name), 10)
		}
	}
	return append(dst, '}')
}

// Offsets returns the next index of every split, the number of rows emitted
// and the base time.
func (s *nexmarkSource) Offsets() Offsets {
	o := Offsets{"base_time": strconv.FormatInt(s.gen.baseMS, 10), "emitted": strconv.FormatInt(s.emitted, 10)}
	for i, p := range s.pos {
		o["split/"+strconv.Itoa(i)] = strconv.FormatInt(p, 10)
	}
	return o
}

// Close releases the builder.
func (s *nexmarkSource) Close() error {
	if s.b != nil {
		s.b.Release()
		s.b = nil
	}
	s.open = false
	return nil
}

func unsafeStr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
