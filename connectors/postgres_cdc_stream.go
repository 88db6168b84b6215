package connectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// pgcdcStream is one running START_REPLICATION session, owned by its
// goroutine.
type pgcdcStream struct {
	conn     *pgconn.PgConn
	start    pglogrepl.LSN
	cancel   context.CancelFunc
	done     chan struct{}
	nudge    chan struct{}
	err      error // set before done is closed
	rewindTo bool  // guarded by SharedPostgresCDC.mu: restart before the next read

	sent     pglogrepl.LSN // last flush position reported
	lastSend time.Time
}

// pgcdcTables is an immutable view of the attached tables by upstream
// name, for the stream goroutine.
type pgcdcTables map[string][]*pgCDCTable

func (s *SharedPostgresCDC) publishTablesLocked() {
	m := pgcdcTables{}
	for t := range s.attached {
		k := t.upNS + "." + t.upRel
		m[k] = append(m[k], t)
	}
	s.tables.Store(&m)
	// The slot may be confirmed to the smallest floor, but only while every
	// registered table is open (an unopened one may need older changes).
	var target pglogrepl.LSN
	ok := len(s.registered) > 0
	for t := range s.registered {
		if !s.attached[t] {
			ok = false
			break
		}
		if target == 0 || t.floor < target {
			target = t.floor
		}
	}
	if ok && target > pglogrepl.LSN(s.target.Load()) {
		s.target.Store(uint64(target))
	}
	if s.stream != nil {
		select {
		case s.stream.nudge <- struct{}{}:
		default:
		}
	}
}

// ack raises t's floor to lsn and lets the slot advance to the smallest
// floor of the attached tables.
func (s *SharedPostgresCDC) ack(t *pgCDCTable, lsn pglogrepl.LSN) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.attached[t] || lsn <= t.floor {
		return
	}
	t.floor = lsn
	s.publishTablesLocked()
}

// ensureStreaming starts (or restarts) the replication stream and returns
// t's queue and the stream's done channel.
func (s *SharedPostgresCDC) ensureStreaming(ctx context.Context, t *pgCDCTable) (chan pgcdcItem, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.attached[t] {
		return nil, nil, s.errorf(sqlerr.ConnectionException, "the shared source was closed")
	}
	if s.stream != nil && s.stream.rewindTo && s.stream.err == nil {
		s.stopStreamLocked()
	}
	if s.stream != nil {
		if s.stream.err != nil {
			return nil, nil, s.stream.err
		}
		return t.queue, s.stream.done, nil
	}
	// Start at the smallest floor (floors never pass positions; each table
	// skips what it already has).
	start := pglogrepl.LSN(0)
	for a := range s.attached {
		if a.floor != 0 && (start == 0 || a.floor < start) {
			start = a.floor
		}
	}
	if s.repl == nil {
		var err error
		if s.repl, err = s.connectRepl(ctx); err != nil {
			return nil, nil, err
		}
	}
	s.exportSnap = ""
	pubs := "'" + strings.ReplaceAll(quoteIdent(s.cfg.pub), "'", "''") + "'"
	err := pglogrepl.StartReplication(ctx, s.repl, s.cfg.slot, start, pglogrepl.StartReplicationOptions{
		Mode:       pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '1'", "publication_names " + pubs},
	})
	if err != nil {
		s.repl.Close(context.Background())
		s.repl = nil
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42704" {
			return nil, nil, s.errorf(sqlerr.ObjectNotInPrerequisiteState,
				"replication slot %q does not exist (was it dropped?): changes after %s cannot be read; recreate the table to take a new snapshot", s.cfg.slot, start)
		}
		if errors.As(err, &pe) && pe.Code == "55000" {
			return nil, nil, s.errorf(sqlerr.ObjectNotInPrerequisiteState,
				"replication slot %q cannot be used: %s; if it was invalidated, changes were lost: drop the slot and recreate the table to take a new snapshot", s.cfg.slot, pe.Message)
		}
		return nil, nil, s.errorf(sqlerr.ConnectionException, "cannot start replication from slot %q at %s: %s", s.cfg.slot, start, s.scrub(err))
	}
	st := &pgcdcStream{conn: s.repl, start: start, done: make(chan struct{}), nudge: make(chan struct{}, 1),
		sent: pglogrepl.LSN(s.target.Load())}
	s.repl = nil
	rctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	s.stream = st
	go s.run(rctx, st)
	return t.queue, st.done, nil
}

// streamError returns the error of the stream whose done channel is done,
// or nil when that stream was stopped on purpose (a rewind).
func (s *SharedPostgresCDC) streamError(done <-chan struct{}) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream != nil && s.stream.done == done {
		if s.stream.err != nil {
			return s.stream.err
		}
		return s.errorf(sqlerr.ConnectionException, "the replication stream stopped")
	}
	if s.stream == nil && len(s.attached) == 0 {
		return s.errorf(sqlerr.ConnectionException, "the shared source was closed")
	}
	return nil
}

func (s *SharedPostgresCDC) stopStreamLocked() {
	if s.stream == nil {
		return
	}
	s.stream.cancel()
	<-s.stream.done
	s.stream = nil
}

// --- the stream goroutine ---

type pgcdcRel struct {
	msg    *pglogrepl.RelationMessage
	gen    int64
	tables []*pgCDCTable
	cols   [][]int // per table: relation column index of each Eddy column
	errs   []error // per table: mapping error
}

type pgcdcRun struct {
	s        *SharedPostgresCDC
	st       *pgcdcStream
	rels     map[uint32]*pgcdcRel
	builders map[*pgCDCTable]*format.Builder
	touched  map[*pgCDCTable]bool
	inTx     bool
	commit   pglogrepl.LSN
	lastEnd  pglogrepl.LSN
	progress time.Time
}

func (s *SharedPostgresCDC) run(ctx context.Context, st *pgcdcStream) {
	r := &pgcdcRun{s: s, st: st, rels: map[uint32]*pgcdcRel{}, builders: map[*pgCDCTable]*format.Builder{}, touched: map[*pgCDCTable]bool{}}
	defer func() {
		for _, b := range r.builders {
			b.Release()
		}
		s.sendStatus(st, true)
		st.conn.Close(context.Background())
		close(st.done)
	}()
	if err := r.loop(ctx); err != nil && ctx.Err() == nil {
		st.err = s.errorf(sqlerr.ConnectionException, "replication from slot %q failed: %s", s.cfg.slot, s.scrub(err))
	}
}

// sendStatus reports the flush position the tables acknowledged (never
// more), when it moved, when forced, or every 10 seconds.
func (s *SharedPostgresCDC) sendStatus(st *pgcdcStream, force bool) {
	target := pglogrepl.LSN(s.target.Load())
	if target < st.sent {
		target = st.sent
	}
	if target == 0 || (!force && target == st.sent && time.Since(st.lastSend) < 10*time.Second) {
		return
	}
	if err := pglogrepl.SendStandbyStatusUpdate(context.Background(), st.conn, pglogrepl.StandbyStatusUpdate{
		WALWritePosition: target, WALFlushPosition: target, WALApplyPosition: target,
	}); err == nil {
		st.sent, st.lastSend = target, time.Now()
	}
}

func (r *pgcdcRun) loop(ctx context.Context) error {
	for {
		select {
		case <-r.st.nudge:
		default:
		}
		r.s.sendStatus(r.st, false)
		rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		msg, err := r.st.conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if pgconn.Timeout(err) {
				continue
			}
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if len(m.Data) == 0 {
				continue
			}
			switch m.Data[0] {
			case pglogrepl.PrimaryKeepaliveMessageByteID:
				ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
				if err != nil {
					return err
				}
				if !r.inTx && ka.ServerWALEnd > r.lastEnd {
					r.lastEnd = ka.ServerWALEnd
					r.sendProgress(r.lastEnd)
				}
				if ka.ReplyRequested {
					r.s.sendStatus(r.st, true)
				}
			case pglogrepl.XLogDataByteID:
				x, err := pglogrepl.ParseXLogData(m.Data[1:])
				if err != nil {
					return err
				}
				if err := r.handle(ctx, x); err != nil {
					return err
				}
				if ctx.Err() != nil {
					return nil
				}
			}
		case *pgproto3.ErrorResponse:
			return pgconn.ErrorResponseToPgError(m)
		case *pgproto3.CopyDone:
			return errors.New("the server ended replication")
		}
	}
}

// send queues an item for a table, reporting status while it waits.
func (r *pgcdcRun) send(ctx context.Context, t *pgCDCTable, it pgcdcItem) bool {
	for {
		select {
		case t.queue <- it:
			return true
		case <-ctx.Done():
			if it.chunk != nil {
				it.chunk.Release()
			}
			return false
		case <-r.st.nudge:
			r.s.sendStatus(r.st, false)
		case <-time.After(time.Second):
			r.s.sendStatus(r.st, false)
		}
	}
}

// sendProgress tells every table that everything before end was
// delivered (best effort: a full queue already carries progress).
func (r *pgcdcRun) sendProgress(end pglogrepl.LSN) {
	r.progress = time.Now()
	tabs := r.s.tables.Load()
	if tabs == nil {
		return
	}
	for _, ts := range *tabs {
		for _, t := range ts {
			select {
			case t.queue <- pgcdcItem{end: end}:
			default:
			}
		}
	}
}

func (r *pgcdcRun) builder(t *pgCDCTable) *format.Builder {
	b := r.builders[t]
	if b == nil {
		b = format.NewBuilder(t.types)
		r.builders[t] = b
	}
	return b
}

func (r *pgcdcRun) handle(ctx context.Context, x pglogrepl.XLogData) error {
	msg, err := pglogrepl.Parse(x.WALData)
	if err != nil {
		return fmt.Errorf("bad pgoutput message at %s: %w", x.WALStart, err)
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		r.rels[m.RelationID] = &pgcdcRel{msg: m, gen: -1}
	case *pglogrepl.BeginMessage:
		r.inTx, r.commit = true, m.FinalLSN
		clear(r.touched)
	case *pglogrepl.CommitMessage:
		for t := range r.touched {
			if !r.send(ctx, t, pgcdcItem{chunk: r.builder(t).Build(), commit: m.CommitLSN, end: m.TransactionEndLSN}) {
				return nil
			}
		}
		r.inTx = false
		if m.TransactionEndLSN > r.lastEnd {
			r.lastEnd = m.TransactionEndLSN
		}
		if time.Since(r.progress) > time.Second {
			r.sendProgress(r.lastEnd)
		}
	case *pglogrepl.InsertMessage:
		return r.change(ctx, m.RelationID, x.WALStart, func(t *pgCDCTable, cols []int, b *format.Builder) error {
			row, err := r.row(t, cols, m.Tuple, nil)
			if err != nil {
				return err
			}
			b.AppendDatums(types.Insert, row)
			return nil
		})
	case *pglogrepl.UpdateMessage:
		return r.change(ctx, m.RelationID, x.WALStart, func(t *pgCDCTable, cols []int, b *format.Builder) error {
			var old *pglogrepl.TupleData
			if m.OldTupleType == pglogrepl.UpdateMessageTupleTypeOld {
				old = m.OldTuple
			}
			row, err := r.row(t, cols, m.NewTuple, old)
			if err != nil {
				return err
			}
			if m.OldTuple != nil && keyChanged(t, cols, m.OldTuple, m.NewTuple) {
				key, err := r.keyRow(t, cols, m.OldTuple)
				if err != nil {
					return err
				}
				b.AppendDatums(types.Delete, key)
			}
			b.AppendDatums(types.Insert, row)
			return nil
		})
	case *pglogrepl.DeleteMessage:
		return r.change(ctx, m.RelationID, x.WALStart, func(t *pgCDCTable, cols []int, b *format.Builder) error {
			if m.OldTuple == nil {
				return errors.New("delete without old key tuple")
			}
			key, err := r.keyRow(t, cols, m.OldTuple)
			if err != nil {
				return err
			}
			b.AppendDatums(types.Delete, key)
			return nil
		})
	case *pglogrepl.TruncateMessage:
		for _, id := range m.RelationIDs {
			rel := r.resolve(id)
			if rel == nil {
				continue
			}
			for _, t := range rel.tables {
				err := r.s.errorf(sqlerr.FeatureNotSupported,
					"upstream table %s was truncated at %s: TRUNCATE cannot be replicated (Postgres sends no rows); recreate the Eddy table to take a new snapshot",
					t.qualified(), x.WALStart)
				if !r.send(ctx, t, pgcdcItem{err: err}) {
					return nil
				}
			}
		}
	}
	return nil
}

// resolve maps a relation to the attached tables that read it.
func (r *pgcdcRun) resolve(id uint32) *pgcdcRel {
	rel := r.rels[id]
	if rel == nil {
		return nil
	}
	gen := r.s.gen.Load()
	if rel.gen == gen {
		return rel
	}
	rel.gen, rel.tables, rel.cols, rel.errs = gen, nil, nil, nil
	tabs := r.s.tables.Load()
	if tabs == nil {
		return rel
	}
	for _, t := range (*tabs)[rel.msg.Namespace+"."+rel.msg.RelationName] {
		cols := make([]int, len(t.upCols))
		var err error
		for i, name := range t.upCols {
			cols[i] = -1
			for j, c := range rel.msg.Columns {
				if c.Name == name {
					cols[i] = j
				}
			}
			if cols[i] < 0 {
				err = r.s.errorf(sqlerr.UndefinedColumn, "column %q of upstream table %s is gone (ALTER TABLE?); recreate the Eddy table", name, t.qualified())
			}
		}
		rel.tables = append(rel.tables, t)
		rel.cols = append(rel.cols, cols)
		rel.errs = append(rel.errs, err)
	}
	return rel
}

// change decodes one row change into the builders of the tables reading
// the relation; a row that cannot be decoded is reported and skipped.
func (r *pgcdcRun) change(ctx context.Context, id uint32, lsn pglogrepl.LSN, fn func(t *pgCDCTable, cols []int, b *format.Builder) error) error {
	rel := r.resolve(id)
	if rel == nil {
		if r.rels[id] == nil {
			return fmt.Errorf("change for unknown relation %d at %s", id, lsn)
		}
		return nil
	}
	for i, t := range rel.tables {
		if rel.errs[i] != nil {
			if !r.send(ctx, t, pgcdcItem{err: rel.errs[i]}) {
				return nil
			}
			continue
		}
		b := r.builder(t)
		if err := fn(t, rel.cols[i], b); err != nil {
			t.reportBad(lsn, err, nil)
			continue
		}
		r.touched[t] = true
		if b.Len() >= pgcdcChunkRows {
			if !r.send(ctx, t, pgcdcItem{chunk: b.Build(), commit: r.commit}) {
				return nil
			}
		}
	}
	return nil
}

var errUnchangedToast = errors.New("unchanged TOASTed value not sent by Postgres")

// row decodes a new tuple; unchanged TOASTed values come from old (present
// with REPLICA IDENTITY FULL).
func (r *pgcdcRun) row(t *pgCDCTable, cols []int, tup, old *pglogrepl.TupleData) (types.Row, error) {
	row := make(types.Row, len(cols))
	for i, j := range cols {
		c := tup.Columns[j]
		if c.DataType == pglogrepl.TupleDataTypeToast && old != nil && j < len(old.Columns) && old.Columns[j].DataType == pglogrepl.TupleDataTypeText {
			c = old.Columns[j]
		}
		switch c.DataType {
		case pglogrepl.TupleDataTypeNull:
		case pglogrepl.TupleDataTypeText:
			d, err := t.parse(i, c.Data)
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", t.schema[i].Name, err)
			}
			row[i] = d
		case pglogrepl.TupleDataTypeToast:
			return nil, fmt.Errorf("update of %s skipped: column %q: %w; run ALTER TABLE %s REPLICA IDENTITY FULL", t.qualified(), t.schema[i].Name, errUnchangedToast, t.qualified())
		default:
			return nil, fmt.Errorf("column %q: unsupported tuple data kind %q", t.schema[i].Name, c.DataType)
		}
	}
	return row, nil
}

// keyRow decodes the primary-key columns of an old tuple; the other
// columns are NULL.
func (r *pgcdcRun) keyRow(t *pgCDCTable, cols []int, tup *pglogrepl.TupleData) (types.Row, error) {
	row := make(types.Row, len(cols))
	for _, p := range t.pk {
		c := tup.Columns[cols[p]]
		if c.DataType != pglogrepl.TupleDataTypeText {
			return nil, fmt.Errorf("delete from %s: key column %q missing from the old tuple", t.qualified(), t.schema[p].Name)
		}
		d, err := t.parse(p, c.Data)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", t.schema[p].Name, err)
		}
		row[p] = d
	}
	return row, nil
}

func keyChanged(t *pgCDCTable, cols []int, old, tup *pglogrepl.TupleData) bool {
	for _, p := range t.pk {
		o, n := old.Columns[cols[p]], tup.Columns[cols[p]]
		if o.DataType != pglogrepl.TupleDataTypeText {
			continue
		}
		if n.DataType != o.DataType || !bytes.Equal(o.Data, n.Data) {
			return true
		}
	}
	return false
}
