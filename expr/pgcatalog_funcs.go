package expr

import (
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// CatalogInfo answers the catalog functions that need the engine's catalog
// or the session (pg_get_viewdef, pg_get_indexdef, pg_get_userbyid,
// current_user, …). The engine sets Context.Catalog for statements; with
// none, the functions answer defaults.
type CatalogInfo interface {
	// CurrentUser is the session's user.
	CurrentUser() string
	// UserName returns the name of the user with this OID.
	UserName(oid int64) (string, bool)
	// ObjectDef returns the definition of a catalog object: kind "view"
	// (the view's query), "index" (CREATE INDEX …) or "constraint".
	ObjectDef(kind string, oid int64) (string, bool)
	// BackendPID is the session's process ID.
	BackendPID() int64
	// StartTime is when the engine started.
	StartTime() types.Timestamptz
	// TxID is a transaction ID for txid_current (the visible epoch).
	TxID() int64
	// Setting returns the session's value of a configuration parameter
	// and whether the parameter exists.
	Setting(name string) (string, bool)
	// SetSetting sets a session configuration parameter, as SET does.
	SetSetting(name, value string) error
}

// catalogFuncs are the functions whose result depends on Context.Catalog;
// Fold leaves them alone.
var catalogFuncs = map[string]bool{
	"pg_get_viewdef": true, "pg_get_indexdef": true, "pg_get_constraintdef": true, "pg_get_userbyid": true,
	"current_user": true, "session_user": true, "user": true, "current_role": true, "pg_backend_pid": true,
	"pg_postmaster_start_time": true, "txid_current": true, "pg_current_xact_id": true,
	"current_setting": true, "set_config": true,
}

// UsesCatalog reports whether the function's result depends on
// Context.Catalog (the statement's catalog and session): such calls are not
// constant-folded at plan time.
func UsesCatalog(name string) bool { return catalogFuncs[name] }

// DefaultUser is the user catalog functions report without a catalog.
const DefaultUser = "root"

func init() { registerCatalog() }

func registerCatalog() {
	b := func(v bool) *impl {
		return &impl{nonNull: true, row: func(*Context, []types.Datum) (types.Datum, error) { return v, nil }}
	}
	null := &impl{nonNull: true, row: func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }}
	text := func(f func(ctx *Context) string) *impl {
		return &impl{nonNull: true, row: func(ctx *Context, _ []types.Datum) (types.Datum, error) { return f(ctx), nil }}
	}
	// Visibility and privileges: everything is visible and allowed.
	for _, n := range []string{"pg_table_is_visible", "pg_type_is_visible", "pg_function_is_visible",
		"pg_operator_is_visible", "pg_opclass_is_visible", "pg_collation_is_visible", "pg_conversion_is_visible",
		"pg_ts_config_is_visible", "pg_ts_dict_is_visible", "pg_ts_parser_is_visible", "pg_ts_template_is_visible",
		"pg_statistics_obj_is_visible"} {
		register(n, ts(tI8), tB, b(true))
	}
	for _, n := range []string{"has_table_privilege", "has_schema_privilege", "has_database_privilege",
		"has_column_privilege", "has_function_privilege", "has_any_column_privilege", "has_sequence_privilege"} {
		register(n, ts(tT, tT), tB, b(true))
		register(n, ts(tI8, tT), tB, b(true))
		register(n, ts(tT, tT, tT), tB, b(true))
		register(n, ts(tT, tI8, tT), tB, b(true))
		register(n, ts(tT, tT, tT, tT), tB, b(true))
	}
	register("pg_is_in_recovery", nil, tB, b(false))
	register("pg_relation_is_publishable", ts(tI8), tB, b(false))
	register("pg_has_role", ts(tT, tT, tT), tB, b(true))
	register("pg_has_role", ts(tT, tT), tB, b(true))

	// Descriptions and expressions: none are stored.
	register("obj_description", ts(tI8), tT, null)
	register("obj_description", ts(tI8, tT), tT, null)
	register("shobj_description", ts(tI8, tT), tT, null)
	register("col_description", ts(tI8, tI4), tT, null)
	register("pg_get_expr", ts(tT, tI8), tT, null)
	register("pg_get_expr", ts(tT, tI8, tB), tT, null)
	register("pg_get_partkeydef", ts(tI8), tT, null)
	register("pg_get_statisticsobjdef_columns", ts(tI8), tT, null)
	register("pg_get_triggerdef", ts(tI8), tT, null)
	register("pg_get_triggerdef", ts(tI8, tB), tT, null)
	register("pg_get_ruledef", ts(tI8), tT, null)
	register("pg_get_ruledef", ts(tI8, tB), tT, null)
	register("pg_get_function_arguments", ts(tI8), tT, null)
	register("pg_get_function_result", ts(tI8), tT, null)
	register("pg_get_function_identity_arguments", ts(tI8), tT, null)

	def := func(kind string) *impl {
		return strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
			if ctx == nil || ctx.Catalog == nil {
				return nil, nil
			}
			if s, ok := ctx.Catalog.ObjectDef(kind, a[0].(int64)); ok {
				return s, nil
			}
			return nil, nil
		})
	}
	register("pg_get_viewdef", ts(tI8), tT, def("view"))
	register("pg_get_viewdef", ts(tI8, tB), tT, def("view"))
	register("pg_get_viewdef", ts(tI8, tI4), tT, def("view"))
	register("pg_get_indexdef", ts(tI8), tT, def("index"))
	whole := def("index")
	register("pg_get_indexdef", ts(tI8, tI4, tB), tT, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		d, err := whole.row(ctx, a)
		var colno int64
		switch n := a[1].(type) {
		case int32:
			colno = int64(n)
		case int64:
			colno = n
		}
		if err != nil || d == nil || colno <= 0 {
			return d, err
		}
		// Column colno of the key list "… (c1, c2, …)" (the
		// definitions Eddy renders have plain column names).
		s := d.(string)
		i, j := strings.LastIndexByte(s, '('), strings.LastIndexByte(s, ')')
		if i < 0 || j < i {
			return nil, nil
		}
		cols := strings.Split(s[i+1:j], ", ")
		if colno <= int64(len(cols)) {
			return cols[colno-1], nil
		}
		return "", nil
	}))
	register("pg_get_constraintdef", ts(tI8), tT, def("constraint"))
	register("pg_get_constraintdef", ts(tI8, tB), tT, def("constraint"))

	unrecognized := func(name string) error {
		return sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	setting := func(ctx *Context, name string, missingOK bool) (types.Datum, error) {
		if ctx != nil && ctx.Catalog != nil {
			if v, ok := ctx.Catalog.Setting(name); ok {
				return v, nil
			}
		} else if strings.EqualFold(name, "timezone") {
			return ctx.location().String(), nil
		}
		if missingOK {
			return nil, nil
		}
		return nil, unrecognized(name)
	}
	register("current_setting", ts(tT), tT, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		return setting(ctx, a[0].(string), false)
	}))
	register("current_setting", ts(tT, tB), tT, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		return setting(ctx, a[0].(string), a[1].(bool))
	}))
	// set_config(name, value, is_local): a local setting lasts until the end
	// of the transaction, which is the statement here, so it only returns
	// the value.
	register("set_config", ts(tT, tT, tB), tT, &impl{nonNull: true, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, sqlerr.New(sqlerr.NullValueNotAllowed, "SET requires parameter name")
		}
		name := a[0].(string)
		if ctx == nil || ctx.Catalog == nil {
			return nil, unrecognized(name)
		}
		if _, ok := ctx.Catalog.Setting(name); !ok && !strings.Contains(name, ".") {
			return nil, unrecognized(name)
		}
		v, _ := a[1].(string)
		if a[2] == nil || !a[2].(bool) {
			if err := ctx.Catalog.SetSetting(name, v); err != nil {
				return nil, err
			}
			v, _ = ctx.Catalog.Setting(name)
		}
		return v, nil
	}})
	register("pg_get_userbyid", ts(tI8), tT, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		if ctx != nil && ctx.Catalog != nil {
			if n, ok := ctx.Catalog.UserName(a[0].(int64)); ok {
				return n, nil
			}
			return fmt.Sprintf("unknown (OID=%d)", a[0].(int64)), nil
		}
		return DefaultUser, nil
	}))
	user := text(func(ctx *Context) string {
		if ctx != nil && ctx.Catalog != nil {
			return ctx.Catalog.CurrentUser()
		}
		return DefaultUser
	})
	for _, n := range []string{"current_user", "session_user", "user", "current_role"} {
		register(n, nil, tT, user)
	}
	register("current_database", nil, tT, text(func(*Context) string { return "dev" }))
	register("current_catalog", nil, tT, text(func(*Context) string { return "dev" }))
	register("current_schema", nil, tT, text(func(*Context) string { return "public" }))
	register("current_schemas", ts(tB), tTA, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0].(bool) {
			return types.Array{"pg_catalog", "public"}, nil
		}
		return types.Array{"public"}, nil
	}))
	register("version", nil, tT, text(func(*Context) string {
		return "PostgreSQL 15.0 (Eddy) on x86_64-pc-linux-gnu, compiled by Go, 64-bit"
	}))
	register("pg_encoding_to_char", ts(tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0].(int64) == 6 {
			return "UTF8", nil
		}
		return "SQL_ASCII", nil
	}))
	register("pg_char_to_encoding", ts(tT), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if strings.EqualFold(a[0].(string), "UTF8") {
			return int64(6), nil
		}
		return int64(0), nil
	}))
	register("pg_backend_pid", nil, tI4, &impl{nonNull: true, row: func(ctx *Context, _ []types.Datum) (types.Datum, error) {
		if ctx != nil && ctx.Catalog != nil {
			return ctx.Catalog.BackendPID(), nil
		}
		return int64(1), nil
	}})
	register("pg_postmaster_start_time", nil, tTZ, &impl{nonNull: true, row: func(ctx *Context, _ []types.Datum) (types.Datum, error) {
		if ctx != nil && ctx.Catalog != nil {
			return ctx.Catalog.StartTime(), nil
		}
		return nil, nil
	}})
	txid := &impl{nonNull: true, row: func(ctx *Context, _ []types.Datum) (types.Datum, error) {
		if ctx != nil && ctx.Catalog != nil {
			return ctx.Catalog.TxID(), nil
		}
		return int64(1), nil
	}}
	register("txid_current", nil, tI8, txid)
	register("pg_current_xact_id", nil, tI8, txid)

	register("format_type", ts(tI8, tI4), tT, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		typmod := int64(-1)
		if a[1] != nil {
			typmod = a[1].(int64)
		}
		return FormatTypeMod(a[0].(int64), int32(typmod)), nil
	}})

	// Sizes: state lives in one store; relations report 0 bytes.
	for _, n := range []string{"pg_relation_size", "pg_total_relation_size", "pg_table_size", "pg_indexes_size"} {
		register(n, ts(tI8), tI8, strict(func(*Context, []types.Datum) (types.Datum, error) { return int64(0), nil }))
	}
	register("pg_relation_size", ts(tI8, tT), tI8, strict(func(*Context, []types.Datum) (types.Datum, error) { return int64(0), nil }))
	register("pg_database_size", ts(tT), tI8, strict(func(*Context, []types.Datum) (types.Datum, error) { return int64(0), nil }))
	register("pg_size_pretty", ts(tI8), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return SizePretty(a[0].(int64)), nil
	}))
	register("pg_size_pretty", ts(tN), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		d := a[0].(*apd.Decimal)
		v, err := d.Int64()
		if err != nil {
			return d.Text('f') + " bytes", nil
		}
		return SizePretty(v), nil
	}))
}

// FormatType is format_type(oid, -1): the SQL name of a type OID.
func FormatType(oid int64) string {
	switch oid {
	case 25:
		return "text"
	case 19:
		return "name"
	case 18:
		return `"char"`
	case 26:
		return "oid"
	case 2205:
		return "regclass"
	case 2206:
		return "regtype"
	case 1009:
		return "text[]"
	case 1042:
		return "character"
	case 114:
		return "json"
	}
	if oid < 0 || oid > 1<<32-1 {
		return "???"
	}
	t, ok := types.TypeByOID(uint32(oid))
	if !ok {
		return "???"
	}
	return t.String()
}

// FormatTypeMod is format_type(oid, typmod): the SQL name of a type OID
// with its modifier, "numeric(10,2)", "character varying(4)",
// "timestamp(3) without time zone".
func FormatTypeMod(oid int64, typmod int32) string {
	name := FormatType(oid)
	if typmod < 0 || oid < 0 || oid > 1<<32-1 {
		return name
	}
	t, ok := types.TypeByOID(uint32(oid))
	if !ok || TypeModFunc(t) == "" {
		return name
	}
	suffix := types.TypeModFromPG(t, typmod).Suffix(t)
	if head, tail, ok := strings.Cut(name, " with"); ok && (t.Kind == types.KindTimestamp || t.Kind == types.KindTimestamptz || t.Kind == types.KindTime) {
		return head + suffix + " with" + tail
	}
	return name + suffix
}

// SizePretty renders a byte count as pg_size_pretty does.
func SizePretty(n int64) string {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	units := []string{"bytes", "kB", "MB", "GB", "TB", "PB"}
	if abs < 10*1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	v := n
	u := 0
	for u < len(units)-1 {
		// Postgres halves the threshold check: switch units at 10240.
		a := v
		if a < 0 {
			a = -a
		}
		if a < 10*1024*2 && u > 0 {
			break
		}
		if a < 10*1024 {
			break
		}
		// round half away from zero when dividing by 1024
		if v >= 0 {
			v = (v + 512) / 1024
		} else {
			v = (v - 512) / 1024
		}
		u++
		if a/1024 < 10*1024 {
			break
		}
	}
	return fmt.Sprintf("%d %s", v, units[u])
}
