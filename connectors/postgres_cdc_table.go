package connectors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

const (
	pgcdcChunkRows = 1024
	pgcdcQueueLen  = 64
)

// pgcdcSessionParams fix the text output of values (for both the snapshot
// and the replication connections) to forms expr.ParseText reads.
var pgcdcSessionParams = map[string]string{
	"DateStyle":          "ISO, MDY",
	"TimeZone":           "UTC",
	"IntervalStyle":      "postgres",
	"extra_float_digits": "3",
	"bytea_output":       "hex",
	"application_name":   "eddy-cdc",
}

// pgCDCTable is the Source of one upstream table of a SharedPostgresCDC.
type pgCDCTable struct {
	sh     *SharedPostgresCDC
	owner  bool // single-table form: closing the table closes sh
	ns     string
	rel    string
	schema types.Schema
	pk     []int
	types  []types.Type
	mods   *format.TypeMods // the columns' type modifiers; nil when none

	// Set by Open (attach), read by the stream goroutine under sh.mu or
	// through the relation cache.
	upNS, upRel string   // resolved upstream names
	upCols      []string // upstream column name per Eddy column
	fullIdent   bool
	queue       chan pgcdcItem
	floor       pglogrepl.LSN // guarded by sh.mu: what the slot may be confirmed to for this table

	// Driver-side state.
	open     bool
	snap     *pgcdcSnapshot
	snapDone bool
	pos      pglogrepl.LSN // end LSN of the last transaction fully returned
	failed   error
	builder  *format.Builder

	rows, bad atomic.Int64
}

// pgcdcItem is what the stream goroutine hands a table: changes of one
// transaction (commit = the transaction's commit LSN; end > 0 on the last
// item of the transaction), or a progress mark (commit 0, end = a position
// every earlier change has been delivered before), or an error.
type pgcdcItem struct {
	chunk  *types.Chunk
	commit pglogrepl.LSN
	end    pglogrepl.LSN
	err    error
}

func (s *SharedPostgresCDC) newTable(ns, rel string, schema types.Schema, pk []int) *pgCDCTable {
	t := &pgCDCTable{sh: s, ns: ns, rel: rel, schema: schema, pk: pk, types: schema.Types(), mods: format.NewTypeMods(schema)}
	s.mu.Lock()
	if s.registered == nil {
		s.registered = map[*pgCDCTable]bool{}
	}
	s.registered[t] = true
	s.mu.Unlock()
	return t
}

func (t *pgCDCTable) qualified() string {
	if t.upRel != "" {
		return t.upNS + "." + t.upRel
	}
	return t.ns + "." + t.rel
}

// Open checks the upstream table, sets up the publication and the slot,
// and either starts the snapshot (no offsets, or an unfinished snapshot) or
// positions the table at the stored LSN.
func (t *pgCDCTable) Open(ctx context.Context, offsets Offsets) error {
	if t.open {
		return errors.New("postgres-cdc source: already open")
	}
	var stored pglogrepl.LSN
	resume := false
	if offsets != nil && offsets["lsn"] != "" {
		lsn, err := pglogrepl.ParseLSN(offsets["lsn"])
		if err != nil {
			return t.sh.errorf(sqlerr.InvalidParameterValue, "bad stored LSN %q for table %s", offsets["lsn"], t.qualified())
		}
		stored = lsn
		resume = offsets["snapshot_done"] == "true"
	}
	t.builder = format.NewBuilder(t.types)
	if err := t.sh.attach(ctx, t, resume, stored); err != nil {
		t.builder.Release()
		t.builder = nil
		if t.owner {
			t.sh.Close()
		}
		return err
	}
	t.open = true
	t.failed = nil
	return nil
}

// Offsets returns {"lsn": <end LSN of the last transaction fully
// returned>, "snapshot_done": "true"|"false"}.
func (t *pgCDCTable) Offsets() Offsets {
	if !t.open {
		return nil
	}
	done := "false"
	if t.snapDone {
		done = "true"
	}
	return Offsets{"lsn": t.pos.String(), "snapshot_done": done}
}

// Stats returns the table's counters.
func (t *pgCDCTable) Stats() SourceStats {
	return SourceStats{Rows: t.rows.Load(), BadMessages: t.bad.Load()}
}

// Ack lets the slot discard WAL up to the offsets' LSN (once every table of
// a shared source has acknowledged it). Offsets of an unfinished snapshot
// are ignored.
func (t *pgCDCTable) Ack(ctx context.Context, offsets Offsets) error {
	if offsets["snapshot_done"] != "true" || offsets["lsn"] == "" {
		return nil
	}
	lsn, err := pglogrepl.ParseLSN(offsets["lsn"])
	if err != nil {
		return t.sh.errorf(sqlerr.InvalidParameterValue, "bad LSN %q in acknowledged offsets", offsets["lsn"])
	}
	t.sh.ack(t, lsn)
	return nil
}

// Read returns the next snapshot batch, then the next streamed changes.
func (t *pgCDCTable) Read(ctx context.Context) (*types.Chunk, error) {
	if !t.open {
		return nil, ErrNotConnected
	}
	if t.failed != nil {
		return nil, t.failed
	}
	if t.snap != nil {
		c, err := t.readSnapshot(ctx)
		if err != nil || c != nil {
			return c, err
		}
	}
	for {
		q, done, err := t.sh.ensureStreaming(ctx, t)
		if err != nil {
			t.failed = err
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-done:
			// The stream stopped: take what it queued first.
			select {
			case it := <-q:
				if c, err := t.take(it); c != nil || err != nil {
					return c, err
				}
				continue
			default:
			}
			if err := t.sh.streamError(done); err != nil {
				t.failed = err
				return nil, err
			}
			continue // restarted (rewind): pick up the new stream
		case it := <-q:
			if c, err := t.take(it); c != nil || err != nil {
				return c, err
			}
		}
	}
}

// take applies one queued item: it skips transactions that committed
// before the table's position and advances the position past completed
// transactions and progress marks.
func (t *pgCDCTable) take(it pgcdcItem) (*types.Chunk, error) {
	if it.err != nil {
		t.failed = it.err
		if it.chunk != nil {
			it.chunk.Release()
		}
		return nil, it.err
	}
	if it.commit != 0 && it.commit < t.pos {
		if it.chunk != nil {
			it.chunk.Release()
		}
		return nil, nil
	}
	if it.end > t.pos {
		t.pos = it.end
	}
	if it.chunk != nil {
		t.rows.Add(int64(it.chunk.NumRows()))
	}
	return it.chunk, nil
}

// Close releases the table (and, for the single-table form, the stream and
// its connections).
func (t *pgCDCTable) Close() error {
	if t.snap != nil {
		t.snap.close()
		t.snap = nil
	}
	t.sh.detach(t)
	if t.owner {
		t.sh.Close()
	}
	if t.builder != nil {
		t.builder.Release()
		t.builder = nil
	}
	t.open = false
	return nil
}

// --- attach: metadata, publication, slot, snapshot ---

func (s *SharedPostgresCDC) connectAdminLocked(ctx context.Context) error {
	if s.admin != nil && !s.admin.IsClosed() {
		return nil
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	s.admin = conn
	return nil
}

func (s *SharedPostgresCDC) connect(ctx context.Context) (*pgx.Conn, error) {
	pc, err := pgx.ParseConfig(s.cfg.dsn)
	if err != nil {
		return nil, s.errorf(sqlerr.InvalidParameterValue, "bad connection options")
	}
	for k, v := range pgcdcSessionParams {
		pc.RuntimeParams[k] = v
	}
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, s.errorf(sqlerr.ConnectionException, "cannot connect to Postgres at %s:%d/%s: %s", pc.Host, pc.Port, pc.Database, s.scrub(err))
	}
	return conn, nil
}

func (s *SharedPostgresCDC) connectRepl(ctx context.Context) (*pgconn.PgConn, error) {
	pc, err := pgconn.ParseConfig(s.cfg.dsn)
	if err != nil {
		return nil, s.errorf(sqlerr.InvalidParameterValue, "bad connection options")
	}
	for k, v := range pgcdcSessionParams {
		pc.RuntimeParams[k] = v
	}
	pc.RuntimeParams["replication"] = "database"
	conn, err := pgconn.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, s.errorf(sqlerr.ConnectionException, "cannot open a replication connection to %s:%d/%s: %s", pc.Host, pc.Port, pc.Database, s.scrub(err))
	}
	return conn, nil
}

// scrub removes the password from an error's text.
func (s *SharedPostgresCDC) scrub(err error) string {
	pc, perr := pgconn.ParseConfig(s.cfg.dsn)
	msg := err.Error()
	if perr == nil && pc.Password != "" {
		msg = strings.ReplaceAll(msg, pc.Password, Redacted)
	}
	return msg
}

type pgUpCol struct {
	name     string
	typname  string
	category string
	elem     string
	ident    bool // part of the replica identity
}

// describeLocked resolves the upstream table and maps and checks t's
// columns.
func (s *SharedPostgresCDC) describeLocked(ctx context.Context, t *pgCDCTable) error {
	var oid uint32
	var ns, rel, ident string
	err := s.admin.QueryRow(ctx, `
SELECT c.oid, n.nspname, c.relname, c.relreplident::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND lower(n.nspname) = lower($1) AND lower(c.relname) = lower($2)
ORDER BY (n.nspname = $1 AND c.relname = $2) DESC, (c.relname = $2) DESC LIMIT 1`, t.ns, t.rel).Scan(&oid, &ns, &rel, &ident)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.errorf(sqlerr.UndefinedTable, "upstream table %s.%s does not exist in database %q", t.ns, t.rel, dbName(s.cfg.dsn))
	}
	if err != nil {
		return s.errorf(sqlerr.ConnectionException, "cannot look up upstream table %s.%s: %s", t.ns, t.rel, s.scrub(err))
	}
	rows, err := s.admin.Query(ctx, `
SELECT a.attname, t.typname, t.typcategory::text, coalesce(et.typname, ''),
       CASE $2 WHEN 'f' THEN true
               WHEN 'n' THEN false
               ELSE EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY(i.indkey)
                            AND CASE $2 WHEN 'd' THEN i.indisprimary ELSE i.indisreplident END) END
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`, oid, ident)
	if err != nil {
		return s.errorf(sqlerr.ConnectionException, "cannot read the columns of %s.%s: %s", ns, rel, s.scrub(err))
	}
	var cols []pgUpCol
	for rows.Next() {
		var c pgUpCol
		if err := rows.Scan(&c.name, &c.typname, &c.category, &c.elem, &c.ident); err != nil {
			rows.Close()
			return s.errorf(sqlerr.ConnectionException, "cannot read the columns of %s.%s: %v", ns, rel, err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.errorf(sqlerr.ConnectionException, "cannot read the columns of %s.%s: %s", ns, rel, s.scrub(err))
	}
	qual := ns + "." + rel
	t.upNS, t.upRel, t.fullIdent = ns, rel, ident == "f"
	t.upCols = make([]string, len(t.schema))
	var problems []string
	for i, col := range t.schema {
		j := matchColumn(col.Name, cols, func(c pgUpCol) string { return c.name })
		if j < 0 {
			problems = append(problems, fmt.Sprintf("column %q does not exist upstream", col.Name))
			continue
		}
		up := cols[j]
		if !pgTypeCompatible(col.Type, up) {
			problems = append(problems, fmt.Sprintf("column %q has type %s in Eddy but %s upstream", col.Name, col.Type, pgTypeLabel(up)))
			continue
		}
		t.upCols[i] = up.name
	}
	if len(problems) > 0 {
		return s.errorf(sqlerr.DatatypeMismatch, "table %q does not match upstream table %s: %s", t.ns+"."+t.rel, qual, strings.Join(problems, "; "))
	}
	if ident == "n" {
		return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "upstream table %s has REPLICA IDENTITY NOTHING: updates and deletes cannot be replicated; use ALTER TABLE %s REPLICA IDENTITY DEFAULT (with a primary key) or FULL", qual, qual)
	}
	for _, p := range t.pk {
		j := matchColumn(t.schema[p].Name, cols, func(c pgUpCol) string { return c.name })
		if !cols[j].ident {
			return s.errorf(sqlerr.ObjectNotInPrerequisiteState,
				"primary key column %q is not part of the replica identity of upstream table %s, so deletes would not carry it; make the Eddy primary key the upstream primary key, or run ALTER TABLE %s REPLICA IDENTITY FULL",
				t.schema[p].Name, qual, qual)
		}
	}
	return nil
}

func dbName(dsn string) string {
	if pc, err := pgconn.ParseConfig(dsn); err == nil {
		return pc.Database
	}
	return ""
}

// matchColumn finds name among items: an exact match wins, else a unique
// case-insensitive one.
func matchColumn[T any](name string, items []T, key func(T) string) int {
	found := -1
	for i, it := range items {
		k := key(it)
		if k == name {
			return i
		}
		if strings.EqualFold(k, name) && found < 0 {
			found = i
		}
	}
	return found
}

func pgTypeLabel(c pgUpCol) string {
	if c.category == "A" {
		return c.elem + "[]"
	}
	return c.typname
}

// pgKindCompatible reports whether values of the Postgres type typname
// (category cat) can be read as Eddy kind k through their text form.
func pgKindCompatible(k types.Kind, typname, cat string) bool {
	switch k {
	case types.KindVarchar:
		return cat != "A" // every scalar has a text form
	case types.KindBool:
		return typname == "bool"
	case types.KindInt16, types.KindInt32, types.KindInt64:
		switch typname {
		case "int2", "int4", "int8", "oid":
			return true
		}
	case types.KindFloat32, types.KindFloat64, types.KindNumeric:
		switch typname {
		case "int2", "int4", "int8", "float4", "float8", "numeric", "oid":
			return true
		}
	case types.KindBytea:
		return typname == "bytea"
	case types.KindDate:
		return typname == "date"
	case types.KindTime:
		return typname == "time"
	case types.KindTimestamp:
		return typname == "timestamp"
	case types.KindTimestamptz:
		return typname == "timestamptz" || typname == "timestamp"
	case types.KindInterval:
		return typname == "interval"
	case types.KindJSONB:
		return typname == "jsonb" || typname == "json"
	}
	return false
}

func pgTypeCompatible(t types.Type, c pgUpCol) bool {
	if t.Kind == types.KindArray {
		return c.category == "A" && pgKindCompatible(t.Elem, c.elem, "")
	}
	if c.category == "A" {
		return false
	}
	return pgKindCompatible(t.Kind, c.typname, c.category)
}

// publicationLocked makes sure the publication streams t's table.
func (s *SharedPostgresCDC) publicationLocked(ctx context.Context, t *pgCDCTable) error {
	pub, qual := s.cfg.pub, quoteIdent(t.upNS)+"."+quoteIdent(t.upRel)
	var all, ins, upd, del bool
	err := s.admin.QueryRow(ctx, `SELECT puballtables, pubinsert, pubupdate, pubdelete FROM pg_publication WHERE pubname = $1`, pub).Scan(&all, &ins, &upd, &del)
	if errors.Is(err, pgx.ErrNoRows) {
		if !s.cfg.createPub {
			return s.errorf(sqlerr.UndefinedObject, "publication %q does not exist and publication.create.enable is false; run CREATE PUBLICATION %s FOR TABLE %s", pub, quoteIdent(pub), qual)
		}
		if _, err := s.admin.Exec(ctx, "CREATE PUBLICATION "+quoteIdent(pub)+" FOR TABLE "+qual); err != nil {
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42710" { // raced with another creator
				return s.errorf(sqlerr.InsufficientPrivilege, "cannot create publication %q: %s", pub, s.scrub(err))
			}
			return s.publicationLocked(ctx, t)
		}
		return nil
	}
	if err != nil {
		return s.errorf(sqlerr.ConnectionException, "cannot read publication %q: %s", pub, s.scrub(err))
	}
	if !ins || !upd || !del {
		return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "publication %q does not publish inserts, updates and deletes; use ALTER PUBLICATION %s SET (publish = 'insert, update, delete, truncate')", pub, quoteIdent(pub))
	}
	if all {
		return nil
	}
	var in bool
	if err := s.admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3)`,
		pub, t.upNS, t.upRel).Scan(&in); err != nil {
		return s.errorf(sqlerr.ConnectionException, "cannot read publication %q: %s", pub, s.scrub(err))
	}
	if in {
		return nil
	}
	if !s.cfg.createPub {
		return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "publication %q does not include table %s and publication.create.enable is false; run ALTER PUBLICATION %s ADD TABLE %s", pub, t.upNS+"."+t.upRel, quoteIdent(pub), qual)
	}
	if _, err := s.admin.Exec(ctx, "ALTER PUBLICATION "+quoteIdent(pub)+" ADD TABLE "+qual); err != nil {
		return s.errorf(sqlerr.InsufficientPrivilege, "cannot add table %s to publication %q: %s", t.upNS+"."+t.upRel, pub, s.scrub(err))
	}
	return nil
}

// slotLocked reads the slot's state from pg_replication_slots.
func (s *SharedPostgresCDC) slotLocked(ctx context.Context) (*pgcdcSlotState, error) {
	st := &pgcdcSlotState{}
	var confirmed *string
	var walStatus *string
	err := s.admin.QueryRow(ctx, `SELECT plugin::text, wal_status, confirmed_flush_lsn::text, active FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`,
		s.cfg.slot).Scan(&st.plugin, &walStatus, &confirmed, &st.active)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return nil, s.errorf(sqlerr.ConnectionException, "cannot read replication slot %q: %s", s.cfg.slot, s.scrub(err))
	}
	st.exists = true
	if walStatus != nil {
		st.walStatus = *walStatus
	}
	if confirmed != nil {
		st.confirmed, _ = pglogrepl.ParseLSN(*confirmed)
	}
	return st, nil
}

func (s *SharedPostgresCDC) checkSlotUsable(st *pgcdcSlotState) error {
	if st.plugin != "pgoutput" {
		return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "replication slot %q uses plugin %q, not pgoutput; drop it or choose another slot.name", s.cfg.slot, st.plugin)
	}
	if st.walStatus == "lost" {
		return s.errorf(sqlerr.ObjectNotInPrerequisiteState,
			"replication slot %q has been invalidated (wal_status = lost): the WAL it needed was removed, so changes were lost; drop the slot and recreate this table to take a new snapshot", s.cfg.slot)
	}
	return nil
}

// attach prepares t (Open).
func (s *SharedPostgresCDC) attach(ctx context.Context, t *pgCDCTable, resume bool, stored pglogrepl.LSN) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.connectAdminLocked(ctx); err != nil {
		return err
	}
	if err := s.describeLocked(ctx, t); err != nil {
		return err
	}
	if err := s.publicationLocked(ctx, t); err != nil {
		return err
	}
	st, err := s.slotLocked(ctx)
	if err != nil {
		return err
	}
	t.queue = make(chan pgcdcItem, pgcdcQueueLen)
	t.snap, t.snapDone = nil, false
	if resume {
		if !st.exists {
			return s.errorf(sqlerr.ObjectNotInPrerequisiteState,
				"replication slot %q does not exist (was it dropped?): the changes after the stored position %s of table %s cannot be read; recreate the table to take a new snapshot",
				s.cfg.slot, stored, t.qualified())
		}
		if err := s.checkSlotUsable(st); err != nil {
			return err
		}
		if st.confirmed > stored {
			return s.errorf(sqlerr.ObjectNotInPrerequisiteState,
				"replication slot %q was confirmed up to %s, past the stored position %s of table %s: the changes in between are lost (was the slot used by another consumer?); recreate the table to take a new snapshot",
				s.cfg.slot, st.confirmed, stored, t.qualified())
		}
		t.pos, t.floor, t.snapDone = stored, stored, true
		s.addLocked(t)
		if s.stream != nil {
			// The stream may already be past stored: restart it from the
			// smallest position (tables skip what they already have).
			s.stream.rewindTo = true
		}
		return nil
	}

	// A snapshot is needed.
	var snapName string
	var at pglogrepl.LSN
	var cleanup func()
	switch {
	case !st.exists:
		if s.stream != nil {
			return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "replication slot %q disappeared while streaming", s.cfg.slot)
		}
		if s.repl == nil {
			if s.repl, err = s.connectRepl(ctx); err != nil {
				return err
			}
		}
		res, err := pglogrepl.CreateReplicationSlot(ctx, s.repl, s.cfg.slot, "pgoutput",
			pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
		if err != nil {
			s.repl.Close(context.Background())
			s.repl = nil
			return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "cannot create replication slot %q: %s", s.cfg.slot, s.scrub(err))
		}
		lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
		if err != nil {
			return s.errorf(sqlerr.InternalError, "bad consistent point %q of slot %q", res.ConsistentPoint, s.cfg.slot)
		}
		s.exportSnap, s.exportLSN = res.SnapshotName, lsn
		snapName, at = s.exportSnap, lsn
	case s.exportSnap != "" && s.stream == nil:
		snapName, at = s.exportSnap, s.exportLSN
	default:
		if err := s.checkSlotUsable(st); err != nil {
			return err
		}
		// A temporary slot exports a snapshot at a fresh consistent point;
		// the main slot streams from its confirmed position and the table
		// skips what committed before that point.
		tmp, err := s.connectRepl(ctx)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s_tmp_%d", s.cfg.slot[:min(len(s.cfg.slot), 40)], time.Now().UnixNano()%1e9)
		// Register first so that no change committed after the snapshot's
		// point escapes the table's queue.
		t.pos, t.floor = 0, st.confirmed
		s.addLocked(t)
		res, err := pglogrepl.CreateReplicationSlot(ctx, tmp, name, "pgoutput",
			pglogrepl.CreateReplicationSlotOptions{Temporary: true, Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
		if err != nil {
			tmp.Close(context.Background())
			s.removeLocked(t)
			return s.errorf(sqlerr.ObjectNotInPrerequisiteState, "cannot create a temporary replication slot for the snapshot of %s: %s", t.qualified(), s.scrub(err))
		}
		if at, err = pglogrepl.ParseLSN(res.ConsistentPoint); err != nil {
			tmp.Close(context.Background())
			s.removeLocked(t)
			return s.errorf(sqlerr.InternalError, "bad consistent point %q", res.ConsistentPoint)
		}
		snapName = res.SnapshotName
		cleanup = func() { tmp.Close(context.Background()) }
	}
	snap, err := s.openSnapshot(ctx, t, snapName)
	if cleanup != nil {
		cleanup()
	}
	if err != nil {
		s.removeLocked(t)
		return err
	}
	t.snap = snap
	t.pos = at
	if t.floor == 0 || t.floor > at {
		t.floor = at
	}
	s.addLocked(t)
	return nil
}

func (s *SharedPostgresCDC) addLocked(t *pgCDCTable) {
	if s.attached == nil {
		s.attached = map[*pgCDCTable]bool{}
	}
	s.attached[t] = true
	s.gen.Add(1)
	s.publishTablesLocked()
}

func (s *SharedPostgresCDC) removeLocked(t *pgCDCTable) {
	delete(s.attached, t)
	s.gen.Add(1)
	s.publishTablesLocked()
}

// detach removes t; the last table out stops the stream.
func (s *SharedPostgresCDC) detach(t *pgCDCTable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.registered, t)
	if !s.attached[t] {
		return
	}
	s.removeLocked(t)
	if len(s.attached) == 0 {
		s.stopStreamLocked()
		s.closeConnsLocked()
	}
}

// --- snapshot ---

type pgcdcSnapshot struct {
	conn *pgx.Conn
	done bool
}

func (s *SharedPostgresCDC) openSnapshot(ctx context.Context, t *pgCDCTable, name string) (*pgcdcSnapshot, error) {
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, c := range t.upCols {
		cols = append(cols, quoteIdent(c))
	}
	stmts := []string{
		"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		"SET TRANSACTION SNAPSHOT '" + strings.ReplaceAll(name, "'", "''") + "'",
		"DECLARE eddy_snapshot NO SCROLL CURSOR FOR SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(t.upNS) + "." + quoteIdent(t.upRel),
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(context.Background())
			return nil, s.errorf(sqlerr.ObjectNotInPrerequisiteState, "cannot start the snapshot of %s: %s", t.qualified(), s.scrub(err))
		}
	}
	return &pgcdcSnapshot{conn: conn}, nil
}

func (p *pgcdcSnapshot) close() {
	if p.conn != nil {
		p.conn.Close(context.Background())
		p.conn = nil
	}
}

// readSnapshot returns the next batch of the snapshot as Inserts, or nil
// once it is finished (the table then streams).
func (t *pgCDCTable) readSnapshot(ctx context.Context) (*types.Chunk, error) {
	for t.snap != nil {
		if t.snap.done {
			t.finishSnapshot()
			return nil, nil
		}
		rr := t.snap.conn.PgConn().Exec(ctx, fmt.Sprintf("FETCH %d FROM eddy_snapshot", pgcdcChunkRows))
		n := 0
		row := make(types.Row, len(t.schema))
		var rerr error
		for rr.NextResult() {
			res := rr.ResultReader()
			for res.NextRow() {
				n++
				vals := res.Values()
				ok := true
				for i, v := range vals {
					if v == nil {
						row[i] = nil
						continue
					}
					d, err := t.parse(i, v)
					if err != nil {
						t.reportBad(0, fmt.Errorf("snapshot: column %q: %w", t.schema[i].Name, err), v)
						ok = false
						break
					}
					row[i] = d
				}
				if ok {
					t.builder.AppendDatums(types.Insert, row)
				}
			}
			if _, err := res.Close(); err != nil && rerr == nil {
				rerr = err
			}
		}
		if err := rr.Close(); err != nil && rerr == nil {
			rerr = err
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			err := t.sh.errorf(sqlerr.ConnectionException, "snapshot of %s failed: %s", t.qualified(), t.sh.scrub(rerr))
			t.failed = err
			return nil, err
		}
		if n < pgcdcChunkRows {
			t.snap.done = true
		}
		if c := t.builder.Build(); c != nil {
			t.rows.Add(int64(c.NumRows()))
			if t.snap.done {
				t.finishSnapshot()
			}
			return c, nil
		}
	}
	return nil, nil
}

func (t *pgCDCTable) finishSnapshot() {
	if t.snap != nil {
		if t.snap.conn != nil {
			t.snap.conn.Exec(context.Background(), "COMMIT") //nolint:errcheck // read-only; closing ends it anyway
		}
		t.snap.close()
		t.snap = nil
	}
	t.snapDone = true
}

func (t *pgCDCTable) reportBad(lsn pglogrepl.LSN, err error, raw []byte) {
	t.bad.Add(1)
	if t.sh.cfg.errors != nil {
		t.sh.cfg.errors.Report(BadMessage{Source: t.sh.cfg.name, Topic: t.qualified(), Offset: int64(lsn), Err: err, Raw: raw, Time: time.Now()})
	}
}

// parse converts a value of column i in Postgres text output format and
// conforms it to the column's type modifier (the upstream column may have
// none, or a wider one).
func (t *pgCDCTable) parse(i int, v []byte) (types.Datum, error) {
	d, err := pgcdcParse(v, t.types[i])
	if err != nil {
		return nil, err
	}
	return t.mods.ApplyDatum(i, d)
}

// pgcdcParse converts a value in Postgres text output format.
func pgcdcParse(v []byte, t types.Type) (types.Datum, error) {
	switch t.Kind {
	case types.KindVarchar:
		return string(v), nil
	case types.KindInt64:
		if n, ok := fastInt(v); ok {
			return n, nil
		}
	}
	return expr.ParseText(string(v), t)
}

func fastInt(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	neg := false
	if v[0] == '-' {
		neg, v = true, v[1:]
		if len(v) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
