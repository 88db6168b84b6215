package connectors

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// The postgres-cdc connector reads a Postgres table (or several, through a
// shared source) by logical replication with the built-in pgoutput plugin.
//
// # Position and delivery
//
// The position of a table is an LSN: the end LSN of the last upstream
// transaction whose changes Read has fully returned (Offsets {"lsn":
// "0/16B3748", "snapshot_done": "true"}). Offsets never point inside a
// transaction. The replication slot's confirmed_flush_lsn moves only when the
// engine calls Ack with the offsets of a durable checkpoint, so after a crash
// the slot still holds every change after the stored LSN; Open(offsets)
// restarts replication there and skips every transaction that committed
// before it. A checkpoint may still contain the first chunks of a large
// transaction (its offsets then point before it): replaying the whole
// transaction is harmless because changes are upserts (below).
//
// # Initial snapshot
//
// On the first Open (no offsets) the publication is created or extended,
// the slot is created with EXPORT_SNAPSHOT, and the table is read in batches
// through a cursor in a REPEATABLE READ transaction that imports the
// exported snapshot; streaming then starts at the slot's consistent point.
// The snapshot contains exactly the transactions that committed before that
// point and the stream exactly those that committed after it, so there is
// neither gap nor duplicate at the handoff. While the snapshot runs, Offsets
// say snapshot_done=false; a restart then redoes the snapshot: it takes a
// fresh snapshot at a new consistent point L (through a TEMPORARY slot that
// exports it) and streams the existing slot from its confirmed position,
// skipping every transaction that committed before L. The same mechanism
// adds a table to a shared source that is already streaming, and handles a
// slot that exists when there are no offsets.
//
// # Change mapping (upsert semantics)
//
// A CDC table has a primary key and upsert semantics, so inserts and updates
// are both emitted as Insert of the new row, and deletes as Delete of a row
// that carries the key columns (the others NULL): the table materialisation
// (ConflictOverwrite) finds the old row by key. When an update changes the
// key (the old key tuple is present and differs), a Delete of the old key
// precedes the Insert. The Eddy primary key must therefore be covered by the
// upstream replica identity (the upstream primary key by default, or
// REPLICA IDENTITY FULL); Open checks it.
//
// An unchanged TOASTed value (a large text, jsonb or bytea column that an
// UPDATE did not touch) is not sent by Postgres. It is taken from the old
// tuple when the table has REPLICA IDENTITY FULL; otherwise the update
// cannot be represented and the change is reported to the error sink and
// skipped. Use REPLICA IDENTITY FULL for tables with large values that are
// updated. TRUNCATE cannot be replicated (no rows are sent) and stops the
// source with an error. Values that do not parse as the Eddy column type are
// reported to the error sink and the row is skipped.
//
// # Shared sources
//
// NewSharedPostgresCDC builds one replication stream (one slot, one
// publication listing every table) that Table splits into per-table
// sources. See SharedPostgresCDC.

var postgresCDCOptions = []OptionSpec{
	{Name: "hostname", Aliases: []string{"host"}, Required: true, Doc: "Postgres host."},
	{Name: "port", Kind: KindInt, Default: "5432", Doc: "Postgres port."},
	{Name: "username", Aliases: []string{"user"}, Required: true, Doc: "User name; needs the REPLICATION attribute (or superuser) and SELECT on the table."},
	{Name: "password", Secret: true, Doc: "Password (never printed)."},
	{Name: "database.name", Aliases: []string{"database", "dbname"}, Required: true, Doc: "Database."},
	{Name: "schema.name", Default: "public", Doc: "Schema of the upstream table."},
	{Name: "table.name", Doc: "Upstream table (required unless the source is shared and tables name it with FROM source TABLE 'schema.table')."},
	{Name: "slot.name", Doc: "Logical replication slot (letters, digits, underscores); default eddy_<source name>."},
	{Name: "publication.name", Default: "eddy_pub", Doc: "Publication the slot streams."},
	{Name: "publication.create.enable", Kind: KindBool, Default: "true",
		Doc: "Create the publication, or add the table to it, when needed; when false both must already be set up."},
	{Name: "ssl.mode", Kind: KindEnum, Enum: []string{"disable", "prefer", "require", "verify-ca", "verify-full"}, Doc: "TLS mode (default disable)."},
}

func init() {
	RegisterSource(Spec{
		Name: "postgres-cdc",
		Summary: "Reads a Postgres table by logical replication (pgoutput): an initial consistent snapshot, then every " +
			"committed change, without gap or duplicate. Inserts and updates are upserts, deletes carry the key. The LSN lives in " +
			"Eddy's checkpoints and is confirmed to the replication slot only once the checkpoint is durable. " +
			"REPLICA IDENTITY FULL is needed for updated tables with large (TOASTed) values; TRUNCATE stops the source.",
		Options: postgresCDCOptions,
	}, newPostgresCDCSource)
}

// pgcdcConfig is the validated connection part of a postgres-cdc
// configuration.
type pgcdcConfig struct {
	name      string
	dsn       string
	schema    string
	table     string
	slot      string
	pub       string
	createPub bool
	errors    ErrorSink
}

var slotNameRE = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

// sanitizeSlotName turns a source name into a valid slot name.
func sanitizeSlotName(name string) string {
	var b strings.Builder
	b.WriteString("eddy_")
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

func parsePGCDCConfig(cfg SourceConfig) (pgcdcConfig, error) {
	o := opts(cfg.With)
	c := pgcdcConfig{name: cfg.Name, errors: cfg.Errors}
	for _, k := range []string{"hostname", "username", "database.name"} {
		if strings.TrimSpace(o.str(k)) == "" {
			return c, sqlerr.New(sqlerr.InvalidParameterValue, "postgres-cdc source %q: option %q must not be empty", cfg.Name, k)
		}
	}
	if _, err := o.int("port", 5432); err != nil {
		return c, err
	}
	c.dsn = pgDSN(o)
	c.schema = o.strOr("schema.name", "public")
	c.table = o.str("table.name")
	c.slot = o.str("slot.name")
	if c.slot == "" {
		c.slot = sanitizeSlotName(cfg.Name)
	} else if !slotNameRE.MatchString(c.slot) {
		return c, sqlerr.New(sqlerr.InvalidParameterValue, "postgres-cdc source %q: invalid slot.name %q: use 1 to 63 lower-case letters, digits and underscores", cfg.Name, c.slot)
	}
	c.pub = o.strOr("publication.name", "eddy_pub")
	var err error
	if c.createPub, err = o.bool("publication.create.enable", true); err != nil {
		return c, err
	}
	if _, err := pgconn.ParseConfig(c.dsn); err != nil {
		return c, sqlerr.New(sqlerr.InvalidParameterValue, "postgres-cdc source %q: bad connection options: %s", cfg.Name, redactErr(err, o))
	}
	return c, nil
}

// redactErr returns err's text with any secret value removed.
func redactErr(err error, o opts) string {
	s := err.Error()
	if p := o.str("password"); p != "" {
		s = strings.ReplaceAll(s, p, Redacted)
	}
	return s
}

func checkCDCSchema(name string, schema types.Schema, pk []int) error {
	if len(schema) == 0 {
		return sqlerr.New(sqlerr.InvalidParameterValue, "postgres-cdc table %q has no columns", name)
	}
	if len(pk) == 0 {
		return sqlerr.New(sqlerr.InvalidObjectDefinition, "postgres-cdc table %q needs a PRIMARY KEY (changes are upserts and deletes by key)", name)
	}
	for _, p := range pk {
		if p < 0 || p >= len(schema) {
			return sqlerr.New(sqlerr.InvalidParameterValue, "postgres-cdc table %q: primary key position %d out of range", name, p)
		}
	}
	return nil
}

// newPostgresCDCSource is the single-table form: a shared stream with one
// table, owned by the returned source.
func newPostgresCDCSource(cfg SourceConfig) (Source, error) {
	if len(cfg.Include) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "postgres-cdc source %q: INCLUDE columns are not supported", cfg.Name)
	}
	c, err := parsePGCDCConfig(cfg)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.table) == "" {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "missing required option \"table.name\" for source connector \"postgres-cdc\"").
			WithHint("Name the upstream table, or create a shared source and use CREATE TABLE … FROM source TABLE 'schema.table'.")
	}
	if err := checkCDCSchema(cfg.Name, cfg.Schema, cfg.PK); err != nil {
		return nil, err
	}
	sh := &SharedPostgresCDC{cfg: c}
	t := sh.newTable(c.schema, c.table, cfg.Schema, cfg.PK)
	t.owner = true
	return t, nil
}

// SharedPostgresCDC is one logical replication stream (one slot, one
// publication) shared by several CDC tables, for
//
//	CREATE SOURCE pg WITH (connector='postgres-cdc', hostname=…, …);
//	CREATE TABLE products (…, PRIMARY KEY (id)) FROM pg TABLE 'public.products';
//
// The engine builds one SharedPostgresCDC per CREATE SOURCE (after
// validating its options with Registry.Validate(KindSource,
// "postgres-cdc", with)) and calls Table for each CREATE TABLE … FROM it;
// every returned Source is then driven like any other source (Open with
// that table's stored offsets, Read, Offsets, Ack, Close) and its offsets
// are stored per table. The stream is started by the first table that
// needs it and stopped when the last table is closed (or by Close).
//
// Tables that are opened together before any streaming (the first CREATE,
// or recovery) share the slot's exported snapshot; a table added while the
// stream runs takes its own snapshot through a temporary slot and joins
// the stream at that snapshot's consistent point (the stream pauses while
// that snapshot is read if the new table's queue fills up). Each table
// filters the stream by its own LSN, so tables may be at different
// positions; the slot is confirmed only up to the smallest LSN acknowledged
// by all tables made by Table and not closed yet: while one of them is not
// open, the slot is not confirmed at all. So on recovery the engine must
// call Table for every table of the source before it opens (and acks) any
// of them. The stream restarts at the smallest stored LSN (a table opened
// later with an older LSN restarts the stream; each table skips what it
// already has).
type SharedPostgresCDC struct {
	cfg pgcdcConfig

	mu         sync.Mutex
	registered map[*pgCDCTable]bool // every table made by Table and not closed
	attached   map[*pgCDCTable]bool // the open ones
	admin      *pgx.Conn            // metadata and publication management
	repl       *pgconn.PgConn       // replication connection while not streaming

	exportSnap string // exported snapshot usable until streaming starts
	exportLSN  pglogrepl.LSN

	stream *pgcdcStream                // nil when not streaming
	tables atomic.Pointer[pgcdcTables] // attached tables, for the stream goroutine
	target atomic.Uint64               // smallest acknowledged floor: what the slot may be confirmed to
	gen    atomic.Int64                // bumped when the set of tables changes
}

type pgcdcSlotState struct {
	exists    bool
	plugin    string
	walStatus string
	confirmed pglogrepl.LSN
	active    bool
}

// NewSharedPostgresCDC validates cfg (its With options against the
// postgres-cdc spec of the Default registry; table.name is ignored) and
// returns a shared source. cfg.Schema and cfg.PK are not used: each Table
// has its own. It does not connect.
func NewSharedPostgresCDC(cfg SourceConfig) (*SharedPostgresCDC, error) {
	with := map[string]string{}
	for k, v := range cfg.With {
		with[strings.ToLower(k)] = v
	}
	with["connector"] = "postgres-cdc"
	if err := Default.Validate(KindSource, "postgres-cdc", with); err != nil {
		return nil, err
	}
	spec, _ := Default.Lookup(KindSource, "postgres-cdc")
	cfg.With = applyDefaults(spec, with)
	c, err := parsePGCDCConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &SharedPostgresCDC{cfg: c}, nil
}

// Table returns the source of one upstream table, named "schema.table" or
// "table" (the source's schema.name), with the Eddy table's columns and
// primary key. Columns are matched by name (case-insensitively). It does not
// connect; Open checks the upstream table.
func (s *SharedPostgresCDC) Table(name string, schema types.Schema, pk []int) (Source, error) {
	ns, rel := s.cfg.schema, name
	if i := strings.IndexByte(name, '.'); i >= 0 {
		ns, rel = name[:i], name[i+1:]
	}
	ns, rel = strings.Trim(ns, `"`), strings.Trim(rel, `"`)
	if rel == "" || ns == "" {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "postgres-cdc source %q: bad upstream table name %q (want 'schema.table')", s.cfg.name, name)
	}
	if err := checkCDCSchema(name, schema, pk); err != nil {
		return nil, err
	}
	return s.newTable(ns, rel, schema, pk), nil
}

// Close stops the stream and closes every connection; open tables fail
// their next Read.
func (s *SharedPostgresCDC) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopStreamLocked()
	s.closeConnsLocked()
	return nil
}

func (s *SharedPostgresCDC) closeConnsLocked() {
	if s.repl != nil {
		s.repl.Close(context.Background())
		s.repl = nil
	}
	if s.admin != nil {
		s.admin.Close(context.Background())
		s.admin = nil
	}
	s.exportSnap = ""
}

func (s *SharedPostgresCDC) errorf(code, format string, args ...any) error {
	return sqlerr.New(code, "postgres-cdc source %q: %s", s.cfg.name, fmt.Sprintf(format, args...))
}

var (
	_ Source        = (*pgCDCTable)(nil)
	_ Acker         = (*pgCDCTable)(nil)
	_ StatsReporter = (*pgCDCTable)(nil)
)
