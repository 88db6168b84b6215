package slt

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Harness is the system under test. Query returns the result's column
// names and its rows, each value in Postgres text format with NULL as the
// string "NULL".
type Harness interface {
	Exec(sql string) error
	Query(sql string) (cols []string, rows [][]string, err error)
}

// Sleeper is an optional Harness extension for `sleep`: a harness with a
// virtual clock advances it instead of sleeping.
type Sleeper interface {
	Sleep(d time.Duration)
}

// Counter is an optional Harness extension for `statement count N`: ExecCount
// runs sql like Exec and reports the number of rows the last statement
// affected (or returned). Without it counts are not checked.
type Counter interface {
	ExecCount(sql string) (int64, error)
}

// Mode says how queries run.
type Mode int

// The query modes.
const (
	// ModeSelect runs each query as an ad-hoc SELECT.
	ModeSelect Mode = iota
	// ModeMV answers each query from a materialized view. The view is created
	// as early as possible: before the first data change that precedes the
	// query (right after the tables it reads are created), so that the
	// incremental path is the one tested. A view that cannot be created early
	// is created when the query is reached. After FLUSH the view is read and
	// dropped.
	ModeMV
)

// ParseMode parses "select" or "mv".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "", "select":
		return ModeSelect, nil
	case "mv":
		return ModeMV, nil
	}
	return 0, fmt.Errorf("unknown mode %q (want select or mv)", s)
}

// Options configure a run.
type Options struct {
	Format Format
	Mode   Mode
	// Engines are the labels onlyif/skipif match; nil means
	// {"eddy", "risingwave"} for RW files and {"postgresql", "eddy"} for
	// SQLite files.
	Engines []string
	// LaxErrors accepts any error where an error is expected, whatever its
	// message (the peer suites spell their engines' messages).
	LaxErrors bool
	// Rewrite rewrites the expected results of RisingWave-format files in
	// place from the actual output: every query that ran without error and
	// whose rows differ from the expectation gets the rows it returned.
	// Rewritten records count as Rewritten, not Failed.
	Rewrite bool
}

// Failure is one failing record.
type Failure struct {
	File    string
	Line    int
	Message string
}

func (f Failure) String() string { return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message) }

// Result counts the records of a run.
type Result struct {
	Passed  int
	Failed  int
	Skipped int
	// Rewritten counts the query records whose expected results were
	// rewritten (Options.Rewrite).
	Rewritten int
	Failures  []Failure
}

// Add adds the counts of o to r.
func (r *Result) Add(o *Result) {
	r.Passed += o.Passed
	r.Failed += o.Failed
	r.Skipped += o.Skipped
	r.Rewritten += o.Rewritten
	r.Failures = append(r.Failures, o.Failures...)
}

// RunFile runs the test file at path on h.
func RunFile(h Harness, path string, opts Options) (*Result, error) {
	recs, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	format := opts.Format
	if format == FormatAuto {
		format = FormatRW
		if strings.HasSuffix(path, ".test") {
			format = FormatSQLite
		}
	}
	engines := opts.Engines
	if engines == nil {
		if format == FormatSQLite {
			engines = []string{"postgresql", "eddy"}
		} else {
			engines = []string{"eddy", "risingwave"}
		}
	}
	// The mode is a label too, for records whose meaning differs between an
	// ad-hoc query and an MV (e.g. lookup joins): skipif eddy-mv.
	if opts.Mode == ModeMV {
		engines = append(append([]string(nil), engines...), "eddy-mv")
	} else {
		engines = append(append([]string(nil), engines...), "eddy-select")
	}
	if opts.Rewrite && format != FormatRW {
		return nil, fmt.Errorf("%s: -rewrite supports RisingWave-format files only", path)
	}
	r := &run{h: h, opts: opts, format: format, engines: engines, labels: map[string]string{}, res: &Result{}}
	r.runRecords(recs, 0)
	if err := r.applyRewrites(); err != nil {
		return r.res, err
	}
	return r.res, nil
}

type run struct {
	h        Harness
	opts     Options
	format   Format
	engines  []string
	sortMode string
	hashTh   int
	labels   map[string]string
	res      *Result
	halted   bool

	// dirty: a data change ran since the last query (SQLite files have no
	// FLUSH; their queries must see every earlier change).
	dirty bool

	// rewrite mode: the new expected lines per record
	rewrites map[rewriteKey]rewrite

	// mv mode
	mvs    map[*Record]*mvState
	mvSeq  int
	recSeq []*Record
}

func (r *run) fail(rec *Record, format string, args ...any) {
	r.res.Failed++
	r.res.Failures = append(r.res.Failures, Failure{File: rec.File, Line: rec.Line, Message: fmt.Sprintf(format, args...)})
}

func (r *run) skipped(rec *Record) bool {
	for _, c := range rec.Conditions {
		has := false
		for _, e := range r.engines {
			if strings.EqualFold(e, c.Engine) {
				has = true
			}
		}
		if c.Only != has {
			return true
		}
	}
	return false
}

func (r *run) runRecords(recs []*Record, depth int) {
	if r.opts.Mode == ModeMV && r.mvs == nil {
		r.mvs = map[*Record]*mvState{}
	}
	for idx, rec := range recs {
		if r.halted {
			return
		}
		if r.skipped(rec) {
			if rec.Kind == KindStatement || rec.Kind == KindQuery {
				r.res.Skipped++
			}
			continue
		}
		switch rec.Kind {
		case KindHalt:
			r.halted = true
			return
		case KindHashThreshold:
			r.hashTh, _ = strconv.Atoi(rec.Arg)
		case KindSortMode:
			r.sortMode = rec.Arg
		case KindSleep:
			if s, ok := r.h.(Sleeper); ok {
				s.Sleep(rec.Duration)
			} else {
				time.Sleep(rec.Duration)
			}
		case KindSystem:
			r.res.Skipped++
		case KindInclude:
			if depth > 16 {
				r.fail(rec, "include nesting too deep")
				continue
			}
			pattern := rec.Arg
			if !filepath.IsAbs(pattern) {
				pattern = filepath.Join(filepath.Dir(rec.File), pattern)
			}
			files, err := filepath.Glob(pattern)
			if err != nil || len(files) == 0 {
				r.fail(rec, "include %s: no files match", rec.Arg)
				continue
			}
			for _, f := range files {
				sub, err := ParseFile(f)
				if err != nil {
					r.fail(rec, "include %s: %v", f, err)
					continue
				}
				r.runRecords(sub, depth+1)
			}
		case KindStatement:
			// SQLite files expect a statement to see every earlier write,
			// as queries do: flush before a statement that reads tables.
			if r.dirty && readsTables(rec.SQL) {
				r.dirty = false
				if err := r.h.Exec("FLUSH"); err != nil {
					r.fail(rec, "flush: %s", oneLine(err.Error()))
					continue
				}
			}
			if r.opts.Mode == ModeMV && isDataChange(rec.SQL) {
				r.precreateMVs(recs[idx:])
			}
			var err error
			if c, ok := r.h.(Counter); ok && rec.ExpectCount >= 0 && !rec.ExpectError {
				var n int64
				n, err = c.ExecCount(rec.SQL)
				if err == nil && n != int64(rec.ExpectCount) {
					r.fail(rec, "statement count: got %d, want %d", n, rec.ExpectCount)
					break
				}
			} else {
				err = r.h.Exec(rec.SQL)
			}
			r.checkError(rec, err)
			if r.format == FormatSQLite && err == nil && isDataChange(rec.SQL) {
				r.dirty = true
			}
		case KindQuery:
			if r.dirty {
				r.dirty = false
				if err := r.h.Exec("FLUSH"); err != nil {
					r.fail(rec, "flush: %s", oneLine(err.Error()))
					continue
				}
			}
			if r.opts.Mode == ModeMV && !rec.ExpectError {
				r.precreateMVs(recs[idx:])
				r.runMVQuery(rec)
				continue
			}
			cols, rows, err := r.h.Query(rec.SQL)
			if rec.ExpectError || err != nil {
				r.checkError(rec, err)
				continue
			}
			r.checkRows(rec, cols, rows, false)
		}
	}
}

// checkError counts a statement (or failing query) by whether its error
// matches the expectation.
func (r *run) checkError(rec *Record, err error) {
	switch {
	case err == nil && !rec.ExpectError:
		r.res.Passed++
	case err == nil:
		r.fail(rec, "expected an error, got none")
	case !rec.ExpectError:
		r.fail(rec, "unexpected error: %s", oneLine(err.Error()))
	default:
		if r.opts.LaxErrors || rec.ErrorPattern == "" || errorMatches(rec.ErrorPattern, err.Error()) {
			r.res.Passed++
		} else {
			r.fail(rec, "error %q does not match %q", oneLine(err.Error()), oneLine(rec.ErrorPattern))
		}
	}
}

func errorMatches(pattern, msg string) bool {
	if strings.Contains(msg, pattern) {
		return true
	}
	if cause, ok := rwErrorCause(pattern); ok {
		return strings.Contains(msg, cause)
	}
	if re, err := regexp.Compile(pattern); err == nil && re.MatchString(msg) {
		return true
	}
	return false
}

// rwCategory is the kind prefix RisingWave puts before an error's message
// ("Invalid input syntax: ", "Bind error: ").
var rwCategory = regexp.MustCompile(`^(?:\d+: )?(?:[A-Z][a-z]*(?: [a-z]+)*: )?`)

// rwErrorCause extracts the innermost message of a RisingWave client error
// block ("db error: ERROR: Failed to run the query", blank line, "Caused
// by:", then the causes), without the cause's number and kind prefix: the
// part an engine that is not RisingWave can be expected to print.
func rwErrorCause(pattern string) (string, bool) {
	if !strings.HasPrefix(pattern, "db error:") {
		return "", false
	}
	i := strings.LastIndex(pattern, "Caused by")
	if i < 0 {
		return "", false
	}
	var last string
	for _, l := range strings.Split(pattern[i:], "\n")[1:] {
		if l = strings.TrimSpace(l); l != "" {
			last = l
		}
	}
	last = last[len(rwCategory.FindString(last)):]
	if last == "" {
		return "", false
	}
	return last, true
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// checkRows compares a query result with the record's expectation.
// unordered says the query's ORDER BY was lost (mv mode), so rows compare as
// a multiset.
func (r *run) checkRows(rec *Record, cols []string, rows [][]string, unordered bool) {
	mode := rec.SortMode
	if mode == "" {
		mode = r.sortMode
	}
	if unordered && (mode == "" || mode == "nosort") {
		mode = "rowsort"
	}
	if rec.Expected == nil && rec.Label == "" {
		if r.opts.Rewrite && r.format == FormatRW && len(rows) > 0 {
			r.addRewrite(rec, rows, mode)
			r.res.Rewritten++
			return
		}
		r.res.Passed++
		return
	}
	var got, want []string
	if r.format == FormatSQLite {
		got, want = r.sqliteValues(rec, rows, mode)
	} else {
		got, want = rwLines(rec, rows, mode)
		if r.opts.Rewrite && !equalStrings(got, want) && !(len(want) == 1 && hashLine.MatchString(want[0])) {
			r.addRewrite(rec, rows, mode)
			r.res.Rewritten++
			return
		}
	}
	if rec.Label != "" {
		h := hashValues(got)
		if prev, ok := r.labels[rec.Label]; ok && rec.Expected == nil {
			if prev != h {
				r.fail(rec, "result differs from label %s", rec.Label)
				return
			}
		}
		r.labels[rec.Label] = h
		if rec.Expected == nil {
			r.res.Passed++
			return
		}
	}
	if len(want) == 1 {
		if m := hashLine.FindStringSubmatch(want[0]); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n == len(got) && hashValues(got) == m[2] {
				r.res.Passed++
				return
			}
			r.fail(rec, "query result mismatch: got %d values hashing to %s, want %s%s", len(got), hashValues(got), want[0], preview(got))
			return
		}
	}
	if equalStrings(got, want) {
		r.res.Passed++
		return
	}
	r.fail(rec, "query result mismatch:\n--- got\n%s\n--- want\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
}

func preview(vals []string) string {
	if len(vals) > 20 {
		vals = append(vals[:20:20], "…")
	}
	return " (got: " + strings.Join(vals, " ") + ")"
}

var hashLine = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

func hashValues(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte("\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func equalStrings(a, b []string) bool {
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

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// rwValue renders a value the way sqllogictest-rs prints it.
// canonLine rewrites the tokens of a RisingWave-format result line where
// RisingWave and Postgres print the same value differently, on both sides
// of a comparison: trailing zeros of a decimal fraction ("5266.30" and
// "5266.3"; "2.0" and "2"), of fractional seconds ("00:00:20.210"), and
// a whole-hour UTC offset written with minutes ("-07:00", "+00:00")
// against Postgres's "-07". Values that differ in anything else still
// differ.
func canonLine(line string) string {
	toks := strings.Split(line, " ")
	for i, t := range toks {
		toks[i] = canonToken(t)
	}
	return strings.Join(toks, " ")
}

// offsetRe matches a time of day followed by a whole-hour UTC offset,
// with or without ":00" minutes.
var offsetRe = regexp.MustCompile(`^(.*:\d\d(?:\.\d+)?)([+-]\d\d)(?::00)?$`)

func canonToken(t string) string {
	if m := offsetRe.FindStringSubmatch(t); m != nil {
		return trimFraction(m[1]) + m[2]
	}
	return trimFraction(t)
}

// trimFraction drops trailing zeros after the decimal point of a plain
// number or a time of day ("1.50" → "1.5", "3.000" → "3").
func trimFraction(t string) string {
	dot := strings.LastIndexByte(t, '.')
	if dot < 0 || dot == len(t)-1 {
		return t
	}
	for _, c := range t[dot+1:] {
		if c < '0' || c > '9' {
			return t
		}
	}
	head := strings.TrimPrefix(t[:dot], "-")
	if head == "" {
		return t
	}
	for _, c := range head {
		if (c < '0' || c > '9') && c != ':' {
			return t
		}
	}
	frac := strings.TrimRight(t[dot+1:], "0")
	if frac == "" {
		return t[:dot]
	}
	return t[:dot+1] + frac
}

func rwValue(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// rwLines renders rows one per line and applies the sort mode to both sides.
func rwLines(rec *Record, rows [][]string, mode string) (got, want []string) {
	for _, row := range rows {
		vs := make([]string, len(row))
		for i, v := range row {
			vs[i] = rwValue(v)
		}
		got = append(got, canonLine(normalize(strings.Join(vs, " "))))
	}
	for _, l := range rec.Expected {
		want = append(want, canonLine(normalize(l)))
	}
	switch mode {
	case "rowsort":
		sort.Strings(got)
		sort.Strings(want)
	case "valuesort":
		got = splitSorted(got)
		want = splitSorted(want)
	}
	alignPrecision(got, want)
	return got, want
}

func splitSorted(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Fields(l)...)
	}
	sort.Strings(out)
	return out
}

// sqliteValues renders rows as one value per line, typed by the record's
// type letters, and applies the sort mode.
func (r *run) sqliteValues(rec *Record, rows [][]string, mode string) (got, want []string) {
	fmtRows := make([][]string, len(rows))
	for i, row := range rows {
		fr := make([]string, len(row))
		for j, v := range row {
			t := byte('T')
			if j < len(rec.Types) {
				t = rec.Types[j]
			}
			fr[j] = sqliteValue(v, t)
		}
		fmtRows[i] = fr
	}
	switch mode {
	case "rowsort":
		sort.SliceStable(fmtRows, func(a, b int) bool {
			x, y := fmtRows[a], fmtRows[b]
			for k := 0; k < len(x) && k < len(y); k++ {
				if x[k] != y[k] {
					return x[k] < y[k]
				}
			}
			return len(x) < len(y)
		})
	}
	for _, row := range fmtRows {
		got = append(got, row...)
	}
	if mode == "valuesort" {
		sort.Strings(got)
	}
	want = append(want, rec.Expected...)
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	// Some files put a whole row on one line.
	if len(want) != len(got) && len(want) == len(rows) && len(rows) > 0 && len(rows[0]) > 1 {
		var lines []string
		for _, row := range fmtRows {
			lines = append(lines, normalize(strings.Join(row, " ")))
		}
		w := make([]string, len(want))
		for i, l := range want {
			w[i] = normalize(l)
		}
		if mode == "rowsort" || mode == "valuesort" {
			sort.Strings(lines)
			sort.Strings(w)
		}
		return lines, w
	}
	if mode == "valuesort" && !(len(want) == 1 && hashLine.MatchString(want[0])) {
		sort.Strings(want)
	}
	return got, want
}

// sqliteValue formats one value for a SQLite-format result: I as an
// integer, R with three decimals, T as text with "(empty)" for "".
func sqliteValue(v string, t byte) string {
	if v == "NULL" {
		return "NULL"
	}
	switch t {
	case 'I':
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatInt(int64(f), 10)
		}
		switch v {
		case "t", "true":
			return "1"
		case "f", "false":
			return "0"
		}
		return "0"
	case 'R':
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return fmt.Sprintf("%.3f", f)
		}
		return v
	}
	if v == "" {
		return "(empty)"
	}
	b := []byte(v)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '@'
		}
	}
	return string(b)
}

func isDataChange(sql string) bool {
	s := strings.ToLower(strings.TrimSpace(stripComments(sql)))
	return strings.HasPrefix(s, "insert") || strings.HasPrefix(s, "update") || strings.HasPrefix(s, "delete")
}

// readsTables reports whether a statement reads relations (INSERT …
// SELECT, CREATE … AS SELECT and the like).
func readsTables(sql string) bool {
	return strings.Contains(strings.ToLower(stripComments(sql)), "select")
}

func stripComments(sql string) string {
	for {
		s := strings.TrimSpace(sql)
		if strings.HasPrefix(s, "--") {
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				sql = s[i+1:]
				continue
			}
			return ""
		}
		return s
	}
}
