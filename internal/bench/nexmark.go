package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// NexmarkOptions configure one Nexmark run.
type NexmarkOptions struct {
	Query  string // "q0" …
	Events int64  // events of the generator sequence (event numbers 0..Events-1)
	// Source is "gen" (the in-process nexmark generator connector, one
	// source per table) or "kafka" (the events pre-loaded as JSON into an
	// in-process kfake broker; only consumption is measured).
	Source string
	// Sink is "mv" (CREATE MATERIALIZED VIEW, the rw-e2e form) or
	// "blackhole" (CREATE SINK … connector='blackhole', the rw-ci-bench form).
	Sink        string
	Parallelism int
	BarrierMS   int
	// Ingest forces the ingestion path: "" or "auto" uses CREATE SOURCE when
	// the engine supports it and INSERT batches otherwise; "source" and
	// "insert" force one.
	Ingest string
	// Verify recomputes the query as an ad-hoc SELECT over the same events
	// loaded into plain tables, on a second engine, and compares the rows.
	Verify bool
	// Log receives progress notes (nil = discard).
	Log io.Writer
	// Brokers, for Source "kafka", is the address of a broker that already
	// holds the events (ServeKafka in another process); empty starts kfake
	// in this process.
	Brokers string
	// BrokerCPU, when set, reads the CPU time of that broker's process, so
	// that the run reports it next to (not inside) Eddy's own CPU time.
	BrokerCPU func() (time.Duration, error)
	// Measure, when set, is called with true just before the measured phase
	// starts and with false just after it ends (e.g. to profile only that
	// phase).
	Measure func(begin bool)
}

// NexmarkResult is the outcome of a run.
type NexmarkResult struct {
	Query   string
	Events  int64 // events the pipeline consumed
	Span    Span  // the measured phase
	Ingest  string
	OutRows int64 // rows in the MV at the end (-1: not readable, e.g. a sink)
	// BrokerCPU is the CPU time of the out-of-process broker during the
	// measured phase (0 when the broker ran in this process).
	BrokerCPU time.Duration
	Check     string
	CheckOK   bool
	Notes     []string
}

// Line is the summary line `eddy bench nexmark` ends with.
func (r *NexmarkResult) Line() string {
	perSec, perCPU := r.Span.Rate(r.Events)
	line := fmt.Sprintf("nexmark %s events=%d wall_s=%.3f cpu_s=%.3f events_per_s=%.0f events_per_cpu_s=%.0f peak_rss_mb=%.1f",
		r.Query, r.Events, r.Span.Wall.Seconds(), r.Span.CPU.Seconds(), perSec, perCPU, r.Span.PeakRSSMB)
	if r.BrokerCPU > 0 {
		line += fmt.Sprintf(" broker_cpu_s=%.3f", r.BrokerCPU.Seconds())
	}
	return line
}

func (o *NexmarkOptions) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// errNoSources reports that the engine rejects CREATE SOURCE.
var errNoSources = errors.New("engine does not support CREATE SOURCE yet")

// RunNexmark runs one query and measures it.
func RunNexmark(ctx context.Context, o NexmarkOptions) (*NexmarkResult, error) {
	q, err := LoadQuery(o.Query)
	if err != nil {
		return nil, err
	}
	if o.Events <= 0 {
		o.Events = 1_000_000
	}
	if o.Source == "" {
		o.Source = "gen"
	}
	if o.Sink == "" {
		o.Sink = "mv"
	}
	if o.Source != "gen" && o.Source != "kafka" {
		return nil, fmt.Errorf("unknown source %q (want gen or kafka)", o.Source)
	}
	if o.Sink != "mv" && o.Sink != "blackhole" {
		return nil, fmt.Errorf("unknown sink %q (want mv or blackhole)", o.Sink)
	}
	res := &NexmarkResult{Query: q.Name, OutRows: -1}

	var kafka *kafkaFixture
	if o.Source == "kafka" && o.Brokers != "" {
		kafka = &kafkaFixture{brokers: o.Brokers}
	} else if o.Source == "kafka" {
		o.logf("pre-loading %d events as JSON into kfake …", o.Events)
		if kafka, err = newKafkaFixture(ctx, o.Events, max(o.Parallelism, 1)); err != nil {
			return nil, err
		}
		defer kafka.close()
	}

	eng, err := engine.Open(ctx, engine.Options{BarrierInterval: time.Duration(max(o.BarrierMS, 0)) * time.Millisecond})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	sess := engine.NewSession()
	exec := func(sql string) error {
		_, err := eng.Exec(ctx, sess, sql)
		return err
	}
	if o.Parallelism > 1 {
		if err := exec(fmt.Sprintf("SET streaming_parallelism = %d", o.Parallelism)); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("--parallelism %d ignored: %v", o.Parallelism, err))
		}
	}

	ingest := o.Ingest
	if ingest == "" || ingest == "auto" || ingest == "source" {
		err := createSources(exec, q, o, kafka)
		switch {
		case err == nil:
			ingest = "source"
		case errors.Is(err, errNoSources) && ingest != "source":
			ingest = "insert"
			res.Notes = append(res.Notes, "CREATE SOURCE is not supported by the engine yet: events enter through INSERT batches (parse + plan cost included)")
		default:
			return nil, err
		}
	}
	if ingest == "insert" {
		for i, t := range nxTables {
			if q.Tables[i] {
				if err := exec(t.tableDDL()); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, s := range q.Setup {
		if err := exec(s); err != nil {
			return nil, fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	create := q.Create
	if o.Sink == "blackhole" {
		create = q.sinkForm()
	}

	ResetPeakRSS()
	if o.Measure != nil {
		o.Measure(true)
	}
	var broker0 time.Duration
	if o.BrokerCPU != nil {
		if broker0, err = o.BrokerCPU(); err != nil {
			return nil, fmt.Errorf("broker CPU: %w", err)
		}
	}
	start := Now()
	if err := exec(create); err != nil {
		return nil, fmt.Errorf("%s: %w", q.Name, err)
	}
	var end Usage
	switch ingest {
	case "source":
		res.Ingest = o.Source + " source"
		if o.Source == "kafka" {
			res.Events = o.Events
		} else {
			for i, t := range nxTables {
				if q.Tables[i] {
					res.Events += t.share(o.Events)
				}
			}
		}
		var first time.Duration
		first, err = waitRows(ctx, eng, res.Events)
		if err != nil {
			return nil, err
		}
		if err := eng.Flush(ctx); err != nil {
			return nil, err
		}
		end = Now()
		res.Notes = append(res.Notes, fmt.Sprintf("first source row entered the dataflow %.0f ms after CREATE started", ms(first)))
	default:
		res.Ingest = o.Source + " → INSERT"
		in := newInserter(q.Tables, 1024, exec)
		feed := func(c *types.Chunk) error {
			defer c.Release()
			return in.add(c)
		}
		if o.Source == "kafka" {
			err = kafka.consume(ctx, o.Events, feed)
		} else {
			err = CombinedEvents(ctx, o.Events, feed)
		}
		if err == nil {
			err = in.flush()
		}
		if err != nil {
			return nil, err
		}
		if err := eng.Flush(ctx); err != nil {
			return nil, err
		}
		end = Now()
		res.Events = in.total
		if o.Source == "kafka" {
			res.Events = o.Events
		}
	}
	if o.Measure != nil {
		o.Measure(false)
	}
	if o.BrokerCPU != nil {
		b1, err := o.BrokerCPU()
		if err != nil {
			return nil, fmt.Errorf("broker CPU: %w", err)
		}
		res.BrokerCPU = b1 - broker0
	}
	res.Span = Between(start, end)
	if n, _, nf, lastFlow := eng.Errors(); nf > 0 {
		return nil, fmt.Errorf("%s: dataflow errors: %d (last: %v)", q.Name, nf, lastFlow)
	} else if n > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d row errors (non-strict mode turned them into NULLs)", n))
	}

	if o.Sink == "blackhole" {
		res.Check = "skipped: a blackhole sink keeps no rows to compare"
		return res, nil
	}
	if !o.Verify {
		rs, err := eng.Exec(ctx, sess, "SELECT count(*) FROM "+q.MVName)
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", q.MVName, err)
		}
		if n, ok := rs[len(rs)-1].Rows[0][0].(int64); ok {
			res.OutRows = n
		}
		res.Check = "skipped (--verify=false)"
		return res, nil
	}
	got, err := queryText(ctx, eng, sess, "SELECT * FROM "+q.MVName)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", q.MVName, err)
	}
	res.OutRows = int64(len(got))
	want, err := recompute(ctx, q, o.Events)
	if err != nil {
		res.Check = "recomputation failed: " + err.Error()
		return res, nil
	}
	res.Check, res.CheckOK = compareRows(got, want, tieKeys(q.Select))
	return res, nil
}

// tieKeys returns the output positions of the ORDER BY columns of a query
// that ends in ORDER BY … LIMIT n, or nil. Under such a limit, rows that
// tie with the last row on every ORDER BY column may be swapped for one
// another: both are correct answers.
func tieKeys(sql string) []int {
	st, err := parser.ParseOne(sql)
	if err != nil {
		return nil
	}
	q, ok := st.(*parser.Query)
	if !ok || q.Limit == nil || len(q.OrderBy) == 0 {
		return nil
	}
	core, ok := q.Body.(*parser.SelectCore)
	if !ok {
		return nil
	}
	var keys []int
	for _, o := range q.OrderBy {
		ref, ok := o.Expr.(*parser.ColumnRef)
		if !ok {
			return nil
		}
		name := ref.Parts[len(ref.Parts)-1]
		pos := -1
		for i, it := range core.Items {
			item := it.Alias
			if c, ok := it.Expr.(*parser.ColumnRef); ok && item == "" {
				item = c.Parts[len(c.Parts)-1]
			}
			if item == name {
				pos = i
			}
		}
		if pos < 0 {
			return nil
		}
		keys = append(keys, pos)
	}
	return keys
}

// keyOf projects a text row ("a\tb\tc") on the given columns.
func keyOf(row string, keys []int) string {
	cols := strings.Split(row, "\t")
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k < len(cols) {
			parts[i] = cols[k]
		}
	}
	return strings.Join(parts, "\t")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// createSources declares the query's inputs as sources: one nexmark
// generator source per table, or one Kafka source of combined events and a
// view per table over it (as rw-ci-bench's ddl.sql does).
func createSources(exec func(string) error, q *Query, o NexmarkOptions, k *kafkaFixture) error {
	var stmts []string
	if o.Source == "gen" {
		for i, t := range nxTables {
			if !q.Tables[i] {
				continue
			}
			with := nexmarkWith(strings.ToUpper(t.name[:1])+t.name[1:], t.share(o.Events))
			stmts = append(stmts, "CREATE SOURCE "+t.name+" ("+t.columnDefs()+") WITH ("+withText(with)+")")
		}
	} else {
		var cols []string
		for _, c := range combinedSchema() {
			cols = append(cols, fmt.Sprintf("%q %s", c.Name, sqlType(c.Type)))
		}
		with := map[string]string{
			"connector": "kafka", "topic": kafkaTopic, "properties.bootstrap.server": k.brokers,
			"scan.startup.mode": "earliest",
		}
		stmts = append(stmts, "CREATE SOURCE nexmark ("+strings.Join(cols, ", ")+") WITH ("+withText(with)+") FORMAT PLAIN ENCODE JSON")
		for i, t := range nxTables {
			if !q.Tables[i] {
				continue
			}
			var sel []string
			for _, c := range t.cols {
				sel = append(sel, fmt.Sprintf("%q AS %s", t.name+"."+c.Name, c.Name))
			}
			stmts = append(stmts, fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM nexmark WHERE event_type = %d", t.name, strings.Join(sel, ", "), t.kind))
		}
	}
	for i, s := range stmts {
		if err := exec(s); err != nil {
			if i == 0 && sqlerr.Code(err) == sqlerr.FeatureNotSupported {
				return fmt.Errorf("%w: %v", errNoSources, err)
			}
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

func withText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s = '%s'", k, strings.ReplaceAll(m[k], "'", "''")))
	}
	return strings.Join(parts, ", ")
}

// waitRows waits until the engine's source readers have pushed n rows into
// the dataflow (engine.Sources counts the rows applied, on the stream
// loop) and returns when the first row arrived, relative to the call. The
// caller then flushes, so everything is visible at the end.
func waitRows(ctx context.Context, eng *engine.Engine, n int64) (first time.Duration, err error) {
	start := time.Now()
	deadline := start.Add(30 * time.Minute)
	for {
		var rows int64
		failed := ""
		for _, s := range eng.Sources() {
			rows += s.Rows
			if s.State == "failed" && s.Error != nil {
				failed = s.Name + ": " + s.Error.Error()
			}
		}
		if rows > 0 && first == 0 {
			first = time.Since(start)
		}
		if rows >= n {
			return first, nil
		}
		if failed != "" {
			return first, fmt.Errorf("source failed after %d of %d rows: %s", rows, n, failed)
		}
		if time.Now().After(deadline) {
			return first, fmt.Errorf("only %d of %d rows after 30 minutes", rows, n)
		}
		select {
		case <-ctx.Done():
			return first, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// queryText runs a query and returns its rows in text form, sorted.
func queryText(ctx context.Context, eng *engine.Engine, sess *engine.Session, sql string) ([]string, error) {
	rs, err := eng.Exec(ctx, sess, sql)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	r := rs[len(rs)-1]
	out := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		var b strings.Builder
		for j, d := range row {
			if j > 0 {
				b.WriteByte('\t')
			}
			if d == nil {
				b.WriteString("NULL")
			} else {
				b.WriteString(types.FormatTextTyped(d, r.Columns[j].Type))
			}
		}
		out[i] = b.String()
	}
	sort.Strings(out)
	return out, nil
}

// recompute loads the same events into the fixture tables of a fresh
// engine and runs the query as an ad-hoc SELECT.
func recompute(ctx context.Context, q *Query, events int64) ([]string, error) {
	eng, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	sess := engine.NewSession()
	exec := func(sql string) error {
		_, err := eng.Exec(ctx, sess, sql)
		return err
	}
	for i, t := range nxTables {
		if q.Tables[i] {
			if err := exec(t.tableDDL()); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range q.Setup {
		if err := exec(s); err != nil {
			return nil, err
		}
	}
	in := newInserter(q.Tables, 1024, exec)
	err = CombinedEvents(ctx, events, func(c *types.Chunk) error {
		defer c.Release()
		return in.add(c)
	})
	if err == nil {
		err = in.flush()
	}
	if err == nil {
		err = eng.Flush(ctx)
	}
	if err != nil {
		return nil, err
	}
	return queryText(ctx, eng, sess, q.Select)
}

// compareRows compares two sorted multisets of text rows. With tie keys
// (see tieKeys), rows missing and rows extra may differ when they carry
// the same ORDER BY values: ties at the LIMIT cut-off.
func compareRows(got, want []string, keys []int) (string, bool) {
	if len(got) == len(want) {
		same := true
		for i := range got {
			if got[i] != want[i] {
				same = false
				break
			}
		}
		if same {
			return fmt.Sprintf("ok: %d rows, equal to an ad-hoc SELECT over the same events", len(got)), true
		}
	}
	gm := map[string]int{}
	for _, r := range got {
		gm[r]++
	}
	for _, r := range want {
		gm[r]--
	}
	var missing, extra []string
	for r, n := range gm {
		for ; n > 0; n-- {
			extra = append(extra, r)
		}
		for ; n < 0; n++ {
			missing = append(missing, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if keys != nil && len(got) == len(want) && len(missing) == len(extra) {
		km := map[string]int{}
		for _, r := range missing {
			km[keyOf(r, keys)]++
		}
		for _, r := range extra {
			km[keyOf(r, keys)]--
		}
		tie := true
		for _, n := range km {
			if n != 0 {
				tie = false
			}
		}
		if tie {
			return fmt.Sprintf("ok: %d rows; %d rows differ from an ad-hoc SELECT only by ties at the LIMIT cut-off (equal ORDER BY values)", len(got), len(missing)), true
		}
	}
	msg := fmt.Sprintf("MISMATCH: view has %d rows, ad-hoc SELECT %d; %d missing, %d extra", len(got), len(want), len(missing), len(extra))
	if len(missing) > 0 {
		msg += "; first missing: " + missing[0]
	}
	if len(extra) > 0 {
		msg += "; first extra: " + extra[0]
	}
	return msg, false
}
