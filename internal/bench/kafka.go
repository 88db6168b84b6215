package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/types"
)

const kafkaTopic = "nexmark"

// kafkaFixture is an in-process kfake broker holding the events.
type kafkaFixture struct {
	cluster *kfake.Cluster
	brokers string
}

// newKafkaFixture starts kfake with a topic of the given partitions and
// writes the first n Nexmark events into it as JSON.
func newKafkaFixture(ctx context.Context, n int64, partitions int) (*kafkaFixture, error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.SeedTopics(int32(partitions), kafkaTopic))
	if err != nil {
		return nil, err
	}
	k := &kafkaFixture{cluster: c, brokers: strings.Join(c.ListenAddrs(), ",")}
	recs, err := EventsJSON(ctx, n)
	if err != nil {
		k.close()
		return nil, err
	}
	if err := produceAll(ctx, k.brokers, kafkaTopic, recs); err != nil {
		k.close()
		return nil, err
	}
	return k, nil
}

// produceAll writes values to topic, round-robin over its partitions.
func produceAll(ctx context.Context, brokers, topic string, values [][]byte) error {
	w := &kafka.Writer{
		Addr: kafka.TCP(strings.Split(brokers, ",")...), Topic: topic, Balancer: &kafka.RoundRobin{},
		BatchSize: 2000, BatchBytes: 900 << 10, BatchTimeout: 5 * time.Millisecond, RequiredAcks: kafka.RequireOne,
	}
	defer w.Close()
	const chunk = 50000
	msgs := make([]kafka.Message, 0, chunk)
	for i := 0; i < len(values); i += chunk {
		msgs = msgs[:0]
		for _, v := range values[i:min(i+chunk, len(values))] {
			msgs = append(msgs, kafka.Message{Value: v})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			var we kafka.WriteErrors
			if errors.As(err, &we) && len(we) > 0 {
				for _, e := range we {
					if e != nil {
						return fmt.Errorf("produce to kfake: %d of %d messages failed, first: %w", we.Count(), len(we), e)
					}
				}
			}
			return fmt.Errorf("produce to kfake: %w", err)
		}
	}
	return nil
}

// ServeKafka starts an in-process kfake broker holding the first n Nexmark
// events as JSON (topic "nexmark", the given partitions), writes
// "brokers <address>" to ready once they are loaded, and serves until ctx
// is done. `eddy bench kafka-broker` runs it in a process of its own, so
// that the broker's CPU time is not counted as Eddy's.
func ServeKafka(ctx context.Context, n int64, partitions int, ready io.Writer) error {
	k, err := newKafkaFixture(ctx, n, max(partitions, 1))
	if err != nil {
		return err
	}
	defer k.close()
	if _, err := fmt.Fprintf(ready, "brokers %s\n", k.brokers); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// ProcessCPU returns the user+system CPU time a process has used so far
// (Linux /proc/<pid>/stat), for a broker running in a child process.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

func (k *kafkaFixture) close() {
	if k.cluster != nil {
		k.cluster.Close()
	}
}

// consume reads n combined events back through Eddy's Kafka source
// connector (the INSERT fallback's path when CREATE SOURCE is missing).
func (k *kafkaFixture) consume(ctx context.Context, n int64, fn func(*types.Chunk) error) error {
	src, err := connectors.Default.NewSource(connectors.SourceConfig{
		Name:   "nexmark",
		Schema: combinedSchema(),
		With: map[string]string{
			"connector": "kafka", "topic": kafkaTopic, "properties.bootstrap.server": k.brokers,
			"scan.startup.mode": "earliest",
		},
		Format: connectors.FormatSpec{Format: "PLAIN", Encode: "JSON"},
	})
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Open(ctx, nil); err != nil {
		return err
	}
	var got int64
	for got < n {
		c, err := src.Read(ctx)
		if errors.Is(err, connectors.ErrEndOfInput) {
			break
		}
		if err != nil {
			return err
		}
		got += int64(c.NumRows())
		if err := fn(c); err != nil {
			return err
		}
	}
	if got < n {
		return fmt.Errorf("kafka source delivered %d of %d events", got, n)
	}
	return nil
}
