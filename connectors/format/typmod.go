package format

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// TypeMods conforms decoded rows to the type modifiers of their schema
// (NUMERIC(10,2), VARCHAR(3), TIMESTAMP(0)), as an INSERT into a table
// with those columns would: numerics and times are rounded, and a value
// that cannot conform (a string too long, a numeric too wide) is an error.
type TypeMods struct {
	cols  []int
	types []types.Type
	mods  []types.TypeMod
	names []string
}

// NewTypeMods returns the modifiers of schema's columns, or nil when no
// column has one (Apply on a nil *TypeMods does nothing).
func NewTypeMods(schema types.Schema) *TypeMods {
	var m *TypeMods
	for i, c := range schema {
		if !c.Mod.Set || expr.TypeModFunc(c.Type) == "" {
			continue
		}
		if m == nil {
			m = &TypeMods{}
		}
		m.cols = append(m.cols, i)
		m.types = append(m.types, c.Type)
		m.mods = append(m.mods, c.Mod)
		m.names = append(m.names, c.Name)
	}
	return m
}

// Apply conforms r's values in place. On error (SQLSTATE 22001 for a
// string too long, 22003 for a numeric overflow) r is partly conformed and
// must be dropped.
func (m *TypeMods) Apply(r *Row) error {
	if m == nil {
		return nil
	}
	for k, c := range m.cols {
		if err := conformSlot(&r.vals[c], m.types[k], m.mods[k]); err != nil {
			return fmt.Errorf("column %q: %w", m.names[k], err)
		}
	}
	return nil
}

// ApplyDatum conforms one value of column col of the schema m was built
// from; columns without a modifier pass unchanged.
func (m *TypeMods) ApplyDatum(col int, d types.Datum) (types.Datum, error) {
	if m == nil || d == nil {
		return d, nil
	}
	for k, c := range m.cols {
		if c == col {
			return expr.EnforceTypeMod(d, m.types[k], m.mods[k], false)
		}
	}
	return d, nil
}

// conformSlot applies mod to one slot of type t. The common cases (a short
// string, a timestamp at full precision) return without converting.
func conformSlot(v *value, t types.Type, mod types.TypeMod) error {
	switch v.k {
	case vNull:
		return nil
	case vStr:
		if t.Kind == types.KindVarchar && len(v.s) <= int(mod.Precision) {
			return nil // no more bytes than the limit: no more characters either
		}
	case vInt:
		if t.Kind == types.KindTimestamp || t.Kind == types.KindTimestamptz || t.Kind == types.KindTime {
			v.i = expr.RoundMicros(v.i, mod.Precision) // microseconds, as EnforceTypeMod rounds them
		}
		return nil
	}
	d := slotDatum(v, t)
	switch t.Kind {
	case types.KindNumeric:
		if _, ok := d.(*apd.Decimal); !ok {
			return nil
		}
	case types.KindVarchar:
		if _, ok := d.(string); !ok {
			return nil
		}
	}
	out, err := expr.EnforceTypeMod(d, t, mod, false)
	if err != nil {
		return err
	}
	return datumSlot(out, t, v)
}
