package format

import (
	"strings"

	"github.com/eddysql/eddy/types"
)

// record decodes a JSON object (raw) into a Record of t's fields: a key
// names a field exactly or, failing that, case-insensitively; fields
// without a key are NULL and keys without a field are ignored.
func (d *JSONDecoder) record(t types.Type, raw []byte, v *value) error {
	saveBuf, savePos := d.buf, d.pos
	defer func() { d.buf, d.pos = saveBuf, savePos }()
	d.buf, d.pos = raw, 0
	fs := t.Fields()
	out := make(types.Record, len(fs))
	err := d.members(func(k []byte) error {
		i := jsonFieldIndex(fs, string(k))
		if i < 0 {
			return d.skip(0)
		}
		var ev value
		if err := d.scalar(fs[i].Type, &ev); err != nil {
			return err
		}
		dt := slotDatum(&ev, fs[i].Type)
		if s, ok := dt.(string); ok {
			dt = strings.Clone(s)
		}
		out[i] = dt
		return nil
	})
	if err != nil {
		return err
	}
	*v = value{k: vDatum, d: out}
	return nil
}

// members walks the object at d.pos (on its '{'): for each member it
// calls f with the key and d.pos at the value, which f consumes. It ends
// after the '}'.
func (d *JSONDecoder) members(f func(key []byte) error) error {
	d.pos++ // '{'
	d.ws()
	if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		k, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if err := d.expect(':'); err != nil {
			return err
		}
		d.ws()
		if err := f(k); err != nil {
			return err
		}
		d.ws()
		if d.pos >= len(d.buf) {
			return d.syntax("unterminated object")
		}
		switch d.buf[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.syntax("expected ',' or '}' in object")
		}
	}
}

func jsonFieldIndex(fs []types.Field, key string) int {
	for i, f := range fs {
		if f.Name == key {
			return i
		}
	}
	for i, f := range fs {
		if strings.EqualFold(f.Name, key) {
			return i
		}
	}
	return -1
}
