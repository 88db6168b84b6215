package slt

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Format is the dialect of a test file.
type Format int

// The file formats.
const (
	// FormatAuto picks FormatSQLite for *.test files and FormatRW otherwise.
	FormatAuto Format = iota
	// FormatRW is the sqllogictest-rs dialect RisingWave uses: one result row
	// per line, columns separated by spaces.
	FormatRW
	// FormatSQLite is the classic SQLite dialect: one value per line, and
	// large results given as "N values hashing to MD5".
	FormatSQLite
)

// ParseFormat parses "rw", "sqlite" or "auto".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return FormatAuto, nil
	case "rw", "risingwave":
		return FormatRW, nil
	case "sqlite":
		return FormatSQLite, nil
	}
	return 0, fmt.Errorf("unknown format %q (want rw, sqlite or auto)", s)
}

// Kind is the kind of a record.
type Kind int

// The record kinds.
const (
	KindStatement Kind = iota
	KindQuery
	KindInclude
	KindHalt
	KindHashThreshold
	KindSortMode // control sortmode
	KindSleep
	KindSystem
)

// Condition is an onlyif/skipif line that applies to the next record.
type Condition struct {
	Only   bool // onlyif (else skipif)
	Engine string
}

// Record is one record of a test file.
type Record struct {
	File string
	Line int
	Kind Kind

	Conditions []Condition
	SQL        string

	// Statements and queries.
	ExpectError  bool
	ErrorPattern string // regular expression or substring; "" = any error
	ExpectCount  int    // statement count N; -1 when not given

	// Queries.
	Types    string // column type letters: I, R, T, …
	SortMode string // "", "nosort", "rowsort", "valuesort"
	Label    string
	Expected []string // the lines after ----

	// Include: the glob. HashThreshold: N. SortMode: the mode. Sleep: d.
	Arg      string
	Duration time.Duration

	// Where the record sits in its file (0-based line indexes), for
	// rewriting: SQLEnd is the line after the SQL (the "----" line when
	// Dashed); the expected lines are [ResultStart, ResultEnd).
	SQLEnd      int
	Dashed      bool
	ResultStart int
	ResultEnd   int
}

// ParseFile reads and parses a test file.
func ParseFile(path string) ([]*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(data))
}

// Parse parses the text of a test file; name is used in record positions.
func Parse(name, text string) ([]*Record, error) {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var recs []*Record
	var conds []Condition
	i := 0
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	// sqlUntil collects lines from i until a blank line or a "----" line.
	sqlBlock := func() (string, bool) {
		var b []string
		for i < len(lines) && !blank(lines[i]) {
			if strings.TrimSpace(lines[i]) == "----" {
				i++
				return strings.Join(b, "\n"), true
			}
			b = append(b, lines[i])
			i++
		}
		return strings.Join(b, "\n"), false
	}
	for i < len(lines) {
		line := lines[i]
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "#") {
			i++
			continue
		}
		lineNo := i + 1
		f := strings.Fields(trim)
		// Strip trailing comments from the header line.
		for k, w := range f {
			if strings.HasPrefix(w, "#") {
				f = f[:k]
				break
			}
		}
		i++
		rec := &Record{File: name, Line: lineNo, ExpectCount: -1}
		switch f[0] {
		case "onlyif", "skipif":
			if len(f) > 1 {
				conds = append(conds, Condition{Only: f[0] == "onlyif", Engine: f[1]})
			}
			continue
		case "connection":
			// Multi-connection tests run on the one session.
			continue
		case "statement":
			rec.Kind = KindStatement
			if len(f) > 1 {
				switch f[1] {
				case "error":
					rec.ExpectError = true
					rec.ErrorPattern = restAfter(trim, 2)
				case "count":
					if len(f) > 2 {
						rec.ExpectCount, _ = strconv.Atoi(f[2])
					}
				}
			}
			sql, dashed := sqlBlock()
			rec.SQL = sql
			rec.markSQLEnd(i, dashed)
			if dashed {
				rec.Expected = errorBlock(lines, &i)
				rec.ResultEnd = rec.ResultStart + len(rec.Expected)
				if rec.ExpectError && rec.ErrorPattern == "" {
					rec.ErrorPattern = strings.Join(rec.Expected, "\n")
				}
			}
		case "query":
			rec.Kind = KindQuery
			if len(f) > 1 && f[1] == "error" {
				rec.ExpectError = true
				rec.ErrorPattern = restAfter(trim, 2)
			} else {
				if len(f) > 1 {
					rec.Types = f[1]
				}
				for _, w := range f[min(2, len(f)):] { // a bare "query" line has no types
					switch {
					case w == "nosort" || w == "rowsort" || w == "valuesort":
						rec.SortMode = w
					case w == "retry" || w == "backoff" || isNumberish(w):
						// sqllogictest-rs "retry N backoff Ds": ignored.
					case rec.Label == "":
						rec.Label = w
					}
				}
			}
			sql, dashed := sqlBlock()
			rec.SQL = sql
			rec.markSQLEnd(i, dashed)
			if dashed {
				if rec.ExpectError {
					rec.Expected = errorBlock(lines, &i)
					rec.ResultEnd = rec.ResultStart + len(rec.Expected)
					if rec.ErrorPattern == "" {
						rec.ErrorPattern = strings.Join(rec.Expected, "\n")
					}
				} else {
					rec.Expected = []string{}
					for i < len(lines) && !blank(lines[i]) {
						rec.Expected = append(rec.Expected, lines[i])
						i++
					}
					rec.ResultEnd = i
				}
			}
		case "include":
			rec.Kind = KindInclude
			rec.Arg = restAfter(trim, 1)
		case "halt":
			rec.Kind = KindHalt
		case "hash-threshold":
			rec.Kind = KindHashThreshold
			if len(f) > 1 {
				rec.Arg = f[1]
			}
		case "control":
			if len(f) >= 3 && f[1] == "sortmode" {
				rec.Kind = KindSortMode
				rec.Arg = f[2]
			} else {
				conds = nil
				continue
			}
		case "sleep":
			rec.Kind = KindSleep
			if len(f) > 1 {
				d, err := time.ParseDuration(f[1])
				if err != nil {
					return nil, fmt.Errorf("%s:%d: bad sleep duration %q", name, lineNo, f[1])
				}
				rec.Duration = d
			}
		case "system":
			rec.Kind = KindSystem
			for i < len(lines) && !blank(lines[i]) {
				i++
			}
		default:
			// Unknown directives (subtest, let, …) are skipped with their block.
			for i < len(lines) && !blank(lines[i]) {
				i++
			}
			conds = nil
			continue
		}
		rec.Conditions = conds
		conds = nil
		recs = append(recs, rec)
	}
	return recs, nil
}

// markSQLEnd records where the SQL block ended: i is the line after it (after
// the "----" line when dashed).
func (rec *Record) markSQLEnd(i int, dashed bool) {
	rec.Dashed = dashed
	rec.SQLEnd = i
	if dashed {
		rec.SQLEnd = i - 1
	}
	rec.ResultStart = i
	rec.ResultEnd = i
}

// errorBlock reads an expected error message after ----: it ends at two
// consecutive blank lines (sqllogictest-rs multi-line errors) or at EOF.
func errorBlock(lines []string, i *int) []string {
	var out []string
	for *i < len(lines) {
		l := lines[*i]
		if strings.TrimSpace(l) == "" {
			if *i+1 >= len(lines) || strings.TrimSpace(lines[*i+1]) == "" {
				*i += 2
				break
			}
			// A single blank line followed by a new record header ends it too.
			if isHeader(lines[*i+1]) {
				*i++
				break
			}
		}
		out = append(out, l)
		*i++
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return out
}

func isHeader(l string) bool {
	f := strings.Fields(l)
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "statement", "query", "include", "halt", "hash-threshold", "control", "sleep", "system", "onlyif", "skipif":
		return true
	}
	return false
}

func isNumberish(w string) bool {
	if w == "" {
		return false
	}
	if _, err := strconv.Atoi(w); err == nil {
		return true
	}
	_, err := time.ParseDuration(w)
	return err == nil
}

// restAfter returns the text of line after its first n whitespace-separated
// words.
func restAfter(line string, n int) string {
	s := strings.TrimSpace(line)
	for k := 0; k < n; k++ {
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			return ""
		}
		s = strings.TrimSpace(s[j:])
	}
	return s
}
