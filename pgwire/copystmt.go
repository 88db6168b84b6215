package pgwire

import (
	"strings"

	"github.com/eddysql/eddy/sqlerr"
)

// copyStmt is a parsed COPY statement:
//
//	COPY name [(col, …)] FROM STDIN [[WITH] options]
//	COPY name [(col, …)] TO STDOUT [[WITH] options]
//	COPY (query) TO STDOUT [[WITH] options]
//
// options are either the parenthesized list of Postgres 9.0 and later,
// (FORMAT csv, HEADER true, DELIMITER ',', NULL 'x', QUOTE '"', ESCAPE '"', …),
// or the older word syntax that psql's \copy passes through (BINARY, CSV,
// HEADER, DELIMITER [AS] 'c', NULL [AS] 's', QUOTE [AS] 'q', ESCAPE [AS] 'e',
// FORCE QUOTE …, FORCE NOT NULL …, FORCE NULL …).
type copyStmt struct {
	table []string // the relation's name parts (schema-qualified or not), as written after case folding
	cols  []string // the column list; nil means every visible column
	query string   // COPY (query) TO: the query's text
	from  bool     // FROM STDIN (else TO STDOUT)

	// CSV only: FORCE_QUOTE (TO: quote every non-NULL value of these
	// columns, or of all with forceQuoteAll), FORCE_NOT_NULL and FORCE_NULL
	// (FROM: never match the NULL string, or match it quoted too).
	forceQuote, forceNotNull, forceNull []string
	forceQuoteAll                       bool
	forceSet                            map[string]bool // the FORCE options given

	format string // "text", "csv" or "binary"
	header bool
	delim  byte
	null   string
	quote  byte
	escape byte
}

// copyToken is a token of a COPY statement.
type copyToken struct {
	text string
	kind byte // 'w' word (lower-cased), 'i' quoted identifier, 's' string, 'p' punctuation
	at   int  // byte offset in the statement
	end  int  // byte offset after the token
}

// copyTokens splits sql into tokens, skipping comments.
func copyTokens(sql string) ([]copyToken, error) {
	var out []copyToken
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return nil, sqlerr.New(sqlerr.SyntaxError, "unterminated /* comment")
			}
			i += j + 4
		case c == '\'' || c == '"' || (c == 'e' || c == 'E') && i+1 < len(sql) && sql[i+1] == '\'':
			start := i
			escapes := false
			if c == 'e' || c == 'E' {
				escapes = true
				i++
				c = '\''
			}
			var b strings.Builder
			i++
			closed := false
			for i < len(sql) {
				if escapes && sql[i] == '\\' && i+1 < len(sql) {
					b.WriteByte(unescapeByte(sql[i+1]))
					i += 2
					continue
				}
				if sql[i] == c {
					if i+1 < len(sql) && sql[i+1] == c {
						b.WriteByte(c)
						i += 2
						continue
					}
					closed = true
					i++
					break
				}
				b.WriteByte(sql[i])
				i++
			}
			if !closed {
				return nil, sqlerr.New(sqlerr.SyntaxError, "unterminated quoted string at or near %q", sql[start:])
			}
			kind := byte('s')
			if c == '"' {
				kind = 'i'
			}
			out = append(out, copyToken{text: b.String(), kind: kind, at: start, end: i})
		case strings.IndexByte("(),.;=*", c) >= 0:
			out = append(out, copyToken{text: string(c), kind: 'p', at: i, end: i + 1})
			i++
		default:
			j := i
			for j < len(sql) && !strings.ContainsRune(" \t\n\r\f(),.;='\"*", rune(sql[j])) {
				j++
			}
			out = append(out, copyToken{text: strings.ToLower(sql[i:j]), kind: 'w', at: i, end: j})
			i = j
		}
	}
	return out, nil
}

// unescapeByte is the byte a backslash escape in an E-string stands for
// (the single-character ones).
func unescapeByte(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	}
	return c
}

// isCopyStatement reports whether sql is a COPY statement: its first
// word, after blanks and comments, is COPY.
func isCopyStatement(sql string) bool {
	i := 0
	for i < len(sql) {
		switch c := sql[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return false
			}
			i += j + 1
		case strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return false
			}
			i += j + 4
		default:
			rest := sql[i:]
			return len(rest) >= 4 && strings.EqualFold(rest[:4], "copy") && (len(rest) == 4 || !isIdentByte(rest[4]))
		}
	}
	return false
}

// copyParser reads the tokens of a COPY statement.
type copyParser struct {
	sql  string
	toks []copyToken
	i    int
}

func (p *copyParser) peek() copyToken {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return copyToken{}
}

func (p *copyParser) next() copyToken {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// word consumes the keyword w if it comes next.
func (p *copyParser) word(w string) bool {
	if t := p.peek(); t.kind == 'w' && t.text == w {
		p.i++
		return true
	}
	return false
}

// punct consumes the punctuation c if it comes next.
func (p *copyParser) punct(c string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == c {
		p.i++
		return true
	}
	return false
}

func (p *copyParser) errNear() error {
	t := p.peek()
	if t.kind == 0 {
		return sqlerr.New(sqlerr.SyntaxError, "syntax error at end of input")
	}
	return sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", p.sql[t.at:t.end])
}

// ident consumes an identifier (a word or a quoted identifier).
func (p *copyParser) ident() (string, bool) {
	t := p.peek()
	if t.kind == 'w' && t.text != "" || t.kind == 'i' {
		p.i++
		return t.text, true
	}
	return "", false
}

// parseCopy parses a COPY statement.
func parseCopy(sql string) (*copyStmt, error) {
	toks, err := copyTokens(sql)
	if err != nil {
		return nil, err
	}
	p := &copyParser{sql: sql, toks: toks}
	if !p.word("copy") {
		return nil, p.errNear()
	}
	st := &copyStmt{format: "text"}
	if p.peek().kind == 'p' && p.peek().text == "(" {
		open := p.next()
		depth := 1
		for depth > 0 {
			t := p.next()
			switch {
			case t.kind == 0:
				return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at end of input")
			case t.kind == 'p' && t.text == "(":
				depth++
			case t.kind == 'p' && t.text == ")":
				depth--
				if depth == 0 {
					st.query = strings.TrimSpace(sql[open.end:t.at])
				}
			}
		}
		if st.query == "" {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \")\"")
		}
	} else {
		for {
			n, ok := p.ident()
			if !ok {
				return nil, p.errNear()
			}
			st.table = append(st.table, n)
			if !p.punct(".") {
				break
			}
		}
		if p.punct("(") {
			for {
				n, ok := p.ident()
				if !ok {
					return nil, p.errNear()
				}
				st.cols = append(st.cols, n)
				if p.punct(")") {
					break
				}
				if !p.punct(",") {
					return nil, p.errNear()
				}
			}
		}
	}
	switch {
	case p.word("from"):
		st.from = true
		if st.query != "" {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"from\"").WithHint("COPY (query) can only copy TO STDOUT")
		}
		if !p.word("stdin") {
			return nil, copyFileErr(p)
		}
	case p.word("to"):
		if !p.word("stdout") {
			return nil, copyFileErr(p)
		}
	default:
		return nil, p.errNear()
	}
	var delim, null, quote, escape *string
	setStr := func(dst **string, name string) error {
		if *dst != nil {
			return sqlerr.New(sqlerr.SyntaxError, "conflicting or redundant options").WithHint("option " + name + " is given twice")
		}
		p.word("as")
		if p.peek().kind != 's' {
			return p.errNear()
		}
		t := p.next()
		*dst = &t.text
		return nil
	}
	p.word("with")
	if p.punct("(") {
		for {
			name, ok := p.ident()
			if !ok {
				return nil, p.errNear()
			}
			var val copyToken
			var cols []string
			if t := p.peek(); !(t.kind == 'p' && (t.text == "," || t.text == ")")) {
				val = p.next()
				if val.kind == 'p' && val.text == "(" { // FORCE_QUOTE (cols)
					for {
						n, ok := p.ident()
						if !ok {
							return nil, p.errNear()
						}
						cols = append(cols, n)
						if p.punct(")") {
							break
						}
						if !p.punct(",") {
							return nil, p.errNear()
						}
					}
				}
			}
			if strings.HasPrefix(name, "force_") {
				if err := st.setForce(name, cols, val.kind == 'p' && val.text == "*"); err != nil {
					return nil, err
				}
				name = ""
			}
			switch name {
			case "format":
				switch val.text {
				case "text", "csv", "binary":
					st.format = val.text
				default:
					return nil, sqlerr.New(sqlerr.InvalidParameterValue, "COPY format %q not recognized", val.text)
				}
			case "header":
				switch val.text {
				case "", "true", "on", "1":
					st.header = true
				case "false", "off", "0":
					st.header = false
				case "match":
					return nil, sqlerr.New(sqlerr.FeatureNotSupported, "HEADER MATCH is not supported")
				default:
					return nil, sqlerr.New(sqlerr.InvalidParameterValue, "%s requires a Boolean value or \"match\"", "header")
				}
			case "delimiter", "null", "quote", "escape":
				if val.kind != 's' {
					return nil, sqlerr.New(sqlerr.SyntaxError, "%s requires a string value", name)
				}
				v := val.text
				switch name {
				case "delimiter":
					delim = &v
				case "null":
					null = &v
				case "quote":
					quote = &v
				case "escape":
					escape = &v
				}
			case "encoding":
				if !strings.EqualFold(strings.ReplaceAll(val.text, "-", ""), "utf8") {
					return nil, sqlerr.New(sqlerr.FeatureNotSupported, "COPY encoding %q is not supported (only UTF8)", val.text)
				}
			case "":
			case "freeze":
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "COPY option %q is not supported", name)
			default:
				return nil, sqlerr.New(sqlerr.SyntaxError, "option %q not recognized", name)
			}
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return nil, p.errNear()
			}
		}
	} else {
		for {
			var err error
			switch {
			case p.word("binary"):
				st.format = "binary"
			case p.word("csv"):
				st.format = "csv"
			case p.word("header"):
				st.header = true
			case p.word("delimiter"):
				err = setStr(&delim, "delimiter")
			case p.word("null"):
				err = setStr(&null, "null")
			case p.word("quote"):
				err = setStr(&quote, "quote")
			case p.word("escape"):
				err = setStr(&escape, "escape")
			case p.word("encoding"):
				var enc *string
				if err = setStr(&enc, "encoding"); err == nil && !strings.EqualFold(strings.ReplaceAll(*enc, "-", ""), "utf8") {
					err = sqlerr.New(sqlerr.FeatureNotSupported, "COPY encoding %q is not supported (only UTF8)", *enc)
				}
			case p.word("force"):
				var name string
				switch {
				case p.word("quote"):
					name = "force_quote"
				case p.word("not"):
					if !p.word("null") {
						return nil, p.errNear()
					}
					name = "force_not_null"
				case p.word("null"):
					name = "force_null"
				default:
					return nil, p.errNear()
				}
				if name == "force_quote" && p.punct("*") {
					err = st.setForce(name, nil, true)
					break
				}
				var cols []string
				for {
					n, ok := p.ident()
					if !ok {
						return nil, p.errNear()
					}
					cols = append(cols, n)
					if !p.punct(",") {
						break
					}
				}
				err = st.setForce(name, cols, false)
			default:
				goto done
			}
			if err != nil {
				return nil, err
			}
		}
	done:
	}
	p.punct(";")
	if p.i < len(p.toks) {
		return nil, p.errNear()
	}
	return st, st.setOptions(delim, null, quote, escape)
}

func copyFileErr(p *copyParser) error {
	if t := p.peek(); t.kind == 's' || t.kind == 'w' && t.text == "program" {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY to or from a file or program is not supported").
			WithHint("Use COPY … FROM STDIN or TO STDOUT, for example psql's \\copy.")
	}
	return p.errNear()
}

// setForce records a FORCE_QUOTE, FORCE_NOT_NULL or FORCE_NULL option.
func (st *copyStmt) setForce(name string, cols []string, all bool) error {
	if st.forceSet[name] {
		return sqlerr.New(sqlerr.SyntaxError, "conflicting or redundant options")
	}
	if st.forceSet == nil {
		st.forceSet = map[string]bool{}
	}
	st.forceSet[name] = true
	switch {
	case all && name != "force_quote", !all && len(cols) == 0:
		return sqlerr.New(sqlerr.SyntaxError, "argument to option %q must be a list of column names", name)
	case name == "force_quote":
		st.forceQuote, st.forceQuoteAll = cols, all
	case name == "force_not_null":
		st.forceNotNull = cols
	default:
		st.forceNull = cols
	}
	return nil
}

// setOptions checks the options against the format and fills in defaults,
// with Postgres's rules and messages.
func (st *copyStmt) setOptions(delim, null, quote, escape *string) error {
	csv := st.format == "csv"
	if st.format == "binary" {
		switch {
		case delim != nil:
			return sqlerr.New(sqlerr.SyntaxError, "cannot specify DELIMITER in BINARY mode")
		case null != nil:
			return sqlerr.New(sqlerr.SyntaxError, "cannot specify NULL in BINARY mode")
		case st.header:
			return sqlerr.New(sqlerr.FeatureNotSupported, "cannot specify HEADER in BINARY mode")
		}
	}
	for _, f := range []struct {
		name, words string
		from        bool
	}{{"force_quote", "force quote", false}, {"force_not_null", "force not null", true}, {"force_null", "force null", true}} {
		if !st.forceSet[f.name] {
			continue
		}
		if !csv {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY %s available only in CSV mode", f.words)
		}
		if f.from != st.from {
			dir := "COPY FROM"
			if !f.from {
				dir = "COPY TO"
			}
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY %s only available using %s", f.words, dir)
		}
	}
	if !csv && quote != nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY quote available only in CSV mode")
	}
	if !csv && escape != nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY escape available only in CSV mode")
	}
	st.delim, st.null = '\t', `\N`
	if csv {
		st.delim, st.null, st.quote = ',', "", '"'
	}
	if delim != nil {
		if len(*delim) != 1 {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		st.delim = (*delim)[0]
	}
	if st.delim == '\n' || st.delim == '\r' {
		return sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
	}
	if null != nil {
		st.null = *null
	}
	if strings.ContainsAny(st.null, "\r\n") {
		return sqlerr.New(sqlerr.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	}
	if !csv && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, st.delim) >= 0 {
		return sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter cannot be %q", string(st.delim))
	}
	if csv {
		if quote != nil {
			if len(*quote) != 1 {
				return sqlerr.New(sqlerr.FeatureNotSupported, "COPY quote must be a single one-byte character")
			}
			st.quote = (*quote)[0]
		}
		st.escape = st.quote
		if escape != nil {
			if len(*escape) != 1 {
				return sqlerr.New(sqlerr.FeatureNotSupported, "COPY escape must be a single one-byte character")
			}
			st.escape = (*escape)[0]
		}
		if st.delim == st.quote {
			return sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter and quote must be different")
		}
		if strings.IndexByte(st.null, st.quote) >= 0 {
			return sqlerr.New(sqlerr.InvalidParameterValue, "CSV quote character must not appear in the NULL specification")
		}
	}
	if strings.IndexByte(st.null, st.delim) >= 0 {
		return sqlerr.New(sqlerr.InvalidParameterValue, "COPY delimiter must not appear in the NULL specification")
	}
	return nil
}
