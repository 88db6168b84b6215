package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // unquoted identifier or keyword; val is lower-cased
	tQIdent         // "quoted identifier"; val is exact
	tString         // string constant; val is the decoded value
	tBitStr         // B'0101' or X'1f'; val is the raw text
	tInt            // integer constant
	tNum            // numeric constant with a fraction or exponent
	tParam          // $1
	tOp             // operator or punctuation
)

type token struct {
	kind tokKind
	val  string
	pos  Pos
	end  Pos
	nl   bool // whitespace before this token contained a newline
}

func (t token) text(sql string) string {
	if t.kind == tEOF {
		return ""
	}
	return sql[t.pos:t.end]
}

// multi-character operators, longest first.
var multiOps = []string{
	"->>", "#>>", "!~*", "!~~", "~~*", "||/",
	"::", "|/", "->", "#>", "#-", "@>", "<@", "<=", ">=", "<>", "!=", "==", "||", "<<", ">>",
	"!~", "~*", "~~", "?|", "?&", "&&", "@@", "^@",
}

// multiOpStart marks the bytes that begin a multi-character operator.
var multiOpStart = func() (t [256]bool) {
	for _, op := range multiOps {
		t[op[0]] = true
	}
	return t
}()

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

type lexer struct {
	sql  string
	pos  int
	toks []token
}

// lex tokenizes the whole input. It returns an *Error for unterminated
// strings, identifiers and comments.
func lex(sql string) ([]token, *Error) {
	// At most one token per 2 bytes of typical SQL text: one allocation for the
	// token slice of most statements (bulk VALUES lists included).
	lx := &lexer{sql: sql, toks: make([]token, 0, len(sql)/2+8)}
	for {
		nl, err := lx.skipSpace()
		if err != nil {
			return nil, err
		}
		if lx.pos >= len(sql) {
			lx.toks = append(lx.toks, token{kind: tEOF, pos: Pos(len(sql)), end: Pos(len(sql)), nl: nl})
			return lx.toks, nil
		}
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		t.nl = nl
		lx.toks = append(lx.toks, t)
	}
}

func (lx *lexer) errAt(pos int, msg string) *Error {
	tok := ""
	if pos < len(lx.sql) {
		tok = lx.sql[pos:]
		if len(tok) > 20 {
			tok = tok[:20]
		}
	}
	return newError(lx.sql, Pos(pos), msg, tok, "")
}

func (lx *lexer) skipSpace() (bool, *Error) {
	nl := false
	s := lx.sql
	for lx.pos < len(s) {
		c := s[lx.pos]
		switch {
		case c == '\n':
			nl = true
			lx.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '-' && lx.pos+1 < len(s) && s[lx.pos+1] == '-':
			for lx.pos < len(s) && s[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '/' && lx.pos+1 < len(s) && s[lx.pos+1] == '*':
			start := lx.pos
			depth := 0
			for {
				if lx.pos+1 >= len(s) {
					lx.pos = len(s)
					return nl, lx.errAt(start, "unterminated /* comment")
				}
				if s[lx.pos] == '/' && s[lx.pos+1] == '*' {
					depth++
					lx.pos += 2
				} else if s[lx.pos] == '*' && s[lx.pos+1] == '/' {
					depth--
					lx.pos += 2
					if depth == 0 {
						break
					}
				} else {
					if s[lx.pos] == '\n' {
						nl = true
					}
					lx.pos++
				}
			}
		default:
			return nl, nil
		}
	}
	return nl, nil
}

func (lx *lexer) next() (token, *Error) {
	s := lx.sql
	start := lx.pos
	c := s[start]
	mk := func(k tokKind, val string) (token, *Error) {
		return token{kind: k, val: val, pos: Pos(start), end: Pos(lx.pos)}, nil
	}
	// Prefixed strings: E'..', B'..', X'..', N'..'.
	if start+1 < len(s) && s[start+1] == '\'' {
		switch c {
		case 'e', 'E':
			lx.pos++
			v, err := lx.quoted(true)
			if err != nil {
				return token{}, err
			}
			return mk(tString, v)
		case 'b', 'B', 'x', 'X':
			lx.pos++
			if _, err := lx.quoted(false); err != nil {
				return token{}, err
			}
			return mk(tBitStr, strings.ToUpper(s[start:start+1])+s[start+1:lx.pos])
		case 'n', 'N':
			lx.pos++
			v, err := lx.quoted(false)
			if err != nil {
				return token{}, err
			}
			return mk(tString, v)
		}
	}
	switch {
	case isIdentStart(c):
		for lx.pos < len(s) && isIdentChar(s[lx.pos]) {
			lx.pos++
		}
		return mk(tIdent, lowerASCII(s[start:lx.pos]))
	case c == '"':
		lx.pos++
		var b strings.Builder
		for {
			if lx.pos >= len(s) {
				return token{}, lx.errAt(start, "unterminated quoted identifier")
			}
			if s[lx.pos] == '"' {
				if lx.pos+1 < len(s) && s[lx.pos+1] == '"' {
					b.WriteByte('"')
					lx.pos += 2
					continue
				}
				lx.pos++
				break
			}
			b.WriteByte(s[lx.pos])
			lx.pos++
		}
		if b.Len() == 0 {
			return token{}, lx.errAt(start, "zero-length delimited identifier")
		}
		return mk(tQIdent, b.String())
	case c == '\'':
		v, err := lx.quoted(false)
		if err != nil {
			return token{}, err
		}
		return mk(tString, v)
	case isDigit(c) || c == '.' && start+1 < len(s) && isDigit(s[start+1]):
		kind := tInt
		for lx.pos < len(s) && isDigit(s[lx.pos]) {
			lx.pos++
		}
		if lx.pos < len(s) && s[lx.pos] == '.' && !(lx.pos+1 < len(s) && s[lx.pos+1] == '.') {
			kind = tNum
			lx.pos++
			for lx.pos < len(s) && isDigit(s[lx.pos]) {
				lx.pos++
			}
		}
		if lx.pos < len(s) && (s[lx.pos] == 'e' || s[lx.pos] == 'E') {
			p := lx.pos + 1
			if p < len(s) && (s[p] == '+' || s[p] == '-') {
				p++
			}
			if p < len(s) && isDigit(s[p]) {
				kind = tNum
				for p < len(s) && isDigit(s[p]) {
					p++
				}
				lx.pos = p
			}
		}
		return mk(kind, s[start:lx.pos])
	case c == '$':
		if start+1 < len(s) && isDigit(s[start+1]) {
			lx.pos++
			for lx.pos < len(s) && isDigit(s[lx.pos]) {
				lx.pos++
			}
			return mk(tParam, s[start+1:lx.pos])
		}
		// dollar-quoted string
		p := start + 1
		for p < len(s) && s[p] != '$' && isIdentChar(s[p]) {
			p++
		}
		if p < len(s) && s[p] == '$' && (p == start+1 || !isDigit(s[start+1])) {
			tag := s[start : p+1]
			body := p + 1
			end := strings.Index(s[body:], tag)
			if end < 0 {
				lx.pos = len(s)
				return token{}, lx.errAt(start, "unterminated dollar-quoted string")
			}
			lx.pos = body + end + len(tag)
			return mk(tString, s[body:body+end])
		}
		lx.pos++
		return mk(tOp, "$")
	}
	if multiOpStart[c] {
		for _, op := range multiOps {
			if strings.HasPrefix(s[start:], op) {
				if op[len(op)-1] == '/' && start+len(op) < len(s) && s[start+len(op)] == '*' {
					continue // "||/*": || then a comment
				}
				lx.pos += len(op)
				return mk(tOp, op)
			}
		}
	}
	if c < utf8.RuneSelf {
		lx.pos++
		return mk(tOp, s[start:lx.pos])
	}
	_, size := utf8.DecodeRuneInString(s[start:])
	lx.pos += size
	return mk(tOp, s[start:lx.pos])
}

// quoted scans a '...' string starting at lx.pos (which must be at the quote).
func (lx *lexer) quoted(escapes bool) (string, *Error) {
	s := lx.sql
	start := lx.pos
	lx.pos++
	// Fast path: no doubled quote and no escape before the closing quote,
	// so the value is a substring of the input (no copy).
	for i := lx.pos; i < len(s); i++ {
		c := s[i]
		if c == '\\' && escapes {
			break
		}
		if c == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				break
			}
			v := s[lx.pos:i]
			lx.pos = i + 1
			return v, nil
		}
	}
	var b strings.Builder
	for {
		if lx.pos >= len(s) {
			return "", lx.errAt(start, "unterminated quoted string")
		}
		c := s[lx.pos]
		if c == '\'' {
			if lx.pos+1 < len(s) && s[lx.pos+1] == '\'' {
				b.WriteByte('\'')
				lx.pos += 2
				continue
			}
			lx.pos++
			v := b.String()
			if escapes && !utf8.ValidString(v) {
				e := lx.errAt(start, invalidUTF8(v))
				e.Code = "22021" // character_not_in_repertoire
				return "", e
			}
			return v, nil
		}
		if c == '\\' && escapes && lx.pos+1 < len(s) {
			lx.pos++
			e := s[lx.pos]
			lx.pos++
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for i := 0; i < 2 && lx.pos < len(s) && s[lx.pos] >= '0' && s[lx.pos] <= '7'; i++ {
					v = v*8 + int(s[lx.pos]-'0')
					lx.pos++
				}
				b.WriteByte(byte(v))
			case 'x':
				v, n := 0, 0
				for n < 2 && lx.pos < len(s) && hexVal(s[lx.pos]) >= 0 {
					v = v*16 + hexVal(s[lx.pos])
					lx.pos++
					n++
				}
				if n == 0 {
					b.WriteByte('x')
				} else {
					b.WriteByte(byte(v))
				}
			case 'u', 'U':
				want := 4
				if e == 'U' {
					want = 8
				}
				v, n := 0, 0
				for n < want && lx.pos < len(s) && hexVal(s[lx.pos]) >= 0 {
					v = v*16 + hexVal(s[lx.pos])
					lx.pos++
					n++
				}
				if n != want || !utf8.ValidRune(rune(v)) {
					return "", lx.errAt(lx.pos-n-2, "invalid Unicode escape")
				}
				b.WriteRune(rune(v))
			default:
				b.WriteByte(e)
			}
			continue
		}
		b.WriteByte(c)
		lx.pos++
	}
}

// invalidUTF8 is Postgres's message for the first invalid UTF-8 sequence
// of v: the bytes its leading byte announces, as "0xc3 0x28".
func invalidUTF8(v string) string {
	i := 0
	for i < len(v) {
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	n := 1
	switch c := v[i]; {
	case c >= 0xc0 && c < 0xe0:
		n = 2
	case c >= 0xe0 && c < 0xf0:
		n = 3
	case c >= 0xf0 && c < 0xf8:
		n = 4
	}
	var bs []string
	for j := i; j < len(v) && j < i+n; j++ {
		bs = append(bs, fmt.Sprintf("0x%02x", v[j]))
	}
	return `invalid byte sequence for encoding "UTF8": ` + strings.Join(bs, " ")
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// SplitStatements splits a script into statement texts on top-level ';',
// respecting quoted strings and identifiers, dollar-quoted strings and
// comments. Each returned statement is trimmed of surrounding whitespace and
// has no trailing ';'; statements that are empty or contain only comments
// are dropped. Unterminated constructs extend to the end of the input.
func SplitStatements(sql string) []string {
	var out []string
	start := 0
	hasCode := false
	emit := func(end int) {
		if hasCode {
			out = append(out, strings.TrimSpace(sql[start:end]))
		}
		hasCode = false
	}
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 0
			for i < len(sql) {
				if i+1 < len(sql) && sql[i] == '/' && sql[i+1] == '*' {
					depth++
					i += 2
				} else if i+1 < len(sql) && sql[i] == '*' && sql[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'' || c == '"':
			hasCode = true
			esc := c == '\'' && i > 0 && (sql[i-1] == 'e' || sql[i-1] == 'E') && (i < 2 || !isIdentChar(sql[i-2]))
			i++
			for i < len(sql) {
				if esc && sql[i] == '\\' {
					i += 2
					continue
				}
				if sql[i] == c {
					if i+1 < len(sql) && sql[i+1] == c {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
		case c == '$' && (i == 0 || !isIdentChar(sql[i-1])):
			hasCode = true
			p := i + 1
			for p < len(sql) && sql[p] != '$' && isIdentChar(sql[p]) {
				p++
			}
			if p < len(sql) && sql[p] == '$' && (p == i+1 || !isDigit(sql[i+1])) {
				tag := sql[i : p+1]
				end := strings.Index(sql[p+1:], tag)
				if end < 0 {
					i = len(sql)
				} else {
					i = p + 1 + end + len(tag)
				}
			} else {
				i++
			}
		case isIdentStart(c):
			hasCode = true
			for i < len(sql) && isIdentChar(sql[i]) {
				i++
			}
		case c == ';':
			emit(i)
			i++
			start = i
		default:
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
				hasCode = true
			}
			i++
		}
	}
	emit(len(sql))
	return out
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}
