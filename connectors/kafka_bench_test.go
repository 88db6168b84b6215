package connectors

import (
	"context"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddysql/eddy/types"
)

// nexmarkCombinedSchema is the flat schema of the combined Nexmark stream
// as the Kafka benchmark declares it: event_type, then dotted columns that
// reach into the person, auction and bid objects.
func nexmarkCombinedSchema() types.Schema {
	s := types.Schema{{Name: "event_type", Type: types.Int64}}
	add := func(obj string, cols ...any) {
		for i := 0; i < len(cols); i += 2 {
			s = append(s, types.Column{Name: obj + "." + cols[i].(string), Type: cols[i+1].(types.Type)})
		}
	}
	add("person", "id", types.Int64, "name", types.Varchar, "email_address", types.Varchar, "credit_card", types.Varchar,
		"city", types.Varchar, "state", types.Varchar, "date_time", types.TimestampT, "extra", types.Varchar)
	add("auction", "id", types.Int64, "item_name", types.Varchar, "description", types.Varchar, "initial_bid", types.Int64,
		"reserve", types.Int64, "date_time", types.TimestampT, "expires", types.TimestampT, "seller", types.Int64,
		"category", types.Int64, "extra", types.Varchar)
	add("bid", "auction", types.Int64, "bidder", types.Int64, "price", types.Int64, "channel", types.Varchar,
		"url", types.Varchar, "date_time", types.TimestampT, "extra", types.Varchar)
	return s
}

// nexmarkMessages generates the first n Nexmark events as Kafka messages
// of partition 0 whose values are JSON objects
// {"event_type":2,"bid":{"auction":…,…}}, as the Kafka benchmark loads them.
var nexmarkMessages = sync.OnceValues(func() ([]kafka.Message, error) {
	const n = 100_000
	schema := types.Schema{{Name: "event_type", Type: types.Int64}, {Name: "person", Type: types.JSONBT},
		{Name: "auction", Type: types.JSONBT}, {Name: "bid", Type: types.JSONBT}}
	src, err := Default.NewSource(SourceConfig{Name: "nx", Schema: schema, With: map[string]string{
		"connector": "nexmark", "nexmark.event.num": strconv.Itoa(n), "nexmark.base.time": "1436918400000",
	}})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	ctx := context.Background()
	if err := src.Open(ctx, nil); err != nil {
		return nil, err
	}
	var msgs []kafka.Message
	for len(msgs) < n {
		c, err := src.Read(ctx)
		if err != nil {
			return nil, err
		}
		for i := 0; i < c.NumRows(); i++ {
			kind := c.Datum(0, i).(int64)
			v := []byte(`{"event_type":` + strconv.FormatInt(kind, 10) + `,"` + schema[kind+1].Name + `":`)
			v = append(v, types.FormatText(c.Datum(int(kind)+1, i))...)
			v = append(v, '}')
			msgs = append(msgs, kafka.Message{Topic: "nexmark", Partition: 0, Offset: int64(len(msgs)), Value: v})
		}
		c.Release()
	}
	return msgs, nil
})

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKafkaSourceDecodePath feeds pre-fetched messages through the
// Kafka source's own path minus the network: slices of messages go to a
// decoding worker (JSON → column builders → chunks), and Read hands the
// chunks over with their offsets, as the engine's reader goroutine calls
// it. One op = one message. cpu-ns/op is the process CPU (all goroutines)
// per message; events/CPU-s its inverse.
func BenchmarkKafkaSourceDecodePath(b *testing.B) {
	msgs, err := nexmarkMessages()
	if err != nil {
		b.Fatal(err)
	}
	src, err := newKafkaSource(SourceConfig{Name: "nexmark", Schema: nexmarkCombinedSchema(),
		With:   map[string]string{"connector": "kafka", "topic": "nexmark", "properties.bootstrap.server": "unused:9092"},
		Format: FormatSpec{Format: "PLAIN", Encode: "JSON"}})
	if err != nil {
		b.Fatal(err)
	}
	s := src.(*kafkaSource)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.offsets = Offsets{}
	s.batches = make(chan kafkaBatch, 2)
	s.free = make(chan []kafka.Message, 8)
	s.open = true
	in := make(chan []kafka.Message, 2)
	dec, err := s.newDecoder()
	if err != nil {
		b.Fatal(err)
	}
	s.wg.Add(2)
	go s.work(ctx, dec, in)
	go func() { // the fetcher's role: slices of up to maxChunk messages
		defer s.wg.Done()
		for sent := 0; sent < b.N; {
			sl := s.msgSlice()
			for len(sl) < s.maxChunk && sent < b.N {
				m := msgs[sent%len(msgs)]
				m.Offset = int64(sent)
				sl = append(sl, m)
				sent++
			}
			select {
			case in <- sl:
			case <-ctx.Done():
				return
			}
		}
	}()
	b.ResetTimer()
	cpu0 := cpuTime()
	got := 0
	for got < b.N {
		c, err := s.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		got += c.NumRows()
		c.Release()
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if off := s.Offsets()["partition/0"]; off != strconv.Itoa(b.N) {
		b.Fatalf("offset after %d messages = %s", b.N, off)
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/CPU-s")
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}
