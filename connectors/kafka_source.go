package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

var kafkaCommonOptions = []OptionSpec{
	{Name: "topic", Required: true, Doc: "Kafka topic."},
	{Name: "properties.bootstrap.server", Aliases: []string{"brokers", "properties.bootstrap.servers", "kafka.brokers"}, Required: true,
		Doc: "Comma-separated list of broker addresses (host:port). `brokers` is the older spelling."},
	{Name: "properties.client.id", Doc: "Client id sent to the brokers."},
}

func init() {
	opts := append([]OptionSpec{}, kafkaCommonOptions...)
	opts = append(opts,
		OptionSpec{Name: "scan.startup.mode", Aliases: []string{"kafka.scan.startup.mode"}, Kind: KindEnum, Enum: []string{"earliest", "latest", "timestamp"}, Default: "earliest",
			Doc: "Where to start when there are no stored offsets."},
		OptionSpec{Name: "scan.startup.timestamp.millis", Aliases: []string{"scan.startup.timestamp_millis", "kafka.time.offset"}, Kind: KindInt,
			Doc: "Start at the first message at or after this time (ms since epoch); implies scan.startup.mode='timestamp'."},
		OptionSpec{Name: "format", Kind: KindEnum, Enum: []string{"json", "upsert_json", "debezium_json"},
			Doc: "Legacy spelling of FORMAT … ENCODE JSON (json = PLAIN)."},
		OptionSpec{Name: "error.policy", Kind: KindEnum, Enum: []string{"skip", "fail"}, Default: "skip",
			Doc: "What a malformed message, or one with a value its column's type modifier rejects, does: skip (count it and report it to the error sink) or fail (stop this source with an error)."},
		OptionSpec{Name: "properties.fetch.max.wait.ms", Kind: KindDuration, Default: "20ms",
			Doc: "How long a fetch waits for data; small values give low latency."},
		OptionSpec{Name: "properties.max.partition.fetch.bytes", Kind: KindInt, Default: "10485760", Doc: "Largest fetch per partition."},
		OptionSpec{Name: "source.workers", Kind: KindInt, Default: "0", Doc: "Decoding goroutines (0 = min(partitions, 4))."},
		OptionSpec{Name: "max.chunk.size", Kind: KindInt, Default: "1024", Doc: "Rows per chunk at most."},
	)
	RegisterSource(Spec{
		Name:    "kafka",
		Summary: "Reads a Kafka topic, every partition at explicit offsets (no consumer group); offsets live in Eddy's checkpoints.",
		Formats: []string{"PLAIN JSON", "UPSERT JSON", "DEBEZIUM JSON", "PLAIN CSV"},
		Options: opts,
		FormatOptions: []OptionSpec{
			{Name: "delimiter", Default: ",", Doc: "ENCODE CSV: the field delimiter, one character (`\\t` for a tab)."},
			{Name: "without_header", Kind: KindBool, Default: "false",
				Doc: "ENCODE CSV: false takes the first message of each partition as a header naming the fields (kept in the checkpoint); true maps fields to columns by position."},
		},
	}, newKafkaSource)
}

// kafkaSource reads every partition of a topic with one kafka-go Reader per
// partition (Partition set, no GroupID), fans the messages out to worker
// goroutines that decode them into chunks, and hands the chunks to Read with
// the per-partition offsets they reach.
type kafkaSource struct {
	cfg      SourceConfig
	topic    string
	brokers  []string
	mode     string
	startTS  int64
	fail     bool
	maxWait  time.Duration
	maxBytes int
	workers  int
	maxChunk int
	clientID string
	format   string
	encode   string // JSON or CSV
	csvDelim byte
	csvHead  bool // CSV: the first message of each partition is a header
	payload  []int
	include  []Include
	mods     *format.TypeMods // the columns' type modifiers; nil when none

	offsets Offsets // after the last chunk Read returned (and CSV headers)
	batches chan kafkaBatch
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	free    chan []kafka.Message // decoded message slices for reuse
	open    bool
	failed  error

	rows, bytes, bad atomic.Int64
}

type kafkaBatch struct {
	chunk   *types.Chunk
	next    map[int]int64  // partition → next offset
	headers map[int]string // CSV headers learned from these messages
	err     error
}

// legacyFormat maps WITH (format='…') to a FORMAT.
func legacyFormat(v string) string {
	switch strings.ToLower(v) {
	case "upsert_json":
		return format.Upsert
	case "debezium_json":
		return format.Debezium
	}
	return format.Plain
}

func newKafkaSource(cfg SourceConfig) (Source, error) {
	o := merged(cfg.With, cfg.Format)
	s := &kafkaSource{cfg: cfg, topic: o.str("topic")}
	for _, b := range strings.Split(o.str("properties.bootstrap.server"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			s.brokers = append(s.brokers, b)
		}
	}
	if len(s.brokers) == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "kafka source %q: properties.bootstrap.server is empty", cfg.Name)
	}
	s.mode = strings.ToLower(o.strOr("scan.startup.mode", "earliest"))
	var err error
	if s.startTS, err = o.int("scan.startup.timestamp.millis", -1); err != nil {
		return nil, err
	}
	if s.startTS >= 0 {
		s.mode = "timestamp"
	} else if s.mode == "timestamp" {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "kafka source %q: scan.startup.mode='timestamp' needs scan.startup.timestamp.millis", cfg.Name)
	}
	s.clientID = o.str("properties.client.id")
	s.fail = strings.EqualFold(o.str("error.policy"), "fail")
	if s.maxWait, err = o.dur("properties.fetch.max.wait.ms", 20*time.Millisecond); err != nil {
		return nil, err
	}
	mb, err := o.int("properties.max.partition.fetch.bytes", 10<<20)
	if err != nil {
		return nil, err
	}
	s.maxBytes = int(mb)
	w, err := o.int("source.workers", 0)
	if err != nil {
		return nil, err
	}
	s.workers = int(w)
	mc, err := o.int("max.chunk.size", 1024)
	if err != nil {
		return nil, err
	}
	s.maxChunk = max(int(mc), 1)

	s.encode = "JSON"
	switch {
	case cfg.Format.Format != "":
		s.format = strings.ToUpper(cfg.Format.Format)
		switch enc := strings.ToUpper(cfg.Format.Encode); {
		case enc == "JSON":
		case enc == "CSV" && s.format == format.Plain:
			s.encode = enc
			d := o.strOr("delimiter", ",")
			if d == `\t` {
				d = "\t"
			}
			if len(d) != 1 {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "kafka source %q: CSV delimiter must be one character, got %q", cfg.Name, d)
			}
			s.csvDelim = d[0]
			noHeader, err := o.bool("without_header", false)
			if err != nil {
				return nil, err
			}
			s.csvHead = !noHeader
		default:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "kafka source %q: FORMAT %s ENCODE %s is not supported", cfg.Name, s.format, enc).
				WithHint("Supported: FORMAT PLAIN|UPSERT|DEBEZIUM ENCODE JSON, FORMAT PLAIN ENCODE CSV.")
		}
	case o.str("format") != "":
		s.format = legacyFormat(o.str("format"))
	default:
		s.format = format.Plain
	}
	s.include, s.payload, err = splitInclude(cfg)
	if err != nil {
		return nil, err
	}
	s.mods = format.NewTypeMods(cfg.Schema)
	for i := range s.include {
		s.include[i].Kind = strings.ToLower(s.include[i].Kind)
	}
	// Build one decoder now so that configuration errors surface at CREATE.
	if _, err := s.newDecoder(); err != nil {
		return nil, sqlerr.Wrap(err, sqlerr.InvalidParameterValue)
	}
	return s, nil
}

// splitInclude separates INCLUDE columns from payload columns and checks
// the INCLUDE kinds and types.
func splitInclude(cfg SourceConfig) ([]Include, []int, error) {
	inc := map[int]bool{}
	for _, in := range cfg.Include {
		if in.Column < 0 || in.Column >= len(cfg.Schema) {
			return nil, nil, sqlerr.New(sqlerr.InvalidParameterValue, "INCLUDE %s: column %d out of range", in.Kind, in.Column)
		}
		t := cfg.Schema[in.Column].Type
		ok := false
		switch strings.ToLower(in.Kind) {
		case "key", "header":
			ok = t.Kind == types.KindVarchar || t.Kind == types.KindBytea || t.Kind == types.KindJSONB
		case "partition":
			ok = t.IsInteger() || t.Kind == types.KindVarchar
		case "offset":
			ok = t.Kind == types.KindInt64 || t.Kind == types.KindVarchar
		case "timestamp":
			ok = t.Kind == types.KindTimestamptz || t.Kind == types.KindTimestamp
		default:
			return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "INCLUDE %s is not supported by the kafka connector", in.Kind)
		}
		if !ok {
			return nil, nil, sqlerr.New(sqlerr.DatatypeMismatch, "INCLUDE %s cannot be stored in column %q of type %s", in.Kind, cfg.Schema[in.Column].Name, t)
		}
		inc[in.Column] = true
	}
	var payload []int
	for i := range cfg.Schema {
		if !inc[i] {
			payload = append(payload, i)
		}
	}
	return append([]Include(nil), cfg.Include...), payload, nil
}

// recordDecoder turns one message into rows.
type recordDecoder interface {
	decode(m *kafka.Message) ([]*format.Row, error)
}

type jsonRecords struct{ dec *format.JSONDecoder }

func (j jsonRecords) decode(m *kafka.Message) ([]*format.Row, error) {
	return j.dec.Decode(m.Key, m.Value)
}

// csvRecords decodes CSV messages; with headers, the first message of each
// partition names the fields of the partition's later messages.
type csvRecords struct {
	dec     *format.CSVDecoder
	header  bool
	headers map[int]*format.CSVHeader
	learned map[int]string // headers read since the last take
}

func (c *csvRecords) decode(m *kafka.Message) ([]*format.Row, error) {
	if !c.header {
		return c.dec.Decode(m.Value, nil, 0)
	}
	h := c.headers[m.Partition]
	if h == nil {
		h, err := c.dec.Header(m.Value)
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		c.headers[m.Partition] = h
		c.learned[m.Partition] = string(m.Value)
		// Records after the header line in the same message are rows.
		return c.dec.Decode(m.Value, h, 1)
	}
	return c.dec.Decode(m.Value, h, 0)
}

// takeHeaders returns the headers learned since the last call (nil if none).
func takeHeaders(dec recordDecoder) map[int]string {
	c, ok := dec.(*csvRecords)
	if !ok || len(c.learned) == 0 {
		return nil
	}
	out := c.learned
	c.learned = map[int]string{}
	return out
}

func (s *kafkaSource) newDecoder() (recordDecoder, error) {
	if s.encode == "CSV" {
		dec, err := format.NewCSVDecoder(s.cfg.Schema, format.CSVOptions{Delimiter: s.csvDelim, Columns: s.payload})
		if err != nil {
			return nil, err
		}
		c := &csvRecords{dec: dec, header: s.csvHead, headers: map[int]*format.CSVHeader{}, learned: map[int]string{}}
		for k, v := range s.offsets { // headers kept in the checkpoint
			if ps, ok := strings.CutPrefix(k, csvHeaderKeyPrefix); ok && s.csvHead {
				p, err := strconv.Atoi(ps)
				if err != nil {
					continue
				}
				h, err := dec.Header([]byte(v))
				if err != nil {
					return nil, fmt.Errorf("stored CSV header of partition %d: %w", p, err)
				}
				c.headers[p] = h
			}
		}
		return c, nil
	}
	dec, err := format.NewJSONDecoder(s.cfg.Schema, format.JSONOptions{Format: s.format, Columns: s.payload, PK: s.cfg.PK})
	if err != nil {
		return nil, err
	}
	return jsonRecords{dec}, nil
}

func partKey(p int) string { return "partition/" + strconv.Itoa(p) }

// csvHeaderKeyPrefix prefixes the offsets entry that keeps a partition's CSV
// header, so that a restart past the header message still maps fields by
// name.
const csvHeaderKeyPrefix = "csv.header/"

// Open resolves the partitions and their start offsets (stored offsets win
// over scan.startup.mode), then starts one reader per partition and the
// decoding workers.
func (s *kafkaSource) Open(ctx context.Context, offsets Offsets) error {
	if s.open {
		return errors.New("kafka source: already open")
	}
	parts, err := s.partitions(ctx)
	if err != nil {
		return err
	}
	start := map[int]int64{}
	for _, p := range parts {
		if v, ok := offsets[partKey(p)]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("kafka source %q: bad stored offset %q for partition %d", s.cfg.Name, v, p)
			}
			start[p] = n
			continue
		}
		n, err := s.resolveStart(ctx, p)
		if err != nil {
			return err
		}
		start[p] = n
	}
	s.offsets = Offsets{}
	for k, v := range offsets { // keep offsets of partitions we no longer see
		s.offsets[k] = v
	}
	for p, n := range start {
		s.offsets[partKey(p)] = strconv.FormatInt(n, 10)
	}
	nw := s.workers
	if nw <= 0 {
		nw = min(len(parts), 4)
	}
	nw = max(min(nw, len(parts)), 1)
	rctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.batches = make(chan kafkaBatch, 2*nw)
	s.free = make(chan []kafka.Message, 4*nw+len(parts))
	inputs := make([]chan []kafka.Message, nw)
	for i := range inputs {
		inputs[i] = make(chan []kafka.Message, 2)
	}
	for i, p := range parts {
		s.wg.Add(1)
		go s.fetch(rctx, p, start[p], inputs[i%nw])
	}
	for i := 0; i < nw; i++ {
		dec, err := s.newDecoder()
		if err != nil {
			cancel()
			s.wg.Wait()
			return err
		}
		s.wg.Add(1)
		go s.work(rctx, dec, inputs[i])
	}
	s.open = true
	return nil
}

func (s *kafkaSource) client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(s.brokers...), Timeout: 10 * time.Second}
}

func (s *kafkaSource) partitions(ctx context.Context) ([]int, error) {
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		md, err := s.client().Metadata(ctx, &kafka.MetadataRequest{Topics: []string{s.topic}})
		if err == nil {
			for _, t := range md.Topics {
				if t.Name != s.topic {
					continue
				}
				if t.Error != nil {
					err = t.Error
					break
				}
				var ps []int
				for _, p := range t.Partitions {
					ps = append(ps, p.ID)
				}
				sort.Ints(ps)
				if len(ps) > 0 {
					return ps, nil
				}
				err = errors.New("topic has no partitions")
			}
			if err == nil {
				err = errors.New("topic not found")
			}
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, sqlerr.New(sqlerr.ConnectionException, "kafka source %q: cannot read the partitions of topic %q from %s: %v",
		s.cfg.Name, s.topic, strings.Join(s.brokers, ","), lastErr)
}

func (s *kafkaSource) resolveStart(ctx context.Context, p int) (int64, error) {
	var req kafka.OffsetRequest
	switch s.mode {
	case "latest":
		req = kafka.LastOffsetOf(p)
	case "timestamp":
		req = kafka.TimeOffsetOf(p, time.UnixMilli(s.startTS))
	default:
		req = kafka.FirstOffsetOf(p)
	}
	resp, err := s.client().ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{s.topic: {req}}})
	if err != nil {
		return 0, fmt.Errorf("kafka source %q: list offsets of partition %d: %w", s.cfg.Name, p, err)
	}
	for _, po := range resp.Topics[s.topic] {
		if po.Partition != p {
			continue
		}
		if po.Error != nil {
			return 0, fmt.Errorf("kafka source %q: list offsets of partition %d: %w", s.cfg.Name, p, po.Error)
		}
		switch s.mode {
		case "latest":
			return po.LastOffset, nil
		case "timestamp":
			best := int64(-1)
			for off := range po.Offsets {
				if best < 0 || off < best {
					best = off
				}
			}
			if best < 0 {
				return po.LastOffset, nil // nothing at or after the time yet
			}
			return best, nil
		}
		return po.FirstOffset, nil
	}
	return 0, fmt.Errorf("kafka source %q: no offsets returned for partition %d", s.cfg.Name, p)
}

// kafkaFetchTimeout bounds how long a fetch may take beyond its max wait
// (and how long reading one fetched batch may stall) before the connection
// is considered broken and re-dialed.
const kafkaFetchTimeout = 30 * time.Second

// fetch reads one partition from offset on, over its own connection to the
// partition's leader, and hands the messages to a worker in slices of up to
// maxChunk (one channel operation per slice, not per message). Transient
// errors (network, leader moves, timeouts) re-dial with backoff; a Kafka
// error that is not retriable stops the source.
func (s *kafkaSource) fetch(ctx context.Context, part int, offset int64, out chan<- []kafka.Message) {
	defer s.wg.Done()
	var conn *kafka.Conn
	var stop func() bool
	closeConn := func() {
		if conn != nil {
			stop()
			conn.Close()
			conn = nil
		}
	}
	defer closeConn()
	errs := 0
	for ctx.Err() == nil {
		if errs > 0 && !sleepCtx(ctx, kafkaBackoff(errs)) {
			return
		}
		if conn == nil {
			c, err := s.dialLeader(ctx, part)
			if err != nil {
				errs++
				continue
			}
			conn = c
			stop = context.AfterFunc(ctx, func() { c.Close() })
		}
		next, err := s.readBatch(ctx, conn, part, offset, out)
		offset = next
		switch {
		case err == nil, errors.Is(err, io.EOF):
			errs = 0
		case ctx.Err() != nil:
			return
		case errors.Is(err, kafka.OffsetOutOfRange):
			first, last, oerr := conn.ReadOffsets()
			switch {
			case oerr != nil:
				closeConn()
			case offset < first:
				// The messages were deleted (retention) before we read them;
				// continue at the oldest one that is left.
				offset, errs = first, 0
				continue
			case offset < last:
				errs = 0
				continue
			}
			errs++
		case errors.Is(err, kafka.RequestTimedOut):
			errs = 0
		default:
			var kerr kafka.Error
			if errors.As(err, &kerr) && !kerr.Temporary() {
				select {
				case s.batches <- kafkaBatch{err: fmt.Errorf("kafka source %q: partition %d: %w", s.cfg.Name, part, err)}:
				case <-ctx.Done():
				}
				return
			}
			closeConn()
			errs++
		}
	}
}

// readBatch issues one fetch at offset and forwards its messages; it
// returns the offset to fetch next and the error that ended the batch
// (io.EOF when it was read to the end).
func (s *kafkaSource) readBatch(ctx context.Context, conn *kafka.Conn, part int, offset int64, out chan<- []kafka.Message) (int64, error) {
	if _, err := conn.Seek(offset, kafka.SeekAbsolute|kafka.SeekDontCheck); err != nil {
		return offset, err
	}
	// The broker waits at most maxWait for data; the client gives the
	// response (which may be large) much longer to arrive.
	if err := conn.SetReadDeadline(time.Now().Add(s.maxWait + kafkaFetchTimeout)); err != nil {
		return offset, err
	}
	batch := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: s.maxBytes, MaxWait: s.maxWait})
	msgs := s.msgSlice()
	send := func() bool {
		if len(msgs) == 0 {
			return true
		}
		select {
		case out <- msgs:
		case <-ctx.Done():
			return false
		}
		msgs = s.msgSlice()
		_ = conn.SetReadDeadline(time.Now().Add(kafkaFetchTimeout))
		return true
	}
	var err error
	for {
		if len(msgs)&255 == 255 {
			_ = conn.SetReadDeadline(time.Now().Add(kafkaFetchTimeout))
		}
		var m kafka.Message
		if m, err = batch.ReadMessage(); err != nil {
			break
		}
		msgs = append(msgs, m)
		offset = m.Offset + 1
		if len(msgs) >= s.maxChunk && !send() {
			batch.Close()
			return offset, ctx.Err()
		}
	}
	cerr := batch.Close()
	if errors.Is(err, io.EOF) && cerr == nil {
		// A compacted batch may end past its last message.
		offset = max(offset, batch.Offset())
	}
	if !send() {
		return offset, ctx.Err()
	}
	return offset, err
}

// msgSlice returns an empty message slice, recycled when one is free.
func (s *kafkaSource) msgSlice() []kafka.Message {
	select {
	case m := <-s.free:
		return m[:0]
	default:
		return make([]kafka.Message, 0, min(s.maxChunk, 4096))
	}
}

// recycle returns a decoded slice for reuse (dropping the message bytes).
func (s *kafkaSource) recycle(m []kafka.Message) {
	clear(m)
	select {
	case s.free <- m[:0]:
	default:
	}
}

// dialLeader connects to the leader of a partition through the first
// bootstrap server that answers.
func (s *kafkaSource) dialLeader(ctx context.Context, part int) (*kafka.Conn, error) {
	d := &kafka.Dialer{Timeout: 10 * time.Second, ClientID: s.clientID}
	var lastErr error
	for _, b := range s.brokers {
		c, err := d.DialLeader(ctx, "tcp", b, s.topic, part)
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func kafkaBackoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt-1, 6)
	return min(d, 2*time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// work decodes message slices into chunks of up to maxChunk rows: it blocks
// for one slice, then takes whatever else is already queued.
func (s *kafkaSource) work(ctx context.Context, dec recordDecoder, in <-chan []kafka.Message) {
	defer s.wg.Done()
	b := format.NewBuilder(s.cfg.Schema.Types())
	defer b.Release()
	var pending []kafka.Message // messages of the current slice not yet decoded
	for {
		if len(pending) == 0 {
			select {
			case pending = <-in:
			case <-ctx.Done():
				return
			}
		}
		next := map[int]int64{}
		var failErr error
		for {
			var i int
			i, failErr = s.decodeMessages(dec, b, pending, next)
			if i == len(pending) {
				s.recycle(pending)
				pending = nil
			} else {
				pending = pending[i:]
			}
			if failErr != nil || b.Len() >= s.maxChunk || len(pending) > 0 {
				break
			}
			more := false
			select {
			case pending = <-in:
				more = true
			default:
			}
			if !more {
				break
			}
		}
		batch := kafkaBatch{chunk: b.Build(), next: next, headers: takeHeaders(dec), err: failErr}
		select {
		case s.batches <- batch:
		case <-ctx.Done():
			if batch.chunk != nil {
				batch.chunk.Release()
			}
			return
		}
		if failErr != nil {
			return
		}
	}
}

// decodeMessages decodes msgs into b until b holds maxChunk rows, recording
// in next the offset after each decoded message. It returns how many
// messages it consumed and, under error.policy='fail', the error of the bad
// message (which is not consumed).
func (s *kafkaSource) decodeMessages(dec recordDecoder, b *format.Builder, msgs []kafka.Message, next map[int]int64) (int, error) {
	var rows, bytes int64
	part, off := -1, int64(0) // the run of messages of one partition
	defer func() {
		if part >= 0 {
			next[part] = off
		}
		s.rows.Add(rows)
		s.bytes.Add(bytes)
	}()
	for i := range msgs {
		m := &msgs[i]
		bytes += int64(len(m.Value))
		n, err := s.decode(dec, b, m)
		rows += int64(n)
		if err != nil && s.fail {
			return i, err
		}
		if m.Partition != part {
			if part >= 0 {
				next[part] = off
			}
			part = m.Partition
		}
		off = m.Offset + 1
		if b.Len() >= s.maxChunk {
			return i + 1, nil
		}
	}
	return len(msgs), nil
}

// decode appends the rows of one message and returns how many. A bad
// message (undecodable, or with a value its column's type modifier
// rejects) is counted and reported, none of its rows is appended, and its
// error is returned.
func (s *kafkaSource) decode(dec recordDecoder, b *format.Builder, m *kafka.Message) (int, error) {
	rows, err := dec.decode(m)
	if err == nil {
		err = s.fill(rows, m)
	}
	if err != nil {
		s.bad.Add(1)
		if s.cfg.Errors != nil {
			s.cfg.Errors.Report(BadMessage{Source: s.cfg.Name, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset,
				Err: err, Raw: m.Value, Key: m.Key, Time: time.Now()})
		}
		code := sqlerr.InvalidTextRepresentation
		if c := sqlerr.Code(err); c != "" && c != sqlerr.InternalError {
			code = c
		}
		return 0, sqlerr.New(code, "kafka source %q: bad message at topic %s partition %d offset %d: %v",
			s.cfg.Name, m.Topic, m.Partition, m.Offset, err)
	}
	for _, r := range rows {
		b.Append(r)
	}
	return len(rows), nil
}

// fill sets the INCLUDE columns of a message's rows and conforms the rows
// to the columns' type modifiers.
func (s *kafkaSource) fill(rows []*format.Row, m *kafka.Message) error {
	for _, r := range rows {
		for _, in := range s.include {
			t := s.cfg.Schema[in.Column].Type
			switch in.Kind {
			case "key":
				r.Set(in.Column, bytesDatum(m.Key, t))
			case "partition":
				if t.Kind == types.KindVarchar {
					r.Set(in.Column, strconv.Itoa(m.Partition))
				} else {
					r.SetInt(in.Column, int64(m.Partition))
				}
			case "offset":
				if t.Kind == types.KindVarchar {
					r.Set(in.Column, strconv.FormatInt(m.Offset, 10))
				} else {
					r.SetInt(in.Column, m.Offset)
				}
			case "timestamp":
				r.SetInt(in.Column, m.Time.UnixMicro())
			case "header":
				var v []byte
				found := false
				for _, h := range m.Headers {
					if h.Key == in.Inner {
						v, found = h.Value, true
					}
				}
				if found {
					r.Set(in.Column, bytesDatum(v, t))
				} else {
					r.Set(in.Column, nil)
				}
			}
		}
		if err := s.mods.Apply(r); err != nil {
			return err
		}
	}
	return nil
}

func bytesDatum(b []byte, t types.Type) types.Datum {
	if b == nil {
		return nil
	}
	switch t.Kind {
	case types.KindBytea:
		return append([]byte(nil), b...)
	case types.KindJSONB:
		return types.JSONB(string(b))
	}
	return string(b)
}

// Read returns the next chunk. Batches whose messages were all bad still
// advance the offsets.
func (s *kafkaSource) Read(ctx context.Context) (*types.Chunk, error) {
	if !s.open {
		return nil, ErrNotConnected
	}
	if s.failed != nil {
		return nil, s.failed
	}
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case b := <-s.batches:
			if b.err != nil && b.chunk == nil && b.next == nil {
				s.failed = b.err
				return nil, b.err
			}
			if b.err != nil {
				// error.policy='fail': deliver the good rows before the bad
				// message, then stop. Offsets stop before the bad message.
				// (next only covers the messages decoded before it).
				s.failed = b.err
				s.advance(b)
				if b.chunk != nil {
					return b.chunk, nil
				}
				return nil, b.err
			}
			s.advance(b)
			if b.chunk != nil {
				return b.chunk, nil
			}
		}
	}
}

// advance moves the offsets (and CSV headers) past a batch's messages.
func (s *kafkaSource) advance(b kafkaBatch) {
	for p, n := range b.next {
		s.offsets[partKey(p)] = strconv.FormatInt(n, 10)
	}
	for p, h := range b.headers {
		s.offsets[csvHeaderKeyPrefix+strconv.Itoa(p)] = h
	}
}

// Offsets returns "partition/N" → the next offset to read, for every
// partition.
func (s *kafkaSource) Offsets() Offsets { return s.offsets.Clone() }

// Stats returns the source's counters.
func (s *kafkaSource) Stats() SourceStats {
	return SourceStats{Rows: s.rows.Load(), Bytes: s.bytes.Load(), BadMessages: s.bad.Load()}
}

// Close stops the readers and workers.
func (s *kafkaSource) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	for {
		select {
		case b := <-s.batches:
			if b.chunk != nil {
				b.chunk.Release()
			}
			continue
		default:
		}
		break
	}
	s.open = false
	return nil
}

var (
	_ Source        = (*kafkaSource)(nil)
	_ StatsReporter = (*kafkaSource)(nil)
)
