package connectors

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

var postgresConnOptions = []OptionSpec{
	{Name: "hostname", Aliases: []string{"host"}, Default: "localhost", Doc: "Postgres host."},
	{Name: "port", Kind: KindInt, Default: "5432", Doc: "Postgres port."},
	{Name: "username", Aliases: []string{"user"}, Default: "postgres", Doc: "User name."},
	{Name: "password", Secret: true, Doc: "Password (never printed)."},
	{Name: "database.name", Aliases: []string{"database", "dbname"}, Default: "postgres", Doc: "Database."},
	{Name: "schema.name", Default: "public", Doc: "Schema of the table."},
	{Name: "table.name", Required: true, Doc: "Table name."},
	{Name: "ssl.mode", Kind: KindEnum, Enum: []string{"disable", "prefer", "require"}, Default: "disable", Doc: "TLS mode."},
}

func init() {
	RegisterSink(Spec{
		Name:    "postgres",
		Summary: "Upserts rows into a Postgres table by primary key and deletes retracted rows; one transaction per epoch.",
		Options: postgresConnOptions,
	}, newPostgresSink)
}

// pgDSN builds a connection string from the connection options.
func pgDSN(o opts) string {
	u := url.URL{Scheme: "postgres", Host: o.strOr("hostname", "localhost") + ":" + o.strOr("port", "5432"),
		Path: "/" + o.strOr("database.name", "postgres")}
	if p, ok := o["password"]; ok {
		u.User = url.UserPassword(o.strOr("username", "postgres"), p)
	} else {
		u.User = url.User(o.strOr("username", "postgres"))
	}
	q := url.Values{}
	q.Set("sslmode", o.strOr("ssl.mode", "disable"))
	u.RawQuery = q.Encode()
	return u.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// postgresSink buffers an epoch's changes compacted per primary key (last
// change wins) and applies them at Commit in one transaction: DELETE for
// keys whose last change is a delete, INSERT … ON CONFLICT (pk) DO UPDATE
// for the others. Replaying an epoch is idempotent. Values are sent as text
// and cast to the column types. Without a primary key the sink only
// inserts (append-only).
type postgresSink struct {
	cfg     SinkConfig
	dsn     string
	table   string
	visible []int
	upsert  string
	del     string
	insert  string

	conn    *pgx.Conn
	pending map[string]int
	rows    []change
}

func newPostgresSink(cfg SinkConfig) (Sink, error) {
	o := opts(cfg.With)
	s := &postgresSink{cfg: cfg, dsn: pgDSN(o), visible: visibleCols(cfg.Schema), pending: map[string]int{}}
	s.table = quoteIdent(o.strOr("schema.name", "public")) + "." + quoteIdent(o.str("table.name"))
	var cols, vals, sets []string
	for i, c := range s.visible {
		col := cfg.Schema[c]
		cols = append(cols, quoteIdent(col.Name))
		vals = append(vals, fmt.Sprintf("$%d::text::%s", i+1, col.Type))
		if !containsInt(cfg.PK, c) {
			sets = append(sets, fmt.Sprintf("%s = EXCLUDED.%s", quoteIdent(col.Name), quoteIdent(col.Name)))
		}
	}
	s.insert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", s.table, strings.Join(cols, ", "), strings.Join(vals, ", "))
	if len(cfg.PK) > 0 {
		var pk, where []string
		for i, c := range cfg.PK {
			pk = append(pk, quoteIdent(cfg.Schema[c].Name))
			where = append(where, fmt.Sprintf("%s = $%d::text::%s", quoteIdent(cfg.Schema[c].Name), i+1, cfg.Schema[c].Type))
		}
		action := "DO NOTHING"
		if len(sets) > 0 {
			action = "DO UPDATE SET " + strings.Join(sets, ", ")
		}
		s.upsert = fmt.Sprintf("%s ON CONFLICT (%s) %s", s.insert, strings.Join(pk, ", "), action)
		s.del = fmt.Sprintf("DELETE FROM %s WHERE %s", s.table, strings.Join(where, " AND "))
	}
	return s, nil
}

// Open connects.
func (s *postgresSink) Open(ctx context.Context) error {
	c, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return sqlerr.Wrap(fmt.Errorf("postgres sink %q: connect: %s", s.cfg.Name, redactDSN(err.Error(), s.dsn)), sqlerr.ConnectionException)
	}
	s.conn = c
	return nil
}

// redactDSN removes a password from a message.
func redactDSN(msg, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, Redacted)
		}
	}
	return msg
}

// Write buffers the changes, compacted per primary key.
func (s *postgresSink) Write(_ context.Context, _ uint64, c *types.Chunk) error {
	for _, ch := range changes(c) {
		if len(s.cfg.PK) == 0 {
			if !ch.op.IsInsert() {
				return sqlerr.New(sqlerr.InvalidParameterValue, "postgres sink %q: a delete arrived but the sink has no primary key", s.cfg.Name)
			}
			s.rows = append(s.rows, ch)
			continue
		}
		k := string(joinKey(nil, ch.row, s.cfg.PK))
		if i, ok := s.pending[k]; ok {
			s.rows[i] = ch
		} else {
			s.pending[k] = len(s.rows)
			s.rows = append(s.rows, ch)
		}
	}
	return nil
}

func textArgs(row types.Row, cols []int) []any {
	args := make([]any, len(cols))
	for i, c := range cols {
		if row[c] != nil {
			args[i] = types.FormatText(row[c])
		}
	}
	return args
}

// Commit applies the buffered changes in one transaction.
func (s *postgresSink) Commit(ctx context.Context, epoch uint64) error {
	if s.conn == nil {
		return ErrNotConnected
	}
	if len(s.rows) > 0 {
		tx, err := s.conn.Begin(ctx)
		if err != nil {
			return sqlerr.Wrap(fmt.Errorf("postgres sink %q: begin: %w", s.cfg.Name, err), sqlerr.ConnectionException)
		}
		b := &pgx.Batch{}
		for _, ch := range s.rows {
			switch {
			case !ch.op.IsInsert():
				b.Queue(s.del, textArgs(ch.row, s.cfg.PK)...)
			case s.upsert != "":
				b.Queue(s.upsert, textArgs(ch.row, s.visible)...)
			default:
				b.Queue(s.insert, textArgs(ch.row, s.visible)...)
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("postgres sink %q: epoch %d: %w", s.cfg.Name, epoch, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("postgres sink %q: commit epoch %d: %w", s.cfg.Name, epoch, err)
		}
	}
	s.rows = s.rows[:0]
	clear(s.pending)
	return nil
}

// Close disconnects and drops uncommitted changes.
func (s *postgresSink) Close() error {
	s.rows = s.rows[:0]
	clear(s.pending)
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close(context.Background())
	s.conn = nil
	return err
}

var _ Sink = (*postgresSink)(nil)
