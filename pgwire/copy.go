package pgwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// codeBadCopyFileFormat is SQLSTATE bad_copy_file_format.
const codeBadCopyFileFormat = "22P04"

// codeInvalidBinaryRepresentation is SQLSTATE invalid_binary_representation.
const codeInvalidBinaryRepresentation = "22P03"

// codeInvalidColumnReference is SQLSTATE invalid_column_reference.
const codeInvalidColumnReference = "42P10"

// copyBatchRows is how many rows of a COPY FROM go into one INSERT.
const copyBatchRows = 1000

// copyError is an error with a Postgres CONTEXT line ("COPY t, line 2,
// column a: "x""), sent as the ErrorResponse's Where field.
type copyError struct {
	err   *sqlerr.Error
	where string
}

func (e *copyError) Error() string { return e.err.Message }
func (e *copyError) Unwrap() error { return e.err }

// copyStatement runs one COPY statement of a simple query: FROM STDIN reads
// the data from the client (CopyInResponse, then CopyData … CopyDone or
// CopyFail), TO STDOUT sends it (CopyOutResponse, CopyData per row,
// CopyDone). It returns the command tag.
func (c *conn) copyStatement(ctx context.Context, sql string) (string, error) {
	st, err := parseCopy(sql)
	if err != nil {
		return "", err
	}
	var tag string
	if st.from {
		tag, err = c.copyFrom(ctx, st)
	} else {
		tag, err = c.copyTo(ctx, st)
	}
	if err != nil {
		// A position would point into the statements COPY runs, not
		// into the COPY the client sent.
		if se := sqlerr.As(err); se.Position > 0 {
			cp := *se
			cp.Position = 0
			return "", &cp
		}
	}
	return tag, err
}

// sqlName renders name parts as a SQL name, quoting the parts that need it.
func sqlName(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		if validName(p) && strings.ToLower(p) == p {
			out[i] = p
		} else {
			out[i] = quoteIdent(p)
		}
	}
	return strings.Join(out, ".")
}

// copyColumns resolves the columns a COPY of st reads or writes: the
// listed ones, or every visible column of the relation.
func (c *conn) copyColumns(ctx context.Context, st *copyStmt) ([]types.Column, error) {
	sel := "*"
	if st.cols != nil {
		names := make([]string, len(st.cols))
		for i, n := range st.cols {
			names[i] = sqlName([]string{n})
		}
		sel = strings.Join(names, ", ")
	}
	sql := "SELECT " + sel + " FROM " + sqlName(st.table)
	if d, ok := c.srv.cfg.Engine.(Describer); ok {
		_, cols, err := d.Describe(ctx, c.sess, sql, nil)
		if err != nil {
			return nil, copyColumnErr(st, err)
		}
		return visibleCols(cols), nil
	}
	rs, err := c.run(ctx, sql+" LIMIT 0")
	if err != nil {
		return nil, copyColumnErr(st, err)
	}
	return visibleCols(rs[len(rs)-1].Columns), nil
}

// copyColumnErr words an unknown column as Postgres does for COPY.
func copyColumnErr(st *copyStmt, err error) error {
	se := sqlerr.As(err)
	if se.Code == sqlerr.UndefinedColumn {
		for _, n := range st.cols {
			if strings.Contains(se.Message, `"`+n+`"`) {
				return sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q does not exist", n, st.table[len(st.table)-1])
			}
		}
	}
	return err
}

func visibleCols(cols []types.Column) []types.Column {
	out := make([]types.Column, 0, len(cols))
	for _, col := range cols {
		if !col.Hidden {
			out = append(out, col)
		}
	}
	return out
}

// copyFrom runs COPY … FROM STDIN: it reads all the data, parses and checks
// every row (nothing is applied when a row is bad), then inserts the rows
// in batches of INSERT … VALUES (upserts on the primary key).
func (c *conn) copyFrom(ctx context.Context, st *copyStmt) (string, error) {
	cols, err := c.copyColumns(ctx, st)
	if err != nil {
		return "", err
	}
	forceNotNull, err := c.forceFlags(ctx, st, "FORCE_NOT_NULL", st.forceNotNull, cols)
	if err != nil {
		return "", err
	}
	forceNull, err := c.forceFlags(ctx, st, "FORCE_NULL", st.forceNull, cols)
	if err != nil {
		return "", err
	}
	resp := &pgproto3.CopyInResponse{ColumnFormatCodes: make([]uint16, len(cols))}
	if st.format == "binary" {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.be.Send(resp)
	r := &copyReader{st: st, cols: cols, relName: st.table[len(st.table)-1],
		forceNotNull: forceNotNull, forceNull: forceNull}
	if err := c.readCopyData(r); err != nil {
		return "", err
	}
	rows := r.rows
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = sqlName([]string{col.Name})
	}
	head := "INSERT INTO " + sqlName(st.table) + " (" + strings.Join(names, ", ") + ") VALUES "
	var sb strings.Builder
	for start := 0; start < len(rows); start += copyBatchRows {
		batch := rows[start:min(start+copyBatchRows, len(rows))]
		sb.Reset()
		sb.WriteString(head)
		for i, row := range batch {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for j, d := range row {
				if j > 0 {
					sb.WriteByte(',')
				}
				writeLiteral(&sb, d, cols[j].Type)
			}
			sb.WriteByte(')')
		}
		if _, err := c.run(ctx, sb.String()); err != nil {
			if start > 0 {
				se := *sqlerr.As(err)
				se.Detail = strings.TrimSpace(se.Detail + fmt.Sprintf(" The first %d rows of this COPY were applied.", start))
				return "", &se
			}
			return "", err
		}
	}
	return "COPY " + strconv.Itoa(len(rows)), nil
}

// writeLiteral writes d as a SQL literal that INSERT assigns to a column of
// type t: numbers and booleans as they are, everything else as a quoted
// string of its text form (an untyped literal, which takes the column's
// type).
func writeLiteral(sb *strings.Builder, d types.Datum, t types.Type) {
	switch x := d.(type) {
	case nil:
		sb.WriteString("NULL")
		return
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
		return
	case bool:
		if x {
			sb.WriteString("TRUE")
		} else {
			sb.WriteString("FALSE")
		}
		return
	}
	s, ok := d.(string)
	if !ok {
		s = types.FormatTextTyped(d, t)
	}
	sb.WriteByte('\'')
	sb.WriteString(strings.ReplaceAll(s, "'", "''"))
	sb.WriteByte('\'')
}

// readCopyData reads the client's CopyData messages up to CopyDone and
// parses them as they come. A bad row ends the COPY at once: the client's
// remaining CopyData and its CopyDone then arrive outside COPY and are
// ignored, as Postgres ignores them. CopyFail ends the COPY with an error;
// Flush and Sync are ignored, as Postgres ignores them during COPY FROM
// STDIN.
func (c *conn) readCopyData(r *copyReader) error {
	for {
		msg, err := c.be.Receive()
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if err := r.feed(m.Data, false); err != nil {
				return err
			}
		case *pgproto3.CopyDone:
			return r.feed(nil, true)
		case *pgproto3.CopyFail:
			return sqlerr.New(sqlerr.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		case *pgproto3.Terminate:
			return errTerminate
		default:
			return sqlerr.New(sqlerr.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", msgType(msg))
		}
	}
}

// msgType is the type byte of a frontend message.
func msgType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}

// copyReader parses the data of a COPY FROM into rows of datums, chunk by
// chunk (feed): a record split across CopyData messages waits in pending
// for the rest.
type copyReader struct {
	st      *copyStmt
	cols    []types.Column
	relName string
	line    int // the current line (record) number, from 1

	pending    []byte          // data not parsed yet (an incomplete record)
	rows       [][]types.Datum // the rows parsed so far
	fields     []copyField     // scratch
	done       bool            // the end marker (\.) or the binary trailer was seen
	headerDone bool            // the binary header was read

	forceNotNull, forceNull []bool // per column: FORCE_NOT_NULL, FORCE_NULL (CSV)
}

func (r *copyReader) fail(code, where string, format string, args ...any) error {
	return &copyError{err: sqlerr.New(code, format, args...), where: where}
}

func (r *copyReader) lineWhere(raw []byte) string {
	return fmt.Sprintf("COPY %s, line %d: %q", r.relName, r.line, truncateCopyLine(raw))
}

// truncateCopyLine shortens a line for an error context, as Postgres does.
func truncateCopyLine(b []byte) string {
	if len(b) > 100 {
		return string(b[:100]) + "..."
	}
	return string(b)
}

// value parses one field's text as a value of column i.
func (r *copyReader) value(i int, text string) (types.Datum, error) {
	d, err := engine.ParseParam(text, r.cols[i].Type)
	if err != nil {
		se := sqlerr.As(err)
		if se.Code == "" || se.Code == sqlerr.InternalError {
			se = sqlerr.New(sqlerr.InvalidTextRepresentation, "%s", se.Message)
		}
		return nil, &copyError{err: se, where: fmt.Sprintf("COPY %s, line %d, column %s: %q", r.relName, r.line, r.cols[i].Name, truncateCopyLine([]byte(text)))}
	}
	return d, nil
}

// feed parses chunk, after what is pending from earlier chunks; final
// says the data ends after it.
func (r *copyReader) feed(chunk []byte, final bool) error {
	if r.done {
		return nil
	}
	data := chunk
	if len(r.pending) > 0 {
		r.pending = append(r.pending, chunk...)
		data = r.pending
	}
	var used int
	var err error
	if r.st.format == "binary" {
		used, err = r.binaryFeed(data, final)
	} else {
		used, err = r.textFeed(data, final)
	}
	if err != nil {
		return err
	}
	if r.done {
		r.pending = nil
		return nil
	}
	// Keep the incomplete rest (copied: chunk is the message's buffer).
	r.pending = append(r.pending[:0], data[used:]...)
	return nil
}

// textFeed parses the complete records of text or CSV data and returns
// how many bytes they took.
func (r *copyReader) textFeed(all []byte, final bool) (int, error) {
	data := all
	csv := r.st.format == "csv"
	for len(data) > 0 {
		if !final && bytes.IndexByte(data, '\n') < 0 {
			break
		}
		if isEndMarker(data) {
			r.done = true
			return len(all), nil
		}
		r.line++
		var raw, rest []byte
		var err error
		var fields []copyField
		if csv {
			var complete bool
			fields, raw, rest, complete, err = r.csvRecord(r.fields[:0], data, final)
			if err == nil && !complete {
				r.line--
				break
			}
		} else {
			fields, raw, rest = r.textLine(r.fields[:0], data)
		}
		if err != nil {
			return 0, err
		}
		r.fields = fields
		data = rest
		if r.line == 1 && r.st.header {
			continue
		}
		if len(fields) > len(r.cols) {
			return 0, r.fail(codeBadCopyFileFormat, r.lineWhere(raw), "extra data after last expected column")
		}
		if len(fields) < len(r.cols) {
			return 0, r.fail(codeBadCopyFileFormat, r.lineWhere(raw), "missing data for column %q", r.cols[len(fields)].Name)
		}
		row := make([]types.Datum, len(r.cols))
		for i, f := range fields {
			switch {
			case f.null && r.forceNotNull != nil && r.forceNotNull[i]:
				f = copyField{text: r.st.null}
			case !f.null && r.forceNull != nil && r.forceNull[i] && f.text == r.st.null:
				f.null = true
			}
			if f.null {
				continue
			}
			if row[i], err = r.value(i, f.text); err != nil {
				return 0, err
			}
		}
		r.rows = append(r.rows, row)
	}
	return len(all) - len(data), nil
}

// isEndMarker reports whether data starts with the end-of-data line \.
func isEndMarker(data []byte) bool {
	if !bytes.HasPrefix(data, []byte(`\.`)) {
		return false
	}
	rest := data[2:]
	return len(rest) == 0 || rest[0] == '\n' || len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' || len(rest) == 1 && rest[0] == '\r'
}

// copyField is one parsed field of a line.
type copyField struct {
	text string
	null bool
}

// cutLine splits data at the first newline (\n or \r\n).
func cutLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		line, rest = data, nil
	} else {
		line, rest = data[:i], data[i+1:]
	}
	return bytes.TrimSuffix(line, []byte{'\r'}), rest
}

// textLine parses one line of the text format: fields separated by the
// delimiter, the NULL string matched before de-escaping, backslash escapes.
func (r *copyReader) textLine(dst []copyField, data []byte) ([]copyField, []byte, []byte) {
	line, rest := cutLine(data)
	delim := r.st.delim
	start := 0
	for i := 0; ; i++ {
		if i < len(line) && line[i] == '\\' {
			i++
			continue
		}
		if i >= len(line) || line[i] == delim {
			end := min(i, len(line))
			raw := string(line[start:end])
			if raw == r.st.null {
				dst = append(dst, copyField{null: true})
			} else {
				dst = append(dst, copyField{text: unescapeCopyText(raw)})
			}
			if i >= len(line) {
				break
			}
			start = i + 1
		}
	}
	return dst, line, rest
}

// unescapeCopyText resolves the backslash escapes of the text format.
func unescapeCopyText(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		c = s[i]
		switch {
		case c >= '0' && c <= '7':
			v := int(c - '0')
			for n := 0; n < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; n++ {
				i++
				v = v*8 + int(s[i]-'0')
			}
			b.WriteByte(byte(v))
		case c == 'x' && i+1 < len(s) && isHex(s[i+1]):
			i++
			v := hexVal(s[i])
			if i+1 < len(s) && isHex(s[i+1]) {
				i++
				v = v*16 + hexVal(s[i])
			}
			b.WriteByte(byte(v))
		case c == 'b':
			b.WriteByte('\b')
		case c == 'f':
			b.WriteByte('\f')
		case c == 'n':
			b.WriteByte('\n')
		case c == 'r':
			b.WriteByte('\r')
		case c == 't':
			b.WriteByte('\t')
		case c == 'v':
			b.WriteByte('\v')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// csvRecord parses one CSV record, which may span lines inside quotes. An
// unquoted field equal to the NULL string is NULL; a quoted one never is.
// Unless final, a record that data does not hold to its end is incomplete
// (complete false): the caller waits for more data.
func (r *copyReader) csvRecord(dst []copyField, data []byte, final bool) (fields []copyField, raw, rest []byte, complete bool, err error) {
	st := r.st
	var b []byte
	quoted := false  // this field had a quoted part
	inQuote := false // inside quotes now
	start := 0       // where this field's raw text starts
	i := 0
	emit := func(end int) {
		raw := data[start:end]
		if !quoted && string(raw) == st.null {
			dst = append(dst, copyField{null: true})
		} else {
			dst = append(dst, copyField{text: string(b)})
		}
		b, quoted = b[:0], false
	}
	for {
		if i >= len(data) {
			if !final {
				return nil, nil, nil, false, nil
			}
			if inQuote {
				return nil, nil, nil, false, r.fail(codeBadCopyFileFormat, r.lineWhere(data), "unterminated CSV quoted field")
			}
			emit(i)
			return dst, data, nil, true, nil
		}
		c := data[i]
		if !final && i+1 == len(data) && (c == '\r' || inQuote && (c == st.escape || c == st.quote)) {
			// What this byte means depends on the next one.
			return nil, nil, nil, false, nil
		}
		if inQuote {
			switch {
			case c == st.escape && i+1 < len(data) && (data[i+1] == st.quote || data[i+1] == st.escape) && (st.escape != st.quote || data[i+1] == st.quote):
				b = append(b, data[i+1])
				i += 2
			case c == st.quote:
				inQuote = false
				i++
			default:
				b = append(b, c)
				i++
			}
			continue
		}
		switch {
		case c == st.quote:
			inQuote, quoted = true, true
			i++
		case c == st.delim:
			emit(i)
			i++
			start = i
		case c == '\n' || c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			emit(i)
			rec := data[:i]
			if c == '\r' {
				i++
			}
			return dst, rec, data[i+1:], true, nil
		default:
			b = append(b, c)
			i++
		}
	}
}

// copySignature starts the binary COPY format.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// binaryFeed parses the header and the complete tuples of binary data
// and returns how many bytes they took.
func (r *copyReader) binaryFeed(data []byte, final bool) (int, error) {
	bad := func(format string, args ...any) error {
		return r.fail(codeBadCopyFileFormat, fmt.Sprintf("COPY %s, line %d", r.relName, r.line), format, args...)
	}
	pos := 0
	if !r.headerDone {
		n := min(len(data), len(copySignature))
		if !bytes.Equal(data[:n], copySignature[:n]) || final && n < len(copySignature) {
			return 0, bad("COPY file signature not recognized")
		}
		if len(data) < len(copySignature)+8 {
			if final {
				return 0, bad("invalid COPY file header (missing flags)")
			}
			return 0, nil
		}
		h := data[len(copySignature):]
		if binary.BigEndian.Uint32(h)&(1<<16) != 0 {
			return 0, bad("invalid COPY file header (WITH OIDS)")
		}
		ext := int(int32(binary.BigEndian.Uint32(h[4:])))
		if ext < 0 || ext > len(h)-8 {
			if final || ext < 0 {
				return 0, bad("invalid COPY file header (wrong length)")
			}
			return 0, nil
		}
		pos = len(copySignature) + 8 + ext
		r.headerDone = true
	}
	for {
		if pos == len(data) && final {
			// The end of the data without a trailer ends it too, as in
			// Postgres (pgx sends none).
			r.done = true
			return pos, nil
		}
		r.line++
		n, err := r.binaryTuple(data[pos:])
		if err != nil {
			return 0, err
		}
		if n == 0 {
			r.line--
			if final {
				r.line++
				return 0, bad("unexpected EOF in COPY data")
			}
			return pos, nil
		}
		pos += n
		if r.done {
			return len(data), nil
		}
	}
}

// binaryTuple parses one tuple (or the trailer, which sets done) from the
// start of data and returns its length, 0 when data does not hold all of it.
func (r *copyReader) binaryTuple(data []byte) (int, error) {
	bad := func(format string, args ...any) error {
		return r.fail(codeBadCopyFileFormat, fmt.Sprintf("COPY %s, line %d", r.relName, r.line), format, args...)
	}
	if len(data) < 2 {
		return 0, nil
	}
	n := int(int16(binary.BigEndian.Uint16(data)))
	if n == -1 {
		r.done = true
		return 2, nil
	}
	if n != len(r.cols) {
		return 0, bad("row field count is %d, expected %d", n, len(r.cols))
	}
	// Check that the whole tuple is there before decoding it.
	pos := 2
	for range n {
		if len(data)-pos < 4 {
			return 0, nil
		}
		l := int(int32(binary.BigEndian.Uint32(data[pos:])))
		pos += 4
		if l == -1 {
			continue
		}
		if l < 0 {
			return 0, bad("invalid field size")
		}
		if len(data)-pos < l {
			return 0, nil
		}
		pos += l
	}
	row := make([]types.Datum, n)
	p := 2
	for i := range n {
		l := int(int32(binary.BigEndian.Uint32(data[p:])))
		p += 4
		if l == -1 {
			continue
		}
		v := data[p : p+l]
		p += l
		oid := wireOID(r.cols[i].Type)
		if d, ok := binaryDatum(v, oid); ok {
			row[i] = d
			continue
		}
		text, err := decodeBinaryParam(v, oid)
		if err != nil {
			return 0, &copyError{err: sqlerr.New(codeInvalidBinaryRepresentation, "incorrect binary data format: %v", err),
				where: fmt.Sprintf("COPY %s, line %d, column %s", r.relName, r.line, r.cols[i].Name)}
		}
		if row[i], err = r.value(i, text); err != nil {
			return 0, err
		}
	}
	r.rows = append(r.rows, row)
	return pos, nil
}

// copyTo runs COPY … TO STDOUT: the relation's rows or the query's, one
// CopyData message per row.
func (c *conn) copyTo(ctx context.Context, st *copyStmt) (string, error) {
	sql := st.query
	if sql == "" {
		cols, err := c.copyColumns(ctx, st)
		if err != nil {
			return "", err
		}
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = sqlName([]string{col.Name})
		}
		sql = "SELECT " + strings.Join(names, ", ") + " FROM " + sqlName(st.table)
	}
	rs, err := c.run(ctx, sql)
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", sqlerr.New(sqlerr.FeatureNotSupported, "COPY query must have a RETURNING clause")
	}
	res := rs[len(rs)-1]
	vis := visible(res.Columns)
	visCols := make([]types.Column, len(vis))
	for i, ci := range vis {
		visCols[i] = res.Columns[ci]
	}
	forceQuote, err := c.forceFlags(ctx, st, "FORCE_QUOTE", st.forceQuote, visCols)
	if err != nil {
		return "", err
	}
	if st.forceQuoteAll {
		forceQuote = make([]bool, len(vis))
		for i := range forceQuote {
			forceQuote[i] = true
		}
	}
	resp := &pgproto3.CopyOutResponse{ColumnFormatCodes: make([]uint16, len(vis))}
	binaryOut := st.format == "binary"
	if binaryOut {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.be.Send(resp)
	var buf []byte
	send := func() {
		c.be.Send(&pgproto3.CopyData{Data: buf})
		c.pending++
		if c.pending >= flushEvery {
			_ = c.flush()
		}
	}
	if binaryOut {
		buf = append(append(buf[:0], copySignature...), 0, 0, 0, 0, 0, 0, 0, 0)
		send()
	} else if st.header {
		buf = buf[:0]
		for i, ci := range vis {
			if i > 0 {
				buf = append(buf, st.delim)
			}
			buf = c.appendCopyText(buf, st, res.Columns[ci].Name, false)
		}
		buf = append(buf, '\n')
		send()
	}
	for _, row := range res.Rows {
		buf = buf[:0]
		if binaryOut {
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(vis)))
		}
		for i, ci := range vis {
			var d types.Datum
			if ci < len(row) {
				d = row[ci]
			}
			t := res.Columns[ci].Type
			if binaryOut {
				if d == nil {
					buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
					continue
				}
				at := len(buf)
				buf = append(buf, 0, 0, 0, 0)
				if buf, err = encodeBinary(buf, d, t); err != nil {
					return "", sqlerr.Wrap(err, sqlerr.InternalError)
				}
				binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
				continue
			}
			if i > 0 {
				buf = append(buf, st.delim)
			}
			if d == nil {
				buf = append(buf, st.null...)
				continue
			}
			var s string
			if t.Kind == types.KindTimestamptz {
				s = c.sess.FormatValue(d, t)
			} else {
				s = types.FormatTextTyped(d, t)
			}
			buf = c.appendCopyText(buf, st, s, forceQuote != nil && forceQuote[i])
		}
		if !binaryOut {
			buf = append(buf, '\n')
		}
		send()
	}
	if binaryOut {
		buf = append(buf[:0], 0xff, 0xff)
		send()
	}
	c.be.Send(&pgproto3.CopyDone{})
	return "COPY " + strconv.Itoa(len(res.Rows)), nil
}

// appendCopyText appends a non-NULL value in the text or CSV format of st;
// forceQuote quotes it in CSV whatever it holds.
func (c *conn) appendCopyText(buf []byte, st *copyStmt, s string, forceQuote bool) []byte {
	if st.format == "csv" {
		need := forceQuote || s == st.null || strings.HasPrefix(s, `\.`)
		for i := 0; i < len(s) && !need; i++ {
			ch := s[i]
			need = ch == st.delim || ch == st.quote || ch == st.escape || ch == '\n' || ch == '\r'
		}
		if !need {
			return append(buf, s...)
		}
		buf = append(buf, st.quote)
		for i := 0; i < len(s); i++ {
			if s[i] == st.quote || s[i] == st.escape {
				buf = append(buf, st.escape)
			}
			buf = append(buf, s[i])
		}
		return append(buf, st.quote)
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch ch {
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\v':
			buf = append(buf, '\\', 'v')
		default:
			if ch == st.delim {
				buf = append(buf, '\\')
			}
			buf = append(buf, ch)
		}
	}
	return buf
}

// forceFlags maps the columns of a FORCE option to flags over cols, the
// columns of the COPY; each must be one of them.
func (c *conn) forceFlags(ctx context.Context, st *copyStmt, opt string, names []string, cols []types.Column) ([]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	flags := make([]bool, len(cols))
	for _, n := range names {
		i := slices.IndexFunc(cols, func(col types.Column) bool { return col.Name == n })
		if i < 0 {
			if st.query == "" {
				all, err := c.copyColumns(ctx, &copyStmt{table: st.table})
				if err != nil {
					return nil, err
				}
				if !slices.ContainsFunc(all, func(col types.Column) bool { return col.Name == n }) {
					return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q does not exist", n, st.table[len(st.table)-1])
				}
			}
			return nil, sqlerr.New(codeInvalidColumnReference, "%s column %q not referenced by COPY", opt, n)
		}
		flags[i] = true
	}
	return flags, nil
}

// copyWhere returns the CONTEXT of a COPY error, if err is one.
func copyWhere(err error) string {
	var ce *copyError
	if errors.As(err, &ce) {
		return ce.where
	}
	return ""
}
