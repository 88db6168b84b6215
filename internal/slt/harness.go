package slt

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// EngineHarness runs records in-process on an in-memory engine with a
// virtual clock: `sleep` advances the clock and flushes instead of waiting.
type EngineHarness struct {
	Engine  *engine.Engine
	Session *engine.Session
	// Timeout bounds each statement (default one minute).
	Timeout time.Duration

	mu     sync.Mutex
	offset time.Duration
}

var _ Harness = (*EngineHarness)(nil)
var _ Sleeper = (*EngineHarness)(nil)
var _ Counter = (*EngineHarness)(nil)

// NewEngineHarness opens a fresh in-memory engine.
func NewEngineHarness(ctx context.Context) (*EngineHarness, error) {
	h := &EngineHarness{Session: engine.NewSession(), Timeout: time.Minute}
	e, err := engine.Open(ctx, engine.Options{Clock: h.now})
	if err != nil {
		return nil, err
	}
	h.Engine = e
	return h, nil
}

func (h *EngineHarness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Add(h.offset)
}

// Close closes the engine.
func (h *EngineHarness) Close() error { return h.Engine.Close() }

// Sleep advances the virtual clock by d and flushes, so that NOW() moves on
// without waiting.
func (h *EngineHarness) Sleep(d time.Duration) {
	h.mu.Lock()
	h.offset += d
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	_ = h.Engine.Flush(ctx)
}

func (h *EngineHarness) exec(sql string) ([]*engine.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	rs, err := h.Engine.Exec(ctx, h.Session, sql)
	if err != nil {
		return rs, &codedError{sqlerr.As(err)}
	}
	return rs, nil
}

// codedError shows the SQLSTATE after the message, so expected-error
// patterns can match either.
type codedError struct{ e *sqlerr.Error }

func (c *codedError) Error() string {
	s := fmt.Sprintf("%s (SQLSTATE %s)", c.e.Message, c.e.Code)
	if c.e.Hint != "" {
		s += "\nHINT: " + c.e.Hint
	}
	return s
}

func (c *codedError) Unwrap() error { return c.e }

// Exec implements Harness.
func (h *EngineHarness) Exec(sql string) error {
	_, err := h.exec(sql)
	return err
}

// ExecCount implements Counter: the rows the last statement affected.
func (h *EngineHarness) ExecCount(sql string) (int64, error) {
	rs, err := h.exec(sql)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	return rs[len(rs)-1].RowsAffected(), nil
}

// Query implements Harness: the last statement's rows in Postgres text
// format.
func (h *EngineHarness) Query(sql string) ([]string, [][]string, error) {
	rs, err := h.exec(sql)
	if err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, nil, nil
	}
	r := rs[len(rs)-1]
	cols := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		cols[i] = c.Name
	}
	rows := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		out := make([]string, len(row))
		for j, d := range row {
			if d == nil {
				out[j] = "NULL"
				continue
			}
			t := types.Unknown
			if j < len(r.Columns) {
				t = r.Columns[j].Type
			}
			out[j] = h.Session.FormatValue(d, t)
		}
		rows[i] = out
	}
	return cols, rows, nil
}

// RunFiles runs each file on a fresh in-memory engine and adds up the
// results.
func RunFiles(ctx context.Context, files []string, opts Options) (*Result, error) {
	return RunFilesWith(ctx, files, opts, NewInproc)
}

// HarnessFactory makes a fresh harness for one file; closing it releases
// everything it started.
type HarnessFactory func(ctx context.Context) (Harness, io.Closer, error)

// NewInproc is the HarnessFactory of the in-process EngineHarness.
func NewInproc(ctx context.Context) (Harness, io.Closer, error) {
	h, err := NewEngineHarness(ctx)
	if err != nil {
		return nil, nil, err
	}
	return h, h, nil
}

// ParseHarness returns the factory named "inproc" (the default) or
// "pgwire" (an in-process pgwire server in front of a fresh engine, driven
// through pgx).
func ParseHarness(name string) (HarnessFactory, error) {
	switch strings.ToLower(name) {
	case "", "inproc", "in-process", "engine":
		return NewInproc, nil
	case "pgwire":
		return NewLocalPgwire, nil
	}
	return nil, fmt.Errorf("unknown harness %q (want inproc or pgwire)", name)
}

// RunFilesWith runs each file on a fresh harness from newHarness and adds up
// the results.
func RunFilesWith(ctx context.Context, files []string, opts Options, newHarness HarnessFactory) (*Result, error) {
	total := &Result{}
	for _, f := range files {
		h, closer, err := newHarness(ctx)
		if err != nil {
			return total, err
		}
		res, err := RunFile(h, f, opts)
		_ = closer.Close()
		if err != nil {
			total.Failed++
			total.Failures = append(total.Failures, Failure{File: f, Message: err.Error()})
			if res != nil {
				total.Add(res)
			}
			continue
		}
		total.Add(res)
	}
	return total, nil
}
