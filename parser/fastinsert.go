package parser

import (
	"strconv"
	"strings"
)

// fastInsert recognises the commonest bulk statement, one
//
//	INSERT INTO name [(col, …)] VALUES (lit, …), (lit, …) … [;]
//
// whose elements are plain literals (integers, decimals, single-quoted
// strings, NULL, TRUE, FALSE, optionally signed numbers), and builds the same
// AST the full parser builds, without tokens and with three allocations for
// all the literals instead of one per value. Anything else — comments,
// escapes, casts, expressions, quoted names with dots, RETURNING, a second
// statement — makes it give up (ok false), and Parse runs the full parser,
// which also reports every error. The result must equal the full parser's
// (TestFastInsertMatchesParser checks it on generated statements).
func fastInsert(sql string) (st *Insert, ok bool) {
	s := fastScanner{src: sql}
	s.space()
	insPos := s.i
	if !s.keyword("insert") || !s.keyword("into") {
		return nil, false
	}
	table, ok := s.name()
	if !ok {
		return nil, false
	}
	var cols []string
	if s.peek() == '(' {
		s.i++
		for {
			c, ok := s.name()
			if !ok {
				return nil, false
			}
			cols = append(cols, c)
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
	valPos := s.i
	if !s.keyword("values") {
		return nil, false
	}
	// Count the elements first, so that the literals and the row slices
	// are one allocation each.
	commas := strings.Count(sql[s.i:], ",")
	lits := make([]Literal, 0, commas+1)
	widths := make([]int32, 0, commas/2+1)
	for {
		if s.peek() != '(' {
			return nil, false
		}
		s.i++
		w := int32(0)
		for {
			lit, ok := s.literal()
			if !ok {
				return nil, false
			}
			lits = append(lits, lit)
			w++
			c := s.peek()
			s.i++
			if c == ',' {
				continue
			}
			if c != ')' {
				return nil, false
			}
			break
		}
		widths = append(widths, w)
		if s.peek() != ',' {
			break
		}
		s.i++
	}
	if s.peek() == ';' {
		s.i++
	}
	s.space()
	if s.i != len(sql) || s.bad {
		return nil, false
	}
	exprs := make([]Expr, len(lits))
	for i := range lits {
		exprs[i] = &lits[i]
	}
	rows := make([][]Expr, len(widths))
	off := 0
	for i, w := range widths {
		rows[i] = exprs[off : off+int(w) : off+int(w)]
		off += int(w)
	}
	return &Insert{
		Pos:     Pos(insPos),
		Table:   table,
		Columns: cols,
		Source:  &Query{Pos: Pos(valPos), Body: &ValuesClause{Pos: Pos(valPos), Rows: rows}},
	}, true
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

// literal reads one element: a number (optionally signed), a string,
// NULL, TRUE or FALSE, followed by ',' or ')'.
func (s *fastScanner) literal() (Literal, bool) {
	s.space()
	if s.bad || s.i >= len(s.src) {
		return Literal{}, false
	}
	start := s.i
	switch c := s.src[s.i]; {
	case c == '\'':
		end := s.i + 1
		for end < len(s.src) && s.src[end] != '\'' {
			if s.src[end] == '\\' {
				return Literal{}, false
			}
			end++
		}
		if end >= len(s.src) || end+1 < len(s.src) && s.src[end+1] == '\'' {
			return Literal{}, false // unterminated, or '' inside
		}
		s.i = end + 1
		if !s.endOfElement() {
			return Literal{}, false
		}
		return Literal{Pos: Pos(start), Kind: LitString, Text: s.src[start+1 : end]}, true
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
			return Literal{}, false
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
				return Literal{}, false
			}
		}
		s.i = j
		if !s.endOfElement() {
			return Literal{}, false
		}
		text := s.src[start:j]
		if c == '+' {
			// The full parser keeps "+5" as a unary plus.
			return Literal{}, false
		}
		if isInt {
			if v, err := strconv.ParseInt(text, 10, 64); err == nil {
				return Literal{Pos: Pos(start), Kind: LitInteger, Text: text, Int: v}, true
			}
		}
		if c == '-' && (start+1 >= len(s.src) || s.src[start+1] == '.') {
			return Literal{}, false
		}
		return Literal{Pos: Pos(start), Kind: LitNumeric, Text: text}, true
	case isWordStart(c):
		w, ok := s.word()
		if !ok || !s.endOfElement() {
			return Literal{}, false
		}
		switch w {
		case "null":
			return Literal{Pos: Pos(start), Kind: LitNull, Text: "NULL"}, true
		case "true":
			return Literal{Pos: Pos(start), Kind: LitBool, Text: "true", Bool: true}, true
		case "false":
			return Literal{Pos: Pos(start), Kind: LitBool, Text: "false"}, true
		}
	}
	return Literal{}, false
}

// endOfElement reports whether the next token ends a VALUES element.
func (s *fastScanner) endOfElement() bool {
	c := s.peek()
	return c == ',' || c == ')'
}
