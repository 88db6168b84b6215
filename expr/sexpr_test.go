package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// A tiny s-expression reader that builds expression trees for tests:
//
//	1            integer literal (int4, or int8 / numeric when too large)
//	1.5          numeric literal
//	1.5e3        numeric literal too (as in Postgres)
//	'abc'        unknown-typed string literal ('' escapes a quote)
//	null true false
//	(:: x type)  explicit cast; type names use _ for spaces (double_precision)
//	(case (when c r)… [(else e)])  (case-op x (when v r)… [(else e)])
//	(name args…) Resolve(name, args); "quoted names" may hold spaces
//
// In column mode, every typed constant becomes a column reference instead,
// so that the evaluation paths (not constant folding) are exercised.
type sexprReader struct {
	s       string
	i       int
	columns bool
	row     types.Row
	rowT    []types.Type
}

func (r *sexprReader) ws() {
	for r.i < len(r.s) && (r.s[r.i] == ' ' || r.s[r.i] == '\t') {
		r.i++
	}
}

func (r *sexprReader) token() string {
	r.ws()
	st := r.i
	if r.i < len(r.s) && r.s[r.i] == '"' {
		r.i++
		for r.i < len(r.s) && r.s[r.i] != '"' {
			r.i++
		}
		r.i++
		return r.s[st:r.i]
	}
	for r.i < len(r.s) && !strings.ContainsRune(" \t()", rune(r.s[r.i])) {
		r.i++
	}
	return r.s[st:r.i]
}

func (r *sexprReader) column(e Expr, err error) (Expr, error) {
	if err != nil || !r.columns {
		return e, err
	}
	if l, ok := e.(*Literal); ok && l.T.Kind != types.KindUnknown {
		r.row = append(r.row, l.Value)
		r.rowT = append(r.rowT, l.T)
		return &ColumnRef{Index: len(r.row) - 1, T: l.T}, nil
	}
	return e, nil
}

func (r *sexprReader) read() (Expr, error) {
	r.ws()
	if r.i >= len(r.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	switch c := r.s[r.i]; {
	case c == '\'':
		r.i++
		var b strings.Builder
		for {
			if r.i >= len(r.s) {
				return nil, fmt.Errorf("unterminated string")
			}
			if r.s[r.i] == '\'' {
				if r.i+1 < len(r.s) && r.s[r.i+1] == '\'' {
					b.WriteByte('\'')
					r.i += 2
					continue
				}
				r.i++
				break
			}
			b.WriteByte(r.s[r.i])
			r.i++
		}
		return &Literal{Value: b.String(), T: types.Unknown}, nil
	case c == '(':
		r.i++
		head := strings.Trim(r.token(), `"`)
		var args []Expr
		var whens []When
		var els Expr
		for {
			r.ws()
			if r.i >= len(r.s) {
				return nil, fmt.Errorf("unterminated list")
			}
			if r.s[r.i] == ')' {
				r.i++
				break
			}
			if (head == "case" || head == "case-op") && strings.HasPrefix(r.s[r.i:], "(when ") {
				r.i += len("(when ")
				cond, err := r.read()
				if err != nil {
					return nil, err
				}
				res, err := r.read()
				if err != nil {
					return nil, err
				}
				r.ws()
				r.i++ // )
				whens = append(whens, When{Cond: cond, Result: res})
				continue
			}
			if (head == "case" || head == "case-op") && strings.HasPrefix(r.s[r.i:], "(else ") {
				r.i += len("(else ")
				e, err := r.read()
				if err != nil {
					return nil, err
				}
				r.ws()
				r.i++
				els = e
				continue
			}
			if head == "::" && len(args) == 1 {
				tn := strings.ReplaceAll(r.token(), "_", " ")
				t, ok := types.TypeByName(tn)
				if !ok {
					return nil, fmt.Errorf("unknown type %q", tn)
				}
				r.ws()
				r.i++ // )
				return r.column(NewCast(args[0], t, true))
			}
			a, err := r.read()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		switch head {
		case "case":
			return NewCase(nil, whens, els)
		case "case-op":
			return NewCase(args[0], whens, els)
		}
		return Resolve(head, args)
	default:
		tok := r.token()
		switch strings.ToLower(tok) {
		case "null":
			return &Literal{T: types.Unknown}, nil
		case "true", "false":
			return r.column(&Literal{Value: strings.ToLower(tok) == "true", T: types.Bool}, nil)
		}
		if v, err := strconv.ParseInt(tok, 10, 64); err == nil {
			t := types.Int32
			if v != int64(int32(v)) {
				t = types.Int64
			}
			return r.column(&Literal{Value: v, T: t}, nil)
		}
		if d, _, err := apd.NewFromString(tok); err == nil {
			v, _ := parseNumeric(tok)
			_ = d
			return r.column(&Literal{Value: v, T: types.Numeric}, nil)
		}
		return nil, fmt.Errorf("bad token %q", tok)
	}
}
