package connectors_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/types"
)

// skipOrFail skips the test, or fails it under CI=true (DESIGN.md §5).
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

// newKafka starts an in-process Kafka broker with auto topic creation.
func newKafka(t testing.TB, opts ...kfake.Opt) (*kfake.Cluster, string) {
	t.Helper()
	opts = append([]kfake.Opt{kfake.AllowAutoTopicCreation(), kfake.NumBrokers(1)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, strings.Join(c.ListenAddrs(), ",")
}

// needBinary returns the path of a binary or skips the test.
func needBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, "%s not found in PATH; install it to run this test", name)
	}
	return p
}

// readRows reads from src until it has n rows (or the timeout), returning
// them as text lines "op col…", in arrival order.
func readRows(t testing.TB, src connectors.Source, n int, timeout time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []string
	for len(out) < n {
		c, err := src.Read(ctx)
		if err != nil {
			if errors.Is(err, connectors.ErrEndOfInput) {
				break
			}
			t.Fatalf("Read after %d rows: %v", len(out), err)
		}
		out = append(out, chunkLines(c)...)
		c.Release()
	}
	return out
}

func chunkLines(c *types.Chunk) []string {
	var out []string
	for i := 0; i < c.NumRows(); i++ {
		var sb strings.Builder
		sb.WriteString(c.Ops[i].String())
		for j := range c.Cols {
			sb.WriteString(" ")
			sb.WriteString(types.FormatText(c.Datum(j, i)))
		}
		out = append(out, sb.String())
	}
	return out
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
