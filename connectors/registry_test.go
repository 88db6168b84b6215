package connectors_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

var update = flag.Bool("update", false, "rewrite docs/connectors.md")

// TestConnectorsDoc checks that docs/connectors.md matches the specs; run
// with -update to regenerate it.
func TestConnectorsDoc(t *testing.T) {
	const path = "../docs/connectors.md"
	want := connectors.Markdown(connectors.Default)
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./connectors -run TestConnectorsDoc -update)", err)
	}
	if string(got) != want {
		t.Fatal("docs/connectors.md is out of date: run go test ./connectors -run TestConnectorsDoc -update")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		kind, connector string
		with            map[string]string
		want, hint      string
	}{
		{"source", "kafka", map[string]string{"topic": "t", "brokers": "b:1"}, "", ""},
		{"source", "kafka", map[string]string{"topic": "t", "properties.bootstrap.server": "b", "scan.startup.mode": "earliest", "format": "json"}, "", ""},
		{"source", "kafka", map[string]string{"topic": "t"}, `missing required option "properties.bootstrap.server"`, ""},
		{"source", "kafka", map[string]string{"topic": "t", "brokers": "b", "topik": "x"}, `unknown option "topik"`, `"topic"`},
		{"source", "kafka", map[string]string{"topic": "t", "brokers": "b", "scan.startup.mode": "first"}, "expected one of earliest, latest, timestamp", ""},
		{"source", "kafka", map[string]string{"topic": "t", "brokers": "b", "source.workers": "many"}, "expected an integer", ""},
		{"source", "kafak", nil, `unknown source connector "kafak"`, `"kafka"`},
		{"source", "datagen", map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1"}, "", ""},
		{"source", "datagen", map[string]string{"fields.id.kind": "ordered"}, "expected one of sequence, random", ""},
		{"sink", "postgres", map[string]string{"table.name": "t", "password": "hunter2", "port": "x"}, "expected an integer", ""},
		{"sink", "redis", map[string]string{"redis.url": "redis://x", "key_format": "{a}"}, "", ""},
	}
	for _, c := range cases {
		err := connectors.Validate(c.kind, c.connector, c.with)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %s %v: unexpected %v", c.kind, c.connector, c.with, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %s %v: got %v, want %q", c.kind, c.connector, c.with, err, c.want)
		case err != nil && sqlerr.Code(err) != sqlerr.InvalidParameterValue:
			t.Errorf("%v: code %s", err, sqlerr.Code(err))
		case c.hint != "" && !strings.Contains(sqlerr.As(err).Hint, c.hint):
			t.Errorf("%v: hint %q lacks %s", err, sqlerr.As(err).Hint, c.hint)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks a secret: %v", err)
		}
	}
	// A bad secret value is not echoed.
	r := connectors.NewRegistry()
	r.RegisterSink(connectors.Spec{Name: "s", Options: []connectors.OptionSpec{{Name: "token", Secret: true, Kind: connectors.KindInt}}},
		func(connectors.SinkConfig) (connectors.Sink, error) { return &connectors.BlackholeSink{}, nil })
	if err := r.Validate("sink", "s", map[string]string{"token": "s3cret"}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("secret echoed or accepted: %v", err)
	}
	red := connectors.Redact(map[string]string{"password": "p", "sasl.password": "q", "topic": "t", "redis.url": "redis://x"})
	if red["password"] != connectors.Redacted || red["sasl.password"] != connectors.Redacted || red["topic"] != "t" {
		t.Errorf("Redact = %v", red)
	}
	if err := connectors.Default.ValidateFormat("sink", "redis", connectors.FormatSpec{Format: "DEBEZIUM", Encode: "JSON"}); err == nil {
		t.Error("redis accepted FORMAT DEBEZIUM")
	}
	if err := connectors.Default.ValidateFormat("sink", "redis", connectors.FormatSpec{Format: "PLAIN", Encode: "TEMPLATE",
		Options: map[string]string{"key_formt": "x"}}); err == nil || !strings.Contains(sqlerr.As(err).Hint, "key_format") {
		t.Errorf("format option typo: %v", err)
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	r := connectors.NewRegistry()
	ctor := func(connectors.SourceConfig) (connectors.Source, error) { return nil, nil }
	r.RegisterSource(connectors.Spec{Name: "x"}, ctor)
	defer func() {
		if recover() == nil {
			t.Error("duplicate registration did not panic")
		}
	}()
	r.RegisterSource(connectors.Spec{Name: "X"}, ctor)
}

// counterSource is a minimal source plugin: it emits 0..n-1 and ends.
type counterSource struct{ next, n int64 }

func (c *counterSource) Open(_ context.Context, off connectors.Offsets) error {
	if v, ok := off["next"]; ok {
		c.next = int64(len(v)) // toy encoding
	}
	return nil
}

func (c *counterSource) Read(context.Context) (*types.Chunk, error) {
	if c.next >= c.n {
		return nil, connectors.ErrEndOfInput
	}
	ch := types.NewInsertChunk([]types.Type{types.Int64}, []types.Row{{c.next}})
	c.next++
	return ch, nil
}

func (c *counterSource) Offsets() connectors.Offsets {
	return connectors.Offsets{"next": strings.Repeat("x", int(c.next))}
}

func (c *counterSource) Close() error { return nil }

// Example_sourcePlugin shows how a connector is added: register a spec and
// a constructor (in init, for the Default registry), then build sources
// through the registry, which validates the options first.
func Example_sourcePlugin() {
	r := connectors.NewRegistry()
	r.RegisterSource(connectors.Spec{
		Name:    "counter",
		Summary: "Counts from 0.",
		Options: []connectors.OptionSpec{{Name: "count", Kind: connectors.KindInt, Default: "3", Doc: "How many rows."}},
	}, func(cfg connectors.SourceConfig) (connectors.Source, error) {
		return &counterSource{n: 3}, nil
	})
	src, err := r.NewSource(connectors.SourceConfig{Name: "c", Schema: types.Schema{{Name: "n", Type: types.Int64}},
		With: map[string]string{"connector": "counter"}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	src.Open(ctx, nil)
	defer src.Close()
	for {
		c, err := src.Read(ctx)
		if err != nil {
			break
		}
		fmt.Println(c.Datum(0, 0))
		c.Release()
	}
	// Output:
	// 0
	// 1
	// 2
}
