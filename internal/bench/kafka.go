package bench

import (
	"context"
	"errors"
	"fmt"
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
