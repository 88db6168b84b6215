package pgwire

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// flushEvery is the number of data rows buffered before a flush.
const flushEvery = 512

// simpleQuery runs a Query message: every statement in order, each answered
// with its rows and CommandComplete, stopping at the first error. A syntax
// error in any statement runs none of them, as in Postgres.
func (c *conn) simpleQuery(ctx context.Context, sql string) {
	c.srv.metrics.queries.WithLabelValues("simple").Inc()
	texts := parser.SplitStatements(sql)
	if len(texts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	offsets := statementOffsets(sql, texts)
	if len(texts) > 1 {
		for i, t := range texts {
			if isUserStatement(t) || isCopyStatement(t) {
				continue
			}
			if _, err := parser.Parse(t); err != nil {
				c.sendError(shiftPosition(sql, offsets[i], parseErr(t, err)))
				return
			}
		}
	}
	for i, t := range texts {
		var rs []*engine.Result
		var err error
		if isUserStatement(t) {
			var r *engine.Result
			r, err = c.userStatement(t)
			if r != nil {
				rs = []*engine.Result{r}
			}
		} else if isCopyStatement(t) {
			var tag string
			if tag, err = c.copyStatement(ctx, t); err == nil {
				rs = []*engine.Result{{Tag: tag}}
			} else if errors.Is(err, errTerminate) || isClosedErr(err) {
				return
			}
		} else {
			rs, err = c.run(ctx, t)
		}
		for _, r := range rs {
			c.noteTx(r.Tag, nil)
			c.sendNotices(r.Notices)
			cols := visible(r.Columns)
			if len(cols) > 0 {
				c.be.Send(rowDescription(r.Columns, cols, nil))
			}
			if err := c.sendRows(r, cols, nil, 0, len(r.Rows)); err != nil {
				c.sendError(err)
				return
			}
			c.commandComplete(r.Tag)
		}
		if err != nil {
			c.noteTx("", err)
			if copyWhere(err) == "" {
				err = shiftPosition(sql, offsets[i], err)
			}
			c.sendError(err)
			return
		}
	}
}

// parseErr turns a parser error into a positioned 42601 error (or the
// parser's own SQLSTATE).
func parseErr(sql string, err error) error {
	if pe, ok := err.(*parser.Error); ok {
		p := min(max(int(pe.Pos), 0), len(sql))
		code := sqlerr.SyntaxError
		if pe.Code != "" {
			code = pe.Code
		}
		se := sqlerr.New(code, "%s", pe.Msg).WithPosition(utf8.RuneCountInString(sql[:p]) + 1)
		se.Hint = pe.Hint
		return se
	}
	return sqlerr.Wrap(err, sqlerr.SyntaxError)
}

// statementOffsets returns the byte offset of each statement text in sql.
func statementOffsets(sql string, texts []string) []int {
	out := make([]int, len(texts))
	at := 0
	for i, t := range texts {
		if j := strings.Index(sql[at:], t); j >= 0 {
			out[i] = at + j
			at += j + len(t)
		} else {
			out[i] = at
		}
	}
	return out
}

// shiftPosition makes an error position relative to the whole query string.
func shiftPosition(sql string, offset int, err error) error {
	se := sqlerr.As(err)
	if se.Position <= 0 || offset <= 0 {
		return se
	}
	cp := *se
	cp.Position += utf8.RuneCountInString(sql[:offset])
	return &cp
}

// visible returns the positions of the visible columns.
func visible(cols []types.Column) []int {
	out := make([]int, 0, len(cols))
	for i, col := range cols {
		if !col.Hidden {
			out = append(out, i)
		}
	}
	return out
}

// formatFor returns the format code of result column i given Bind's
// result format codes.
func formatFor(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	if i < len(formats) {
		return formats[i]
	}
	return 0
}

func rowDescription(all []types.Column, cols []int, formats []int16) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(cols))}
	for i, ci := range cols {
		t := all[ci].Type
		rd.Fields[i] = pgproto3.FieldDescription{
			Name:         []byte(all[ci].Name),
			DataTypeOID:  wireOID(t),
			DataTypeSize: typeSize(t),
			TypeModifier: all[ci].Mod.PG(t),
			Format:       formatFor(formats, i),
		}
	}
	return rd
}

// sendRows sends rows [from, to) of r as DataRows. The row message and
// its value buffer are the connection's, reused row after row (Send copies
// the encoded message out at once).
func (c *conn) sendRows(r *engine.Result, cols []int, formats []int16, from, to int) error {
	if cap(c.rowBuf) == 0 {
		c.rowBuf = make([]byte, 0, 256) // non-nil: an empty value must not read as NULL
	}
	for _, row := range r.Rows[from:to] {
		buf := c.rowBuf[:0]
		ends := c.rowEnds[:0]
		for i, ci := range cols {
			var d types.Datum
			if ci < len(row) {
				d = row[ci]
			}
			if d == nil {
				ends = append(ends, -1)
				continue
			}
			t := r.Columns[ci].Type
			if formatFor(formats, i) == 1 {
				b, err := encodeBinary(buf, d, t)
				if err != nil {
					return sqlerr.Wrap(err, sqlerr.InternalError)
				}
				buf = b
			} else if t.Kind == types.KindTimestamptz {
				buf = append(buf, c.sess.FormatValue(d, t)...)
			} else {
				buf = append(buf, types.FormatTextTyped(d, t)...)
			}
			ends = append(ends, len(buf))
		}
		vals := c.dataRow.Values[:0]
		start := 0
		for _, e := range ends {
			if e < 0 {
				vals = append(vals, nil)
				continue
			}
			vals = append(vals, buf[start:e:e])
			start = e
		}
		c.dataRow.Values = vals
		c.be.Send(&c.dataRow)
		clear(vals)
		c.rowBuf, c.rowEnds = buf, ends
		if cap(buf) > 64<<10 {
			c.rowBuf = make([]byte, 0, 256) // do not keep a huge row's buffer
		}
		c.pending++
		if c.pending >= flushEvery {
			if err := c.flush(); err != nil {
				return sqlerr.Wrap(err, sqlerr.ConnectionException)
			}
		}
	}
	return nil
}

// prepared is a statement created by Parse.
type prepared struct {
	sql       string
	paramOIDs []uint32
	nParams   int
	kind      stmtKind
	cols      []types.Column // cached result columns (nil until described)
	described bool
}

type stmtKind uint8

const (
	kindEmpty   stmtKind = iota // no statement: EmptyQueryResponse
	kindRows                    // returns rows (SELECT, SHOW, DESCRIBE, EXPLAIN …)
	kindCommand                 // returns no rows
	kindUser                    // CREATE/ALTER/DROP USER, handled here
)

// portal is a bound statement.
type portal struct {
	stmt    *prepared
	sql     string // with parameters substituted (the fallback path)
	formats []int16
	// native: the parameters are passed to the engine's ExecParams.
	native     bool
	params     []types.Datum
	paramTypes []types.Type

	// Room for the parameters and result formats of a typical lookup,
	// so that Bind allocates the portal alone.
	paramBuf  [2]types.Datum
	typeBuf   [2]types.Type
	formatBuf [4]int16

	ran    bool
	result *engine.Result
	err    error
	sent   int // rows already sent
	done   bool
}

func classify(sql string) (stmtKind, error) {
	if strings.TrimSpace(sql) == "" {
		return kindEmpty, nil
	}
	if isUserStatement(sql) {
		return kindUser, nil
	}
	st, err := parser.ParseOne(sql)
	if err != nil {
		return kindCommand, parseErr(sql, err)
	}
	switch st.(type) {
	case *parser.Query, *parser.Show, *parser.Describe, *parser.Explain:
		return kindRows, nil
	}
	return kindCommand, nil
}

func (c *conn) parse(m *pgproto3.Parse) error {
	c.srv.metrics.queries.WithLabelValues("extended").Inc()
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return sqlerr.New("42P05", "prepared statement %q already exists", m.Name)
		}
	}
	texts := parser.SplitStatements(m.Query)
	if len(texts) > 1 {
		return sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	sql := ""
	if len(texts) == 1 {
		sql = texts[0]
	}
	if isCopyStatement(sql) {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY is supported in the simple query protocol only")
	}
	kind, err := classify(sql)
	if err != nil {
		return shiftPosition(m.Query, strings.Index(m.Query, sql), err)
	}
	n := maxParam(sql)
	oids := append([]uint32(nil), m.ParameterOIDs...)
	if n < len(oids) {
		n = len(oids)
	}
	for len(oids) < n {
		oids = append(oids, 0)
	}
	c.stmts[m.Name] = &prepared{sql: sql, paramOIDs: oids, nParams: n, kind: kind}
	c.be.Send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", m.PreparedStatement)
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return sqlerr.New("42P03", "cursor %q already exists", m.DestinationPortal)
		}
	}
	if len(m.Parameters) != ps.nParams {
		return sqlerr.New(sqlerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, ps.nParams)
	}
	if n := len(m.ParameterFormatCodes); n > 1 && n != len(m.Parameters) {
		return sqlerr.New(sqlerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", n, len(m.Parameters))
	}
	if pe, ok := c.srv.cfg.Engine.(ParamExecutor); ok && ps.nParams > 0 && (ps.kind == kindRows || ps.kind == kindCommand) {
		p := &portal{stmt: ps, sql: ps.sql, native: true}
		if vals, ts, ok, err := decodeParams(m, ps, p); err != nil {
			return err
		} else if ok {
			_ = pe
			p.params, p.paramTypes = vals, ts
			p.formats = append(p.formatBuf[:0], m.ResultFormatCodes...)
			c.portals[m.DestinationPortal] = p
			c.be.Send(&pgproto3.BindComplete{})
			return nil
		}
	}
	sql := ps.sql
	if ps.nParams > 0 {
		lits := make([]string, len(m.Parameters))
		for i, p := range m.Parameters {
			lit, err := paramLiteral(p, formatFor(m.ParameterFormatCodes, i), ps.paramOIDs[i])
			if err != nil {
				return err
			}
			lits[i] = lit
		}
		var err error
		if sql, err = substituteParams(sql, lits); err != nil {
			return err
		}
	}
	c.portals[m.DestinationPortal] = &portal{
		stmt:    ps,
		sql:     sql,
		formats: append([]int16(nil), m.ResultFormatCodes...),
	}
	c.be.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(ctx context.Context, m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			return sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", m.Name)
		}
		if err := c.describeStatement(ctx, ps); err != nil {
			return err
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: ps.paramOIDs})
		if ps.kind == kindRows && len(visible(ps.cols)) > 0 {
			c.be.Send(rowDescription(ps.cols, visible(ps.cols), nil))
		} else {
			c.be.Send(&pgproto3.NoData{})
		}
		return nil
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return sqlerr.New("34000", "portal %q does not exist", m.Name)
		}
		if p.stmt.kind != kindRows {
			c.be.Send(&pgproto3.NoData{})
			return nil
		}
		c.runPortal(ctx, p)
		if p.err != nil {
			return p.err
		}
		cols := visible(p.result.Columns)
		if len(cols) == 0 {
			c.be.Send(&pgproto3.NoData{})
			return nil
		}
		c.be.Send(rowDescription(p.result.Columns, cols, p.formats))
		return nil
	}
	return sqlerr.New(sqlerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
}

// describeStatement learns a statement's result columns: from the engine's
// Describer when it has one, otherwise by running it once with NULL
// parameters (only statements that return rows; they do not change data).
func (c *conn) describeStatement(ctx context.Context, ps *prepared) error {
	if ps.described || ps.kind != kindRows {
		return nil
	}
	if d, ok := c.srv.cfg.Engine.(Describer); ok {
		declared := make([]types.Type, len(ps.paramOIDs))
		for i, oid := range ps.paramOIDs {
			declared[i], _ = types.TypeByOID(oid)
		}
		ptypes, cols, err := d.Describe(ctx, c.sess, ps.sql, declared)
		if err != nil {
			return err
		}
		for i, t := range ptypes {
			if i < len(ps.paramOIDs) && ps.paramOIDs[i] == 0 && t.Kind != types.KindUnknown {
				ps.paramOIDs[i] = t.OID()
			}
		}
		ps.cols, ps.described = cols, true
		return nil
	}
	sql := ps.sql
	if ps.nParams > 0 {
		nulls := make([]string, ps.nParams)
		for i := range nulls {
			nulls[i] = "NULL"
			if t, ok := types.TypeByOID(ps.paramOIDs[i]); ok && ps.paramOIDs[i] != 0 {
				nulls[i] = "NULL::" + castName(t)
			}
		}
		var err error
		if sql, err = substituteParams(sql, nulls); err != nil {
			return err
		}
	}
	rs, err := c.run(ctx, sql)
	if err != nil {
		if ps.nParams > 0 {
			// NULL parameters may not fit (LIMIT $1 …): describe the
			// portal later instead.
			ps.described = true
			return nil
		}
		return err
	}
	if len(rs) > 0 {
		ps.cols = rs[len(rs)-1].Columns
		if ps.cols == nil {
			ps.cols = []types.Column{}
		}
	}
	ps.described = true
	return nil
}

// runPortal runs the portal's statement once and keeps the result.
func (c *conn) runPortal(ctx context.Context, p *portal) {
	if p.ran {
		return
	}
	p.ran = true
	switch p.stmt.kind {
	case kindEmpty:
		return
	case kindUser:
		p.result, p.err = c.userStatement(p.sql)
	default:
		if r, ok := c.lookupFast(p); ok {
			p.result = r // nil when p.err is set
			break
		}
		var rs []*engine.Result
		if p.native {
			pe := c.srv.cfg.Engine.(ParamExecutor)
			rs, p.err = c.runFunc(ctx, p.sql, func(ctx context.Context) ([]*engine.Result, error) {
				return pe.ExecParams(ctx, c.sess, p.sql, p.params, p.paramTypes)
			})
		} else {
			rs, p.err = c.run(ctx, p.sql)
		}
		if p.err == nil {
			if len(rs) == 0 {
				p.result = &engine.Result{Tag: "SELECT 0"}
			} else {
				p.result = rs[len(rs)-1]
				for _, r := range rs[:len(rs)-1] {
					c.sendNotices(r.Notices)
				}
			}
		}
	}
	if p.err != nil {
		c.noteTx("", p.err)
		return
	}
	if p.result != nil {
		c.noteTx(p.result.Tag, nil)
		c.sendNotices(p.result.Notices)
	}
}

// lookupFast answers a native portal through the engine's PointLooker,
// when it has one and it knows the statement; ok is false otherwise.
// p.err holds the statement's error.
func (c *conn) lookupFast(p *portal) (*engine.Result, bool) {
	if !p.native || c.srv.looker == nil {
		return nil, false
	}
	start := time.Now()
	r, ok, err := c.srv.looker.LookupParams(c.sess, p.sql, p.params, p.paramTypes)
	if !ok {
		return nil, false
	}
	c.srv.metrics.observe(time.Since(start), err)
	if err != nil {
		p.err = err
		return nil, true
	}
	return r, true
}

func (c *conn) execute(ctx context.Context, m *pgproto3.Execute) error {
	p, ok := c.portals[m.Portal]
	if !ok {
		return sqlerr.New("34000", "portal %q does not exist", m.Portal)
	}
	if p.stmt.kind == kindEmpty {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	c.runPortal(ctx, p)
	if p.err != nil {
		err := p.err
		p.err = nil
		p.done = true
		return err
	}
	r := p.result
	if p.done {
		c.commandComplete(r.Tag)
		return nil
	}
	cols := visible(r.Columns)
	end := len(r.Rows)
	if m.MaxRows > 0 && p.sent+int(m.MaxRows) < end {
		end = p.sent + int(m.MaxRows)
	}
	if err := c.sendRows(r, cols, p.formats, p.sent, end); err != nil {
		return err
	}
	p.sent = end
	if end < len(r.Rows) {
		c.be.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	p.done = true
	c.commandComplete(r.Tag)
	return nil
}

func (c *conn) close(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		delete(c.portals, m.Name)
	default:
		return sqlerr.New(sqlerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.be.Send(&pgproto3.CloseComplete{})
	return nil
}
