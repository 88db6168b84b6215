package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Pos is a byte offset into the SQL text a node or token was parsed from.
//
// Every AST node embeds a Pos recording where it starts; the embedded field
// also provides the Position method.
type Pos int

// Position returns p itself; it lets every node that embeds Pos satisfy Node.
func (p Pos) Position() Pos { return p }

// LineCol returns the 1-based line and column (in characters) of offset pos in
// sql. Offsets past the end are clamped to the end of the text.
func LineCol(sql string, pos Pos) (line, col int) {
	p := int(pos)
	if p > len(sql) {
		p = len(sql)
	}
	if p < 0 {
		p = 0
	}
	line = 1 + strings.Count(sql[:p], "\n")
	start := strings.LastIndexByte(sql[:p], '\n') + 1
	col = 1 + utf8.RuneCountInString(sql[start:p])
	return line, col
}

// Error is a parse error. Msg is the psql-style message (for example
// `syntax error at or near "FROM"`), Pos the byte offset of the offending
// token, Line and Col its 1-based location, Token the offending token text
// (empty at end of input) and SQL the full text that was being parsed.
type Error struct {
	Msg   string
	Pos   Pos
	Line  int
	Col   int
	Token string
	SQL   string
	// Hint optionally says what the parser expected.
	Hint string
	// Code is the SQLSTATE when it is not 42601 (syntax_error), as 22021
	// for an escape string that is not valid UTF-8.
	Code string
}

// Error returns the message followed by the line and column, for example
// `syntax error at or near "FROM" at line 2, column 8`.
func (e *Error) Error() string {
	return fmt.Sprintf("%s at line %d, column %d", e.Msg, e.Line, e.Col)
}

// Pretty returns a psql-like multi-line rendering of the error with the
// offending line and a caret under the offending token, for example:
//
//	ERROR:  syntax error at or near "FROM"
//	LINE 2: select a, FROM t
//	                  ^
func (e *Error) Pretty() string {
	var b strings.Builder
	b.WriteString("ERROR:  ")
	b.WriteString(e.Msg)
	p := int(e.Pos)
	if p > len(e.SQL) {
		p = len(e.SQL)
	}
	if p < 0 {
		p = 0
	}
	start := strings.LastIndexByte(e.SQL[:p], '\n') + 1
	end := strings.IndexByte(e.SQL[p:], '\n')
	if end < 0 {
		end = len(e.SQL)
	} else {
		end += p
	}
	line := strings.TrimRight(strings.ReplaceAll(e.SQL[start:end], "\t", " "), "\r")
	prefix := fmt.Sprintf("LINE %d: ", e.Line)
	b.WriteString("\n")
	b.WriteString(prefix)
	b.WriteString(line)
	b.WriteString("\n")
	b.WriteString(strings.Repeat(" ", utf8.RuneCountInString(prefix)+utf8.RuneCountInString(e.SQL[start:p])))
	b.WriteString("^")
	if e.Hint != "" {
		b.WriteString("\nHINT:  ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func newError(sql string, pos Pos, msg, tok, hint string) *Error {
	line, col := LineCol(sql, pos)
	return &Error{Msg: msg, Pos: pos, Line: line, Col: col, Token: tok, SQL: sql, Hint: hint}
}
