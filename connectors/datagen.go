package connectors

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

func init() {
	RegisterSource(Spec{
		Name:    "datagen",
		Summary: "Generates rows: per column a sequence or random values, deterministic for a seed, at a given rate.",
		Options: []OptionSpec{
			{Name: "datagen.rows.per.second", Kind: KindInt, Default: "10", Doc: "Rows per second (0 = as fast as possible)."},
			{Name: "datagen.split.num", Kind: KindInt, Default: "1", Doc: "Number of interleaved generator splits; each resumes on its own."},
			{Name: "datagen.max.chunk.size", Kind: KindInt, Default: "1024", Doc: "Rows per chunk at most."},
			{Name: "fields.*.kind", Kind: KindEnum, Enum: []string{"sequence", "random"}, Doc: "How column * is generated (default random)."},
			{Name: "fields.*.start", Doc: "First value of a sequence column (default 1; timestamps: a timestamp literal, then +1 s per row)."},
			{Name: "fields.*.end", Doc: "Last value of a sequence column; the source ends when every sequence column has reached its end."},
			{Name: "fields.*.min", Doc: "Smallest random value (default 0)."},
			{Name: "fields.*.max", Doc: "Largest random value (default 1000; timestamps: see max_past)."},
			{Name: "fields.*.max_past", Kind: KindDuration, Doc: "Random timestamps fall within this duration before fields.*.base (default 1 day)."},
			{Name: "fields.*.base", Doc: "Reference time for random timestamps (default 2024-01-01 00:00:00)."},
			{Name: "fields.*.length", Kind: KindInt, Doc: "Length of random strings (default 10)."},
			{Name: "fields.*.seed", Kind: KindInt, Doc: "Seed of a random column (default: the column's position)."},
		},
	}, newDatagenSource)
}

type dgColumn struct {
	col      int
	t        types.Type
	sequence bool
	start    float64 // sequence start, or random min
	end      float64 // sequence end (NaN = none), or random max
	length   int
	seed     uint64
	base     int64 // timestamps: reference, µs
	past     int64 // timestamps: random window, µs
}

type datagenSource struct {
	cfg      SourceConfig
	cols     []dgColumn
	rate     int64
	splits   int64
	maxChunk int
	total    int64 // rows until the end (-1 = unbounded)

	pos     []int64
	emitted int64
	since   int64 // rows generated since Open, for pacing
	started time.Time
	b       *format.Builder
	row     *format.Row
	open    bool
}

func newDatagenSource(cfg SourceConfig) (Source, error) {
	o := opts(cfg.With)
	s := &datagenSource{cfg: cfg, total: -1}
	var err error
	if s.rate, err = o.int("datagen.rows.per.second", 10); err != nil {
		return nil, err
	}
	if s.splits, err = o.int("datagen.split.num", 1); err != nil {
		return nil, err
	}
	s.splits = max(s.splits, 1)
	mc, err := o.int("datagen.max.chunk.size", 1024)
	if err != nil {
		return nil, err
	}
	s.maxChunk = int(max(mc, 1))
	known := map[string]bool{}
	for i, c := range cfg.Schema {
		name := strings.ToLower(c.Name)
		known[name] = true
		p := "fields." + name + "."
		dc := dgColumn{col: i, t: c.Type, end: math.NaN(), length: 10, seed: uint64(i) + 1}
		dc.sequence = strings.EqualFold(o.str(p+"kind"), "sequence")
		num := func(k string, def float64) (float64, error) {
			v, ok := o[p+k]
			if !ok {
				return def, nil
			}
			if c.Type.IsTemporal() {
				d, err := expr.ParseText(v, types.TimestampT)
				if err != nil {
					return 0, sqlerr.New(sqlerr.InvalidParameterValue, "datagen: %s%s: %v", p, k, err)
				}
				return float64(d.(types.Timestamp)), nil
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, sqlerr.New(sqlerr.InvalidParameterValue, "datagen: invalid value %q for %s%s: expected a number", v, p, k)
			}
			return f, nil
		}
		if dc.sequence {
			def := 1.0
			if c.Type.IsTemporal() {
				def = float64(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro())
			}
			if dc.start, err = num("start", def); err != nil {
				return nil, err
			}
			if dc.end, err = num("end", math.NaN()); err != nil {
				return nil, err
			}
			if !math.IsNaN(dc.end) {
				step := 1.0
				if c.Type.IsTemporal() {
					step = 1e6
				}
				n := int64(math.Floor((dc.end-dc.start)/step)) + 1
				if n < 0 {
					n = 0
				}
				if s.total < 0 || n < s.total {
					s.total = n
				}
			}
		} else {
			if dc.start, err = num("min", 0); err != nil {
				return nil, err
			}
			if dc.end, err = num("max", 1000); err != nil {
				return nil, err
			}
			if dc.end < dc.start {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "datagen: %smax is below %smin", p, p)
			}
		}
		if l, err := o.int(p+"length", 10); err != nil {
			return nil, err
		} else {
			dc.length = int(max(l, 0))
		}
		if sd, err := o.int(p+"seed", int64(i)+1); err != nil {
			return nil, err
		} else {
			dc.seed = uint64(sd)*0x9e3779b97f4a7c15 + uint64(i)
		}
		past, err := o.dur(p+"max_past", 24*time.Hour)
		if err != nil {
			return nil, err
		}
		dc.past = past.Microseconds()
		dc.base = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
		if v, ok := o[p+"base"]; ok {
			d, err := expr.ParseText(v, types.TimestampT)
			if err != nil {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "datagen: %sbase: %v", p, err)
			}
			dc.base = int64(d.(types.Timestamp))
		}
		switch c.Type.Kind {
		case types.KindInt16, types.KindInt32, types.KindInt64, types.KindFloat32, types.KindFloat64, types.KindNumeric,
			types.KindVarchar, types.KindBool, types.KindTimestamp, types.KindTimestamptz, types.KindDate:
		default:
			if dc.sequence {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "datagen: column %q of type %s cannot be a sequence", c.Name, c.Type)
			}
		}
		s.cols = append(s.cols, dc)
	}
	for k := range cfg.With {
		if strings.HasPrefix(k, "fields.") {
			rest := strings.TrimPrefix(k, "fields.")
			i := strings.LastIndexByte(rest, '.')
			if i < 0 || !known[rest[:i]] {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "datagen: option %q names no column of the source", k)
			}
		}
	}
	return s, nil
}

// Open restores the next row index of every split ("split/N").
func (s *datagenSource) Open(_ context.Context, offsets Offsets) error {
	s.pos = make([]int64, s.splits)
	for i := range s.pos {
		s.pos[i] = int64(i)
		if v, ok := offsets["split/"+strconv.Itoa(i)]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("datagen source %q: bad stored offset %q", s.cfg.Name, v)
			}
			s.pos[i] = n
		}
	}
	s.emitted = 0
	for i, p := range s.pos {
		s.emitted += (p - int64(i) + s.splits - 1) / s.splits
	}
	s.b = format.NewBuilder(s.cfg.Schema.Types())
	s.row = format.NewRow(len(s.cfg.Schema))
	s.started = time.Now()
	s.since = 0
	s.open = true
	return nil
}

// Read generates the rows that are due (datagen.rows.per.second), at most
// a chunk; it returns ErrEndOfInput once every sequence reached its end.
func (s *datagenSource) Read(ctx context.Context) (*types.Chunk, error) {
	if !s.open {
		return nil, ErrNotConnected
	}
	n := int64(s.maxChunk)
	if s.total >= 0 {
		if s.emitted >= s.total {
			return nil, ErrEndOfInput
		}
		n = min(n, s.total-s.emitted)
	}
	if s.rate > 0 {
		for {
			due := int64(time.Since(s.started).Seconds()*float64(s.rate)) + 1 - s.since
			if due > 0 {
				n = min(n, due)
				break
			}
			wait := time.Duration(float64(s.since)/float64(s.rate)*float64(time.Second)) - time.Since(s.started)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(max(wait, time.Millisecond)):
			}
		}
	} else if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := int64(0); i < n; i++ {
		sp := s.emitted % s.splits
		idx := s.pos[sp]
		s.pos[sp] += s.splits
		s.fill(idx)
		s.b.Append(s.row)
		s.emitted++
		s.since++
	}
	return s.b.Build(), nil
}

func mix(a, b uint64) uint64 {
	z := a ^ (b * 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// fill generates row number idx: sequences give start+idx, random columns
// a hash of (seed, idx), so any row can be regenerated.
func (s *datagenSource) fill(idx int64) {
	r := s.row
	r.Reset()
	for _, c := range s.cols {
		h := mix(c.seed, uint64(idx))
		u := float64(h>>11) / (1 << 53)
		switch c.t.Kind {
		case types.KindInt16, types.KindInt32, types.KindInt64:
			var v int64
			if c.sequence {
				v = int64(c.start) + idx
			} else {
				lo, hi := int64(c.start), int64(c.end)
				v = lo + int64(h%uint64(hi-lo+1))
			}
			b := intRange(c.t.Kind)
			if v > b {
				v = b
			}
			r.SetInt(c.col, v)
		case types.KindFloat32, types.KindFloat64:
			if c.sequence {
				r.SetFloat(c.col, c.start+float64(idx))
			} else {
				r.SetFloat(c.col, c.start+u*(c.end-c.start))
			}
		case types.KindNumeric:
			if c.sequence {
				r.SetString(c.col, strconv.FormatInt(int64(c.start)+idx, 10))
			} else {
				r.SetString(c.col, strconv.FormatFloat(math.Round((c.start+u*(c.end-c.start))*100)/100, 'f', -1, 64))
			}
		case types.KindVarchar:
			if c.sequence {
				r.SetString(c.col, strconv.FormatInt(int64(c.start)+idx, 10))
			} else {
				b := make([]byte, c.length)
				x := h
				for i := range b {
					if i%12 == 11 {
						x = mix(x, uint64(i))
					}
					b[i] = byte('a' + x%26)
					x /= 26
				}
				r.SetString(c.col, string(b))
			}
		case types.KindBool:
			if c.sequence {
				r.SetBool(c.col, idx%2 == 1)
			} else {
				r.SetBool(c.col, h&1 == 1)
			}
		case types.KindTimestamp, types.KindTimestamptz:
			if c.sequence {
				r.SetInt(c.col, int64(c.start)+idx*1_000_000)
			} else {
				r.SetInt(c.col, c.base-int64(h%uint64(max(c.past, 1))))
			}
		case types.KindDate:
			if c.sequence {
				r.SetInt(c.col, int64(c.start)/types.MicrosPerDay+idx)
			} else {
				r.SetInt(c.col, (c.base-int64(h%uint64(max(c.past, 1))))/types.MicrosPerDay)
			}
		}
	}
}

func intRange(k types.Kind) int64 {
	switch k {
	case types.KindInt16:
		return math.MaxInt16
	case types.KindInt32:
		return math.MaxInt32
	}
	return math.MaxInt64
}

// Offsets returns the next row index of every split.
func (s *datagenSource) Offsets() Offsets {
	o := Offsets{}
	for i, p := range s.pos {
		o["split/"+strconv.Itoa(i)] = strconv.FormatInt(p, 10)
	}
	return o
}

// Close releases the builder.
func (s *datagenSource) Close() error {
	if s.b != nil {
		s.b.Release()
		s.b = nil
	}
	s.open = false
	return nil
}
