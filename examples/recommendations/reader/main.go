// Command reader is the application side of the reference pipeline: it
// reads what the sinks put in Redis.
//
//	go run ./examples/recommendations/reader -redis redis://127.0.0.1:6379/ -user 7
//
// GET <user_id> gives the user's recommendations as JSON; trending:<hour>
// keys give product_id:view_count.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/redis/go-redis/v9"
)

func main() {
	url := flag.String("redis", "redis://127.0.0.1:6379/", "Redis URL")
	user := flag.String("user", "", "user id to look up (empty: list every user key)")
	flag.Parse()
	if err := run(context.Background(), *url, *user); err != nil {
		fmt.Fprintln(os.Stderr, "reader:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, user string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	c := redis.NewClient(opts)
	defer c.Close()
	if user != "" {
		v, err := c.Get(ctx, user).Result()
		if err == redis.Nil {
			fmt.Printf("user %s: no recommendations yet\n", user)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Printf("user %s: %s\n", user, v)
	}
	keys, err := c.Keys(ctx, "trending:*").Result()
	if err != nil {
		return err
	}
	sort.Strings(keys)
	for _, k := range keys {
		typ, err := c.Type(ctx, k).Result()
		if err != nil {
			return err
		}
		if typ == "hash" {
			m, err := c.HGetAll(ctx, k).Result()
			if err != nil {
				return err
			}
			fmt.Printf("%s: %v\n", k, m)
			continue
		}
		v, err := c.Get(ctx, k).Result()
		if err != nil {
			return err
		}
		fmt.Printf("%s: %s\n", k, v)
	}
	return nil
}
