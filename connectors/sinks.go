package connectors

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

func init() {
	opts := append([]OptionSpec{}, kafkaCommonOptions...)
	opts = append(opts,
		OptionSpec{Name: "properties.linger.ms", Kind: KindDuration, Default: "5ms", Doc: "How long the producer waits to fill a batch."},
		OptionSpec{Name: "properties.batch.size", Kind: KindInt, Default: "1000", Doc: "Messages per produce batch at most."},
		OptionSpec{Name: "primary_key", Doc: "Comma-separated key columns, when the input has no primary key."},
	)
	RegisterSink(Spec{
		Name:    "kafka",
		Summary: "Produces changes to a Kafka topic as JSON; at least once, in order per key (murmur2 hash partitioning).",
		Formats: []string{"PLAIN JSON", "UPSERT JSON", "DEBEZIUM JSON"},
		Options: opts,
		FormatOptions: []OptionSpec{
			{Name: "force_append_only", Kind: KindBool, Default: "false", Doc: "FORMAT PLAIN: drop deletes instead of refusing an input that may retract."},
		},
	}, newKafkaSink)
	RegisterSink(Spec{
		Name:    "file",
		Summary: "Appends changes to a local file, one JSON document per line (same encodings as the Kafka sink).",
		Formats: []string{"PLAIN JSON", "UPSERT JSON", "DEBEZIUM JSON"},
		Options: []OptionSpec{
			{Name: "path", Required: true, Doc: "File to append to (created if missing)."},
			{Name: "primary_key", Doc: "Comma-separated key columns, when the input has no primary key."},
		},
		FormatOptions: []OptionSpec{
			{Name: "force_append_only", Kind: KindBool, Default: "false", Doc: "FORMAT PLAIN: drop deletes instead of refusing an input that may retract."},
		},
	}, newFileSink)
	RegisterSink(Spec{
		Name:    "blackhole",
		Summary: "Discards every change (counts them); for benchmarks.",
		Options: []OptionSpec{
			{Name: "type", Kind: KindEnum, Enum: []string{"append-only", "upsert", "debezium"}, Default: "append-only",
				Doc: "Accepted for RisingWave's benchmark DDL; every change is discarded whatever the type."},
			{Name: "force_append_only", Kind: KindBool, Default: "false",
				Doc: "Accepted for RisingWave's benchmark DDL; deletes are discarded like everything else."},
		},
	}, func(cfg SinkConfig) (Sink, error) { return &BlackholeSink{}, nil })
}

// message is one encoded change: key (nil = none) and value (nil = a
// tombstone).
type message struct {
	key, value []byte
}

// jsonEncoder turns changes into key/value messages in the PLAIN, UPSERT or
// DEBEZIUM layout.
type jsonEncoder struct {
	name    string
	table   string
	format  string
	force   bool
	schema  types.Schema
	visible []int
	key     []int
}

func newJSONEncoder(cfg SinkConfig, o opts, kind string) (*jsonEncoder, error) {
	f, enc := sinkFormat(cfg)
	if enc != "JSON" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s sink %q: ENCODE %s is not supported (use JSON)", kind, cfg.Name, enc)
	}
	e := &jsonEncoder{name: cfg.Name, table: cfg.Name, format: f, schema: cfg.Schema, visible: visibleCols(cfg.Schema), key: cfg.PK}
	var err error
	if e.force, err = o.bool("force_append_only", false); err != nil {
		return nil, err
	}
	if pk := o.str("primary_key"); pk != "" {
		e.key = nil
		for _, n := range strings.Split(pk, ",") {
			i := schemaIndexFold(cfg.Schema, strings.TrimSpace(n))
			if i < 0 {
				return nil, sqlerr.New(sqlerr.UndefinedColumn, "%s sink %q: primary_key column %q does not exist", kind, cfg.Name, n)
			}
			e.key = append(e.key, i)
		}
	}
	switch f {
	case format.Plain:
		if err := checkPlainAppendOnly(cfg, f, e.force); err != nil {
			return nil, err
		}
	case format.Upsert, format.Debezium:
		if len(e.key) == 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "%s sink %q: FORMAT %s needs a primary key", kind, cfg.Name, f).
				WithHint("Sink from a relation with a primary key, or set primary_key='col,…'.")
		}
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s sink %q: FORMAT %s is not supported", kind, cfg.Name, f)
	}
	return e, nil
}

func (e *jsonEncoder) keyJSON(row types.Row) []byte {
	if len(e.key) == 0 {
		return nil
	}
	return format.AppendJSONObject(nil, row, e.schema, e.key)
}

// encode returns the messages for a chunk's changes.
func (e *jsonEncoder) encode(c *types.Chunk) ([]message, error) {
	chs := changes(c)
	out := make([]message, 0, len(chs))
	for i := 0; i < len(chs); i++ {
		ch := chs[i]
		switch e.format {
		case format.Plain:
			if !ch.op.IsInsert() {
				if e.force {
					continue
				}
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "sink %q: FORMAT PLAIN got a %s change; the input is not append-only", e.name, ch.op).
					WithHint("Use FORMAT UPSERT or DEBEZIUM, or force_append_only='true'.")
			}
			out = append(out, message{key: e.keyJSON(ch.row), value: format.AppendJSONObject(nil, ch.row, e.schema, e.visible)})
		case format.Upsert:
			k := e.keyJSON(ch.row)
			if ch.op.IsInsert() {
				out = append(out, message{key: k, value: format.AppendJSONObject(nil, ch.row, e.schema, e.visible)})
				continue
			}
			// An update's U- is superseded by its U+ with the same key.
			if ch.op == types.UpdateDelete && i+1 < len(chs) && chs[i+1].op == types.UpdateInsert && string(e.keyJSON(chs[i+1].row)) == string(k) {
				continue
			}
			out = append(out, message{key: k})
		case format.Debezium:
			var before, after types.Row
			op := "c"
			switch ch.op {
			case types.Insert:
				after = ch.row
			case types.Delete:
				before, op = ch.row, "d"
			case types.UpdateDelete:
				before, op = ch.row, "d"
				if i+1 < len(chs) && chs[i+1].op == types.UpdateInsert {
					after, op = chs[i+1].row, "u"
					i++
				}
			case types.UpdateInsert:
				after = ch.row
			}
			out = append(out, message{key: e.keyJSON(ch.row), value: e.debezium(before, after, op)})
		}
	}
	return out, nil
}

func (e *jsonEncoder) debezium(before, after types.Row, op string) []byte {
	b := []byte(`{"payload":{"before":`)
	if before == nil {
		b = append(b, "null"...)
	} else {
		b = format.AppendJSONObject(b, before, e.schema, e.visible)
	}
	b = append(b, `,"after":`...)
	if after == nil {
		b = append(b, "null"...)
	} else {
		b = format.AppendJSONObject(b, after, e.schema, e.visible)
	}
	b = append(b, `,"op":`...)
	b = format.AppendJSONString(b, op)
	b = fmt.Appendf(b, `,"ts_ms":%d,"source":{"connector":"eddy","name":`, time.Now().UnixMilli())
	b = format.AppendJSONString(b, e.table)
	return append(b, "}}}"...)
}

// kafkaSink produces each Write's messages synchronously (acks=all): a
// Write that returns nil has been stored by the brokers, so a committed
// epoch is never lost; a replayed epoch is produced again (at least once).
type kafkaSink struct {
	cfg     SinkConfig
	enc     *jsonEncoder
	topic   string
	brokers []string
	linger  time.Duration
	batch   int
	w       *kafka.Writer
}

func newKafkaSink(cfg SinkConfig) (Sink, error) {
	o := merged(cfg.With, cfg.Format)
	enc, err := newJSONEncoder(cfg, o, "kafka")
	if err != nil {
		return nil, err
	}
	s := &kafkaSink{cfg: cfg, enc: enc, topic: o.str("topic")}
	for _, b := range strings.Split(o.str("properties.bootstrap.server"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			s.brokers = append(s.brokers, b)
		}
	}
	if s.linger, err = o.dur("properties.linger.ms", 5*time.Millisecond); err != nil {
		return nil, err
	}
	n, err := o.int("properties.batch.size", 1000)
	if err != nil {
		return nil, err
	}
	s.batch = int(max(n, 1))
	return s, nil
}

// Open creates the producer (connections are made lazily by kafka-go).
func (s *kafkaSink) Open(context.Context) error {
	s.w = &kafka.Writer{
		Addr:                   kafka.TCP(s.brokers...),
		Topic:                  s.topic,
		Balancer:               &kafka.Murmur2Balancer{},
		BatchTimeout:           s.linger,
		BatchSize:              s.batch,
		RequiredAcks:           kafka.RequireAll,
		AllowAutoTopicCreation: true,
		MaxAttempts:            3,
	}
	return nil
}

// Write produces the chunk's messages and waits for the acknowledgements.
func (s *kafkaSink) Write(ctx context.Context, _ uint64, c *types.Chunk) error {
	if s.w == nil {
		return ErrNotConnected
	}
	msgs, err := s.enc.encode(c)
	if err != nil || len(msgs) == 0 {
		return err
	}
	km := make([]kafka.Message, len(msgs))
	for i, m := range msgs {
		km[i] = kafka.Message{Key: m.key, Value: m.value}
	}
	if err := s.w.WriteMessages(ctx, km...); err != nil {
		return sqlerr.Wrap(fmt.Errorf("kafka sink %q: produce to %s: %w", s.cfg.Name, s.topic, err), sqlerr.ConnectionException)
	}
	return nil
}

// Commit has nothing left to do: Write waited for the brokers.
func (s *kafkaSink) Commit(context.Context, uint64) error {
	if s.w == nil {
		return ErrNotConnected
	}
	return nil
}

// Close closes the producer.
func (s *kafkaSink) Close() error {
	if s.w == nil {
		return nil
	}
	err := s.w.Close()
	s.w = nil
	return err
}

// fileSink appends one JSON document per change to a file: the value, or
// {"__key": key, "__deleted": true} for an UPSERT delete. Commit fsyncs.
type fileSink struct {
	cfg  SinkConfig
	enc  *jsonEncoder
	path string
	f    *os.File
	w    *bufio.Writer
}

func newFileSink(cfg SinkConfig) (Sink, error) {
	o := merged(cfg.With, cfg.Format)
	enc, err := newJSONEncoder(cfg, o, "file")
	if err != nil {
		return nil, err
	}
	return &fileSink{cfg: cfg, enc: enc, path: o.str("path")}, nil
}

// Open opens the file for appending.
func (s *fileSink) Open(context.Context) error {
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return sqlerr.Wrap(fmt.Errorf("file sink %q: %w", s.cfg.Name, err), sqlerr.IOError)
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	return nil
}

// Write buffers the chunk's lines.
func (s *fileSink) Write(_ context.Context, _ uint64, c *types.Chunk) error {
	if s.f == nil {
		return ErrNotConnected
	}
	msgs, err := s.enc.encode(c)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.value == nil {
			s.w.WriteString(`{"__key":`)
			s.w.Write(m.key)
			s.w.WriteString(`,"__deleted":true}`)
		} else {
			s.w.Write(m.value)
		}
		s.w.WriteByte('\n')
	}
	return nil
}

// Commit flushes and fsyncs.
func (s *fileSink) Commit(context.Context, uint64) error {
	if s.f == nil {
		return ErrNotConnected
	}
	if err := s.w.Flush(); err != nil {
		return sqlerr.Wrap(err, sqlerr.IOError)
	}
	return sqlerr.Wrap(s.f.Sync(), sqlerr.IOError)
}

// Close closes the file (without flushing uncommitted lines).
func (s *fileSink) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f, s.w = nil, nil
	return err
}

// BlackholeSink discards everything; it counts rows and epochs.
type BlackholeSink struct {
	rows, epochs atomic.Int64
}

// Open does nothing.
func (b *BlackholeSink) Open(context.Context) error { return nil }

// Write counts the rows.
func (b *BlackholeSink) Write(_ context.Context, _ uint64, c *types.Chunk) error {
	b.rows.Add(int64(c.NumRows()))
	return nil
}

// Commit counts the epoch.
func (b *BlackholeSink) Commit(context.Context, uint64) error {
	b.epochs.Add(1)
	return nil
}

// Close does nothing.
func (b *BlackholeSink) Close() error { return nil }

// Discards reports that the blackhole's log need not be durable.
func (b *BlackholeSink) Discards() bool { return true }

// Rows returns the number of rows written.
func (b *BlackholeSink) Rows() int64 { return b.rows.Load() }

var (
	_ Sink      = (*kafkaSink)(nil)
	_ Sink      = (*fileSink)(nil)
	_ Sink      = (*BlackholeSink)(nil)
	_ Discarder = (*BlackholeSink)(nil)
)
