package engine

import (
	"sort"
	"strings"
	"sync"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// Result is the outcome of one statement: a command tag ("INSERT 0 3",
// "SELECT 2", "CREATE_MATERIALIZED_VIEW" …), the result columns and rows of
// statements that return rows, and notices.
type Result struct {
	Tag     string
	Columns []types.Column
	Rows    []types.Row
	Notices []string
}

// RowsAffected returns the row count in the tag (INSERT 0 n, UPDATE n,
// DELETE n, SELECT n), or 0.
func (r *Result) RowsAffected() int64 {
	f := strings.Fields(r.Tag)
	if len(f) < 2 {
		return 0
	}
	var n int64
	for _, c := range f[len(f)-1] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// Session holds the settings of one connection (SET/SHOW). It is safe for
// concurrent use, though a session normally runs one statement at a time.
type Session struct {
	mu     sync.Mutex
	params map[string]string
}

// sessionDefaults are the session parameters and their defaults.
var sessionDefaults = map[string]string{
	"rw_implicit_flush":           "false",
	"implicit_flush":              "false",
	"timezone":                    "UTC",
	"search_path":                 `"$user", public`,
	"application_name":            "",
	"client_min_messages":         "notice",
	"client_encoding":             "UTF8",
	"datestyle":                   "ISO, MDY",
	"intervalstyle":               "postgres",
	"server_version":              "13.14.0",
	"server_version_num":          "130014",
	"server_encoding":             "UTF8",
	"standard_conforming_strings": "on",
	"integer_datetimes":           "on",
	"extra_float_digits":          "1",
	"transaction_isolation":       "read committed",
	"streaming_parallelism":       "default",
	// upsert_dml is accepted and changes nothing: an INSERT of an existing
	// key of a table with a primary key always replaces the row (upsert).
	"upsert_dml":                          "false",
	"query_mode":                          "auto",
	"rw_streaming_enable_delta_join":      "false",
	"streaming_use_arrangement_backfill":  "true",
	"background_ddl":                      "false",
	"enable_two_phase_agg":                "true",
	"rw_force_two_phase_agg":              "false",
	"create_compaction_group_for_mv":      "false",
	"max_split_range_gap":                 "8",
	"bytea_output":                        "hex",
	"is_superuser":                        "on",
	"session_authorization":               "root",
	"statement_timeout":                   "0",
	"lock_timeout":                        "0",
	"idle_in_transaction_session_timeout": "0",
}

// NewSession returns a session with default settings.
func NewSession() *Session { return &Session{params: map[string]string{}} }

// Get returns a session parameter (lower-case name) and whether it is set
// or has a default.
func (s *Session) Get(name string) (string, bool) {
	name = strings.ToLower(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.params[name]; ok {
		return v, true
	}
	v, ok := sessionDefaults[name]
	return v, ok
}

// Set sets a session parameter.
func (s *Session) Set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.params[strings.ToLower(name)] = value
}

// Reset restores a parameter's default.
func (s *Session) Reset(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.params, strings.ToLower(name))
}

// TimeZone returns the session time zone.
func (s *Session) TimeZone() string {
	v, _ := s.Get("timezone")
	if v == "" {
		return "UTC"
	}
	return v
}

// ImplicitFlush reports whether DML waits until its changes are visible.
func (s *Session) ImplicitFlush() bool {
	for _, n := range []string{"rw_implicit_flush", "implicit_flush"} {
		v, _ := s.Get(n)
		if isTrue(v) {
			return true
		}
	}
	return false
}

func isTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "1", "t", "yes":
		return true
	}
	return false
}

// all returns every parameter with its current value, sorted by name.
func (s *Session) all() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]string{}
	for k, v := range sessionDefaults {
		m[k] = v
	}
	for k, v := range s.params {
		m[k] = v
	}
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// FormatValue prints d of type t as Postgres prints it to this session: a
// timestamptz in the session's TimeZone, anything else in its text form.
func (s *Session) FormatValue(d types.Datum, t types.Type) string {
	return expr.TextIn(d, t, s.TimeZone())
}
