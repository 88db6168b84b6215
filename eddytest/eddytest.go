// Package eddytest helps tests that embed Eddy: an in-memory DB closed with
// the test, a virtual clock that drives NOW(), and a helper that waits for
// a query to return the expected rows.
package eddytest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy"
)

// Clock is a virtual clock: Now stays put until Advance moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// DefaultStart is where the clocks of Open start: 2024-01-01 00:00:00 UTC.
var DefaultStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Open returns an in-memory DB driven by a virtual clock (started at
// DefaultStart), closed when the test ends.
func Open(t testing.TB) (*eddy.DB, *Clock) {
	t.Helper()
	clock := NewClock(DefaultStart)
	db, err := eddy.Open(context.Background(), eddy.Options{Clock: clock.Now})
	if err != nil {
		t.Fatalf("eddytest.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("eddytest: close: %v", err)
		}
	})
	return db, clock
}

// Exec runs statements and fails the test on error.
func Exec(t testing.TB, db *eddy.DB, sql string, args ...any) eddy.Result {
	t.Helper()
	r, err := db.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
	return r
}

// QueryText runs a query and returns its rows in Postgres text format, one
// string per row with values separated by single spaces (NULL as "NULL").
func QueryText(t testing.TB, db *eddy.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return rowsText(rows)
}

func rowsText(rows *eddy.Rows) []string {
	var out []string
	for rows.Next() {
		out = append(out, strings.Join(rows.Text(), " "))
	}
	return out
}

// WaitFor polls query until its rows, as QueryText gives them, equal want
// (in order), or fails the test after 10 seconds.
func WaitFor(t testing.TB, db *eddy.DB, query string, want []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got []string
	for {
		rows, err := db.Query(context.Background(), query)
		if err == nil {
			got = rowsText(rows)
			if equal(got, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("WaitFor %q: %v", query, err)
			}
			t.Fatalf("WaitFor %q: got %q, want %q", query, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
