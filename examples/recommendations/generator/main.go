// Command generator feeds the reference pipeline: it writes the product
// catalog once to the product_catalog topic and then clickstream events to
// user_activity, as JSON, with kafka-go.
//
//	go run ./examples/recommendations/generator -brokers 127.0.0.1:9092 -rate 100
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddysql/eddy/examples/recommendations/recsim"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "comma-separated Kafka brokers")
	rate := flag.Int("rate", 100, "events per second")
	total := flag.Int("events", 0, "stop after this many events (0 = run until interrupted)")
	users := flag.Int("users", 50, "number of users")
	products := flag.Int("products", 60, "number of products")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, strings.Split(*brokers, ","), *rate, *total, *users, *products, *seed); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "generator:", err)
		os.Exit(1)
	}
}

func writer(brokers []string, topic string) *kafka.Writer {
	return &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: 5 * time.Millisecond,
		AllowAutoTopicCreation: true, RequiredAcks: kafka.RequireAll}
}

func run(ctx context.Context, brokers []string, rate, total, users, products int, seed int64) error {
	cw := writer(brokers, "product_catalog")
	defer cw.Close()
	var msgs []kafka.Message
	for _, p := range recsim.Catalog(products) {
		b, _ := json.Marshal(p)
		msgs = append(msgs, kafka.Message{Key: []byte(p.ProductID), Value: b})
	}
	if err := cw.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	ew := writer(brokers, "user_activity")
	defer ew.Close()
	g := recsim.NewGenerator(seed, users, products)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	sent := 0
	for total == 0 || sent < total {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		n := max(rate/10, 1)
		if total > 0 {
			n = min(n, total-sent)
		}
		batch := make([]kafka.Message, n)
		for i := range batch {
			b, _ := json.Marshal(g.Next())
			batch[i] = kafka.Message{Value: b}
		}
		if err := ew.WriteMessages(ctx, batch...); err != nil {
			return fmt.Errorf("write events: %w", err)
		}
		sent += n
	}
	fmt.Printf("generator: %d products, %d events\n", products, sent)
	return nil
}
