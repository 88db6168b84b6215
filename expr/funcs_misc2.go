package expr

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"time"

	"github.com/eddysql/eddy/types"
)

// This file holds the SHA-2 digests of bytea, bit_length(bytea), boolean
// equality functions, and the volatile clock_timestamp() and
// gen_random_uuid().

// volatileFuncs are the functions without arguments whose value changes
// from call to call: Fold leaves them alone.
var volatileFuncs = map[string]bool{"random": true, "clock_timestamp": true, "gen_random_uuid": true}

// IsVolatile reports whether a function's value changes from call to call
// (random(), clock_timestamp(), gen_random_uuid()): it is never folded
// into a constant.
func IsVolatile(name string) bool { return volatileFuncs[name] }

func init() {
	digest := func(f func([]byte) []byte) *impl {
		return strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].([]byte)), nil })
	}
	register("sha224", ts(tBy), tBy, digest(func(b []byte) []byte { h := sha256.Sum224(b); return h[:] }))
	register("sha256", ts(tBy), tBy, digest(func(b []byte) []byte { h := sha256.Sum256(b); return h[:] }))
	register("sha384", ts(tBy), tBy, digest(func(b []byte) []byte { h := sha512.Sum384(b); return h[:] }))
	register("sha512", ts(tBy), tBy, digest(func(b []byte) []byte { h := sha512.Sum512(b); return h[:] }))
	register("bit_length", ts(tBy), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return int64(8 * len(a[0].([]byte))), nil
	}))
	register("booleq", ts(tB, tB), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return a[0].(bool) == a[1].(bool), nil
	}))
	register("boolne", ts(tB, tB), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return a[0].(bool) != a[1].(bool), nil
	}))
	register("clock_timestamp", nil, tTZ, &impl{nonNull: true, row: func(*Context, []types.Datum) (types.Datum, error) {
		return types.Timestamptz(time.Now().UnixMicro()), nil
	}})
	// There is no uuid type: gen_random_uuid gives the text of a version 4
	// UUID.
	register("gen_random_uuid", nil, tT, &impl{nonNull: true, row: func(*Context, []types.Datum) (types.Datum, error) {
		var u [16]byte
		if _, err := rand.Read(u[:]); err != nil {
			return nil, fmt.Errorf("gen_random_uuid: %w", err)
		}
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), nil
	}})
}
