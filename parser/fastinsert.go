package parser

import (
	"math"
	"strings"
	"unsafe"
)

// fastInsert recognises the commonest bulk statement, one
//
//	INSERT INTO name [(col, …)] VALUES (elem, …), (elem, …) … [;]
//
// whose elements are plain literals (integers, decimals, single-quoted
// strings, NULL, TRUE, FALSE, optionally signed numbers) or DEFAULT, and
// builds the same AST the full parser builds, without tokens and with a
// few allocations for all the literals instead of one per value. Anything
// else — comments, E” strings, casts, expressions, quoted names with dots,
// RETURNING, a second statement — makes it give up (ok false), and Parse
// runs the full parser, which also reports every error. The result must
// equal the full parser's (TestFastInsertMatchesParser checks it on
// generated statements).
func fastInsert(sql string) (st *Insert, ok bool) {
	b, ok := ScanBulkInsert(sql)
	if !ok {
		return nil, false
	}
	// Count the elements first, so that the literals and the row slices
	// are one allocation each.
	commas := strings.Count(sql[b.s.i:], ",")
	lits := make([]Literal, 0, commas+1)
	exprs := make([]Expr, 0, commas+1)
	rows := make([][]Expr, 0, strings.Count(sql[b.s.i:], "("))
	var v BulkValue
	for b.NextRow() {
		start := len(exprs)
		for {
			if !b.Value(&v) {
				return nil, false
			}
			if v.Default {
				exprs = append(exprs, &Default{Pos: v.Pos})
			} else {
				lit := v.Literal
				if v.escaped {
					lit.Text = strings.Clone(lit.Text)
				}
				lits = append(lits, lit)
				exprs = append(exprs, nil) // set below: lits may still move
			}
			if v.EndRow {
				break
			}
		}
		rows = append(rows, exprs[start:len(exprs):len(exprs)])
	}
	if !b.Done() {
		return nil, false
	}
	k := 0
	for i, x := range exprs {
		if x == nil {
			exprs[i] = &lits[k]
			k++
		}
	}
	return &Insert{
		Pos:     b.Pos,
		Table:   b.Table,
		Columns: b.Columns,
		Source:  &Query{Pos: b.ValuesPos, Body: &ValuesClause{Pos: b.ValuesPos, Rows: rows}},
	}, true
}

// BulkInsert scans a bulk INSERT … VALUES of plain literals (the shape
// fastInsert takes) element by element, so that a caller can convert each
// value straight into its column without an AST. Read it as
//
//	for b.NextRow() {
//		for { if !b.Value(&v) { give up }; …; if v.EndRow { break } }
//	}
//	if !b.Done() { give up }
//
// Giving up means running the full parser (Parse), which reports any error:
// the scanner itself reports none.
type BulkInsert struct {
	Pos       Pos      // of INSERT
	Table     string   // the table name as written (unquoted, lower-cased unless quoted)
	Columns   []string // the column list, nil when there is none
	ValuesPos Pos      // of VALUES

	s       fastScanner
	rows    int
	ended   bool
	scratch []byte // the decoded text of a string with '' inside
}

// BulkValue is one element of a BulkInsert: a literal (Kind, Text, Int,
// Bool and Pos as the full parser's Literal) or DEFAULT.
type BulkValue struct {
	Literal
	Default bool // the element is DEFAULT (Literal is zero)
	EndRow  bool // the element is the last of its row
	escaped bool // Text is in the scanner's scratch buffer
}

// ScanBulkInsert reads the head of sql up to VALUES. ok is false when sql
// does not start like a bulk INSERT.
func ScanBulkInsert(sql string) (b *BulkInsert, ok bool) {
	b = &BulkInsert{s: fastScanner{src: sql}}
	s := &b.s
	s.space()
	b.Pos = Pos(s.i)
	if !s.keyword("insert") || !s.keyword("into") {
		return nil, false
	}
	if b.Table, ok = s.name(); !ok {
		return nil, false
	}
	if s.peek() == '(' {
		s.i++
		for {
			c, ok := s.name()
			if !ok {
				return nil, false
			}
			b.Columns = append(b.Columns, c)
			if s.peek() == ',' {
				s.i++
				continue
			}
			if s.peek() != ')' {
				return nil, false
			}
			s.i++
			break
		}
	}
	s.space()
	b.ValuesPos = Pos(s.i)
	if !s.keyword("values") {
		return nil, false
	}
	return b, true
}

// NextRow starts the next row (its '('), and reports false after the last
// one or when the text goes on with anything but a row.
func (b *BulkInsert) NextRow() bool {
	s := &b.s
	if b.rows > 0 {
		if s.peek() != ',' {
			b.ended = true
			return false
		}
		s.i++
	}
	if s.peek() != '(' {
		s.bad = true
		return false
	}
	s.i++
	b.rows++
	return true
}

// Value reads the next element of the current row into v, with the ','
// or ')' after it. It reports false on anything but a plain literal or
// DEFAULT. The Text of a string holding ” is valid until the next call.
func (b *BulkInsert) Value(v *BulkValue) bool {
	*v = BulkValue{}
	if !b.s.element(v, &b.scratch) {
		b.s.bad = true
		return false
	}
	s := &b.s
	s.space()
	if s.bad || s.i >= len(s.src) {
		s.bad = true
		return false
	}
	switch s.src[s.i] {
	case ',':
	case ')':
		v.EndRow = true
	default:
		s.bad = true
		return false
	}
	s.i++
	return true
}

// Done reports, once NextRow has returned false, whether the statement
// was read whole: at least one row, nothing unusual, and nothing after the
// rows but a ';' and white space.
func (b *BulkInsert) Done() bool {
	s := &b.s
	if !b.ended || s.bad || b.rows == 0 {
		return false
	}
	if s.peek() == ';' {
		s.i++
	}
	s.space()
	return s.i == len(s.src) && !s.bad
}

// fastScanner walks the text of a candidate fast INSERT. bad is set on
// anything the fast path leaves to the full parser.
type fastScanner struct {
	src string
	i   int
	bad bool
}

// space skips white space; a comment marks the statement bad.
func (s *fastScanner) space() {
	if s.i < len(s.src) && !spaceOrComment[s.src[s.i]] {
		return // the common case, inlined
	}
	s.spaceSlow()
}

// spaceOrComment marks the bytes that may start white space or a comment.
var spaceOrComment = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '\v': true, '-': true, '/': true}

func (s *fastScanner) spaceSlow() {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			s.i++
		case '-':
			if s.i+1 < len(s.src) && s.src[s.i+1] == '-' {
				s.bad = true
			}
			return
		case '/':
			if s.i+1 < len(s.src) && s.src[s.i+1] == '*' {
				s.bad = true
			}
			return
		default:
			return
		}
	}
}

// peek skips space and returns the next byte (0 at the end).
func (s *fastScanner) peek() byte {
	s.space()
	if s.i >= len(s.src) || s.bad {
		return 0
	}
	return s.src[s.i]
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isWordByte(c byte) bool {
	return isWordStart(c) || c >= '0' && c <= '9' || c == '$'
}

// word reads an ASCII word and returns it lower-cased; ok is false when
// the next token is not one (or holds non-ASCII bytes).
func (s *fastScanner) word() (string, bool) {
	s.space()
	if s.bad || s.i >= len(s.src) || !isWordStart(s.src[s.i]) {
		return "", false
	}
	start := s.i
	lower := true
	for s.i < len(s.src) && isWordByte(s.src[s.i]) {
		if c := s.src[s.i]; c >= 'A' && c <= 'Z' {
			lower = false
		}
		s.i++
	}
	if s.i < len(s.src) && s.src[s.i] >= 0x80 {
		return "", false
	}
	w := s.src[start:s.i]
	if !lower {
		b := []byte(w)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		w = string(b)
	}
	return w, true
}

func (s *fastScanner) keyword(kw string) bool {
	w, ok := s.word()
	return ok && w == kw
}

// name reads an unreserved identifier or a simple quoted one (no "" or
// dot inside); a qualified name makes the statement bad.
func (s *fastScanner) name() (string, bool) {
	s.space()
	if s.bad || s.i >= len(s.src) {
		return "", false
	}
	var n string
	if s.src[s.i] == '"' {
		end := s.i + 1
		for end < len(s.src) && s.src[end] != '"' {
			end++
		}
		if end >= len(s.src) || end == s.i+1 || end+1 < len(s.src) && s.src[end+1] == '"' {
			return "", false
		}
		n = s.src[s.i+1 : end]
		for j := 0; j < len(n); j++ {
			if n[j] == '.' || n[j] >= 0x80 {
				return "", false
			}
		}
		s.i = end + 1
	} else {
		w, ok := s.word()
		if !ok || reserved[w] {
			return "", false
		}
		n = w
	}
	if s.i < len(s.src) && s.src[s.i] == '.' {
		return "", false
	}
	return n, true
}

// element reads one element: a number (optionally signed), a string
// (with ” for a quote inside, decoded into *scratch), NULL, TRUE, FALSE
// or DEFAULT, followed by ',' or ')' (not consumed).
func (s *fastScanner) element(v *BulkValue, scratch *[]byte) bool {
	s.space()
	if s.bad || s.i >= len(s.src) {
		return false
	}
	start := s.i
	v.Pos = Pos(start)
	switch c := s.src[s.i]; {
	case c == '\'':
		end := s.i + 1
		quotes := false
		for {
			for end < len(s.src) && s.src[end] != '\'' {
				end++
			}
			if end+1 < len(s.src) && s.src[end+1] == '\'' {
				quotes = true
				end += 2
				continue
			}
			break
		}
		if end >= len(s.src) {
			return false // unterminated
		}
		s.i = end + 1
		v.Kind, v.Text = LitString, s.src[start+1:end]
		if quotes {
			buf := (*scratch)[:0]
			for j := start + 1; j < end; j++ {
				buf = append(buf, s.src[j])
				if s.src[j] == '\'' {
					j++
				}
			}
			*scratch = buf
			v.Text, v.escaped = unsafe.String(unsafe.SliceData(buf), len(buf)), true
		}
		return true
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		j := s.i
		if c == '-' || c == '+' {
			j++
		}
		digits := 0
		isInt := true
		for j < len(s.src) && s.src[j] >= '0' && s.src[j] <= '9' {
			j++
			digits++
		}
		if j < len(s.src) && s.src[j] == '.' {
			isInt = false
			j++
			for j < len(s.src) && s.src[j] >= '0' && s.src[j] <= '9' {
				j++
				digits++
			}
		}
		if digits == 0 {
			return false
		}
		if j < len(s.src) && (s.src[j] == 'e' || s.src[j] == 'E') {
			isInt = false
			j++
			if j < len(s.src) && (s.src[j] == '+' || s.src[j] == '-') {
				j++
			}
			ed := 0
			for j < len(s.src) && s.src[j] >= '0' && s.src[j] <= '9' {
				j++
				ed++
			}
			if ed == 0 {
				return false
			}
		}
		s.i = j
		text := s.src[start:j]
		if c == '+' {
			// The full parser keeps "+5" as a unary plus.
			return false
		}
		if isInt {
			if n, ok := parseInt64(text); ok {
				v.Kind, v.Text, v.Int = LitInteger, text, n
				return true
			}
		}
		if c == '-' && (start+1 >= len(s.src) || s.src[start+1] == '.') {
			return false
		}
		v.Kind, v.Text = LitNumeric, text
		return true
	case isWordStart(c):
		w, ok := s.word()
		if !ok {
			return false
		}
		switch w {
		case "null":
			v.Kind, v.Text = LitNull, "NULL"
		case "true":
			v.Kind, v.Text, v.Bool = LitBool, "true", true
		case "false":
			v.Kind, v.Text = LitBool, "false"
		case "default":
			v.Default = true
		default:
			return false
		}
		return true
	}
	return false
}

// parseInt64 parses an optionally '-'-signed string of decimal digits,
// reporting false when it overflows int64.
func parseInt64(text string) (int64, bool) {
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	for len(text) > 1 && text[0] == '0' {
		text = text[1:]
	}
	if len(text) > 19 { // 19 digits never overflow a uint64
		return 0, false
	}
	var u uint64
	for i := 0; i < len(text); i++ {
		u = u*10 + uint64(text[i]-'0')
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	case neg && u <= 1<<63:
		return -int64(u), true
	}
	return 0, false
}
