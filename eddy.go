package eddy

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Options configure a DB.
type Options struct {
	// Dir is the data directory; "" keeps everything in memory.
	Dir string
	// BarrierInterval is the time between epochs (default 100ms).
	BarrierInterval time.Duration
	// Clock, when set, gives NOW() for each epoch and statement (tests use a
	// virtual clock, see eddytest.Clock).
	Clock func() time.Time
}

// DB is an embedded Eddy engine. It is safe for concurrent use; all calls
// share one session (SET affects every caller).
type DB struct {
	e    *engine.Engine
	sess *engine.Session
}

// Open opens (or creates, or recovers) a DB.
func Open(ctx context.Context, opts Options) (*DB, error) {
	e, err := engine.Open(ctx, engine.Options{Dir: opts.Dir, BarrierInterval: opts.BarrierInterval, Clock: opts.Clock})
	if err != nil {
		return nil, err
	}
	return &DB{e: e, sess: engine.NewSession()}, nil
}

// Engine returns the underlying engine (for servers built on the DB).
func (db *DB) Engine() *engine.Engine { return db.e }

// Close flushes everything durably and closes the DB.
func (db *DB) Close() error { return db.e.Close() }

// Flush waits until every change submitted before it is visible to
// queries.
func (db *DB) Flush(ctx context.Context) error { return db.e.Flush(ctx) }

// Result describes the outcome of Exec: the command tag of the last
// statement ("INSERT 0 3", "CREATE_TABLE" …), its row count, and the
// notices of every statement.
type Result struct {
	Tag          string
	RowsAffected int64
	Notices      []string
}

// Exec runs one or more statements. Arguments replace the placeholders
// $1, $2, … as SQL literals.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (Result, error) {
	rs, err := db.run(ctx, sql, args)
	var res Result
	for _, r := range rs {
		res.Tag = r.Tag
		res.RowsAffected = r.RowsAffected()
		res.Notices = append(res.Notices, r.Notices...)
	}
	return res, err
}

func (db *DB) run(ctx context.Context, sql string, args []any) ([]*engine.Result, error) {
	if len(args) > 0 {
		var err error
		if sql, err = bindArgs(sql, args); err != nil {
			return nil, err
		}
	}
	return db.e.Exec(ctx, db.sess, sql)
}

// Query runs a query (the last statement of sql returns the rows) and
// returns its rows, read from a consistent snapshot of the last visible
// epoch.
func (db *DB) Query(ctx context.Context, sql string, args ...any) (*Rows, error) {
	rs, err := db.run(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return &Rows{i: -1}, nil
	}
	r := rs[len(rs)-1]
	return &Rows{cols: r.Columns, rows: r.Rows, i: -1, sess: db.sess}, nil
}

// Rows is the result of Query, iterated with Next:
//
//	for rows.Next() {
//		var id int64
//		var name string
//		if err := rows.Scan(&id, &name); err != nil { … }
//	}
//	err = rows.Err()
type Rows struct {
	cols []types.Column
	rows []types.Row
	i    int
	err  error
	sess *engine.Session // prints timestamptz in the session's TimeZone
}

// Columns returns the result columns.
func (r *Rows) Columns() []types.Column { return r.cols }

// Len returns the number of rows.
func (r *Rows) Len() int { return len(r.rows) }

// Next advances to the next row and reports whether there is one.
func (r *Rows) Next() bool {
	if r.i+1 >= len(r.rows) {
		r.i = len(r.rows)
		return false
	}
	r.i++
	return true
}

// Values returns the current row's values (types.Datum: nil, bool, int64,
// float64, *apd.Decimal, string, []byte, types.Date, types.Timestamp, …).
func (r *Rows) Values() []any {
	if r.i < 0 || r.i >= len(r.rows) {
		return nil
	}
	return r.rows[r.i]
}

// Text returns the current row in Postgres text format (NULL as "NULL").
func (r *Rows) Text() []string {
	vals := r.Values()
	out := make([]string, len(vals))
	for i, v := range vals {
		t := types.Unknown
		if i < len(r.cols) {
			t = r.cols[i].Type
		}
		out[i] = r.format(v, t)
	}
	return out
}

// format prints a value as the session that ran the query would.
func (r *Rows) format(v types.Datum, t types.Type) string {
	if r.sess != nil {
		return r.sess.FormatValue(v, t)
	}
	return types.FormatTextTyped(v, t)
}

// All returns every row.
func (r *Rows) All() []types.Row { return r.rows }

// Scan copies the current row into dest: pointers to int, int64, int32,
// float64, string, bool, []byte, time.Time, *apd.Decimal or any. A NULL
// sets the zero value (or nil for *any). Anything scans into *string as
// its text form.
func (r *Rows) Scan(dest ...any) error {
	vals := r.Values()
	if vals == nil {
		return fmt.Errorf("eddy: Scan called without a current row")
	}
	if len(dest) != len(vals) {
		return fmt.Errorf("eddy: Scan expects %d destinations, got %d", len(vals), len(dest))
	}
	for i, d := range dest {
		if p, ok := d.(*string); ok && vals[i] != nil {
			*p = r.format(vals[i], r.cols[i].Type)
			continue
		}
		if err := scanOne(d, vals[i], r.cols[i].Type); err != nil {
			return fmt.Errorf("eddy: column %q: %w", r.cols[i].Name, err)
		}
	}
	return nil
}

func scanOne(dest any, v types.Datum, t types.Type) error {
	switch d := dest.(type) {
	case *any:
		*d = v
		return nil
	case *string:
		if v == nil {
			*d = ""
		} else {
			*d = types.FormatTextTyped(v, t)
		}
		return nil
	}
	if v == nil {
		switch d := dest.(type) {
		case *int:
			*d = 0
		case *int64:
			*d = 0
		case *int32:
			*d = 0
		case *float64:
			*d = 0
		case *bool:
			*d = false
		case *[]byte:
			*d = nil
		case *time.Time:
			*d = time.Time{}
		case **apd.Decimal:
			*d = nil
		default:
			return fmt.Errorf("cannot scan NULL into %T", dest)
		}
		return nil
	}
	switch d := dest.(type) {
	case *int64, *int, *int32:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case float64:
			if x != math.Trunc(x) {
				return fmt.Errorf("cannot scan %v into an integer", x)
			}
			n = int64(x)
		case *apd.Decimal:
			var err error
			if n, err = x.Int64(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("cannot scan %T into %T", v, dest)
		}
		switch d := d.(type) {
		case *int64:
			*d = n
		case *int:
			*d = int(n)
		case *int32:
			*d = int32(n)
		}
	case *float64:
		switch x := v.(type) {
		case float64:
			*d = x
		case int64:
			*d = float64(x)
		case *apd.Decimal:
			f, err := x.Float64()
			if err != nil {
				return err
			}
			*d = f
		default:
			return fmt.Errorf("cannot scan %T into %T", v, dest)
		}
	case *bool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("cannot scan %T into %T", v, dest)
		}
		*d = b
	case *[]byte:
		switch x := v.(type) {
		case []byte:
			*d = append([]byte(nil), x...)
		case string:
			*d = []byte(x)
		default:
			return fmt.Errorf("cannot scan %T into %T", v, dest)
		}
	case *time.Time:
		switch x := v.(type) {
		case types.Timestamp:
			*d = time.UnixMicro(int64(x)).UTC()
		case types.Timestamptz:
			*d = time.UnixMicro(int64(x)).UTC()
		case types.Date:
			*d = time.Unix(int64(x)*86400, 0).UTC()
		default:
			return fmt.Errorf("cannot scan %T into %T", v, dest)
		}
	case **apd.Decimal:
		switch x := v.(type) {
		case *apd.Decimal:
			*d = x
		case int64:
			*d = apd.New(x, 0)
		default:
			return fmt.Errorf("cannot scan %T into %T", v, dest)
		}
	default:
		return fmt.Errorf("unsupported destination %T", dest)
	}
	return nil
}

// Err returns the error that ended the iteration, if any.
func (r *Rows) Err() error { return r.err }

// Close releases the rows (a no-op: rows are materialized).
func (r *Rows) Close() error { return nil }

// Change is one change of a subscribed materialized view: its op (insert,
// delete, or half of an update), the row, and the epoch in which it became
// visible.
type Change = engine.Change

// Subscribe streams a materialized view's changes in epoch order: first a
// batch with its current rows (as inserts), then one batch per visible
// epoch that changed it. The channel closes when ctx is done or the view is
// dropped.
func (db *DB) Subscribe(ctx context.Context, mv string) (<-chan []Change, error) {
	s, err := db.e.Subscribe(ctx, mv)
	if err != nil {
		return nil, err
	}
	return s.C, nil
}

// bindArgs replaces $N placeholders outside quotes and comments with SQL
// literals of args.
func bindArgs(sql string, args []any) (string, error) {
	lits := make([]string, len(args))
	for i, a := range args {
		l, err := literal(a)
		if err != nil {
			return "", sqlerr.New(sqlerr.DatatypeMismatch, "argument $%d: %v", i+1, err)
		}
		lits[i] = l
	}
	var b strings.Builder
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(sql) {
				j = len(sql) - 1
			}
			b.WriteString(sql[i : j+1])
			i = j
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			b.WriteString(sql[i : i+j])
			i += j - 1
		case c == '$' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(sql[i+1 : j])
			if n < 1 || n > len(args) {
				return "", sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", n)
			}
			b.WriteString(lits[n-1])
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func literal(a any) (string, error) {
	switch x := a.(type) {
	case nil:
		return "NULL", nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case int:
		return strconv.Itoa(x), nil
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprintf("%d", x), nil
	case float32:
		return "'" + strconv.FormatFloat(float64(x), 'g', -1, 32) + "'::real", nil
	case float64:
		return "'" + strconv.FormatFloat(x, 'g', -1, 64) + "'::double precision", nil
	case string:
		return quote(x), nil
	case []byte:
		return "'\\x" + hex.EncodeToString(x) + "'::bytea", nil
	case time.Time:
		return quote(x.UTC().Format("2006-01-02 15:04:05.999999")+"+00") + "::timestamptz", nil
	case time.Duration:
		return quote(fmt.Sprintf("%d microseconds", x.Microseconds())) + "::interval", nil
	case *apd.Decimal:
		return quote(x.Text('f')) + "::numeric", nil
	case fmt.Stringer:
		return quote(x.String()), nil
	}
	return "", fmt.Errorf("unsupported argument type %T", a)
}
