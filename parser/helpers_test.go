package parser_test

import (
	"reflect"

	"github.com/eddysql/eddy/parser"
)

// normalize zeroes every Pos field and turns empty slices into nil so that
// two trees can be compared structurally with reflect.DeepEqual.
func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.Type() == reflect.TypeOf(parser.Pos(0)) {
				f.SetInt(0)
				continue
			}
			normalize(f)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			if !v.IsNil() && v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			normalize(v.Index(i))
		}
	}
}

// equalAST reports whether a and b are structurally equal ignoring positions.
// It modifies both trees.
func equalAST(a, b []parser.Statement) bool {
	va, vb := reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem()
	normalize(va)
	normalize(vb)
	return reflect.DeepEqual(a, b)
}

// formatAll prints statements joined by ";\n".
func formatAll(stmts []parser.Statement) string {
	s := ""
	for i, st := range stmts {
		if i > 0 {
			s += ";\n"
		}
		s += parser.Format(st)
	}
	return s
}

// roundTrip checks parse(print(x)) == x and print stability. It returns a
// description of the problem, or "".
func roundTrip(stmts []parser.Statement) string {
	s1 := formatAll(stmts)
	p2, err := parser.Parse(s1)
	if err != nil {
		return "reparse failed: " + err.Error() + "\n" + s1
	}
	s2 := formatAll(p2)
	if s1 != s2 {
		return "print not stable:\n" + s1 + "\n" + s2
	}
	if !equalAST(stmts, p2) {
		return "AST changed after round trip:\n" + s1
	}
	return ""
}
