package engine

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/types"
)

type rows = []types.Row

func r(vals ...any) types.Row {
	out := make(types.Row, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

var nsOIDs = map[string]int64{"pg_catalog": oidPgCatalog, "public": oidPublic, "information_schema": oidInfoSchema, "rw_catalog": oidRwCatalog}

// parseIndex returns the key columns of a CREATE INDEX text.
func parseIndex(sql string) ([]string, error) {
	st, err := parser.ParseOne(sql)
	if err != nil {
		return nil, err
	}
	ci, ok := st.(*parser.CreateIndex)
	if !ok {
		return nil, fmt.Errorf("not an index")
	}
	var out []string
	for _, c := range ci.Columns {
		if cr, ok := c.Expr.(*parser.ColumnRef); ok {
			out = append(out, strings.ToLower(cr.Parts[len(cr.Parts)-1]))
		} else {
			out = append(out, c.Expr.String())
		}
	}
	return out, nil
}

// classEntry is one pg_class row's worth of facts.
type classEntry struct {
	oid      int64
	name     string
	ns       int64
	kind     string
	cols     []types.Column
	notNull  map[string]bool
	hasIndex bool
	obj      *object   // nil for system relations and pkey indexes
	sys      *sysTable // system relations
	pkeyOf   *object   // a synthesized primary-key index
	idxOn    *object   // the relation an index is on
	idxCols  []string
}

func (g *catSnap) classes() []classEntry {
	var out []classEntry
	hasIdx := map[string]bool{}
	for _, o := range g.objs {
		if o.Kind == KindIndex {
			hasIdx[o.On] = true
		}
	}
	for _, o := range g.objs {
		k := relKind(o)
		if k == "" {
			continue
		}
		ce := classEntry{oid: userOID(o), name: o.Name, ns: oidPublic, kind: k, cols: visibleCols(o), obj: o, notNull: map[string]bool{}}
		pk := pkCols(o)
		for _, c := range pk {
			ce.notNull[c] = true
		}
		ce.hasIndex = hasIdx[o.Name] || len(pk) > 0
		if o.Kind == KindIndex {
			ce.idxCols = indexCols(o)
			for _, p := range g.objs {
				if p.Name == o.On {
					ce.idxOn = p
					ce.cols = colsNamed(p, ce.idxCols)
				}
			}
		}
		out = append(out, ce)
		if len(pk) > 0 {
			out = append(out, classEntry{oid: userOID(o) + 1, name: o.Name + "_pkey", ns: oidPublic, kind: "i",
				cols: colsNamed(o, pk), pkeyOf: o, idxOn: o, idxCols: pk, notNull: map[string]bool{}})
		}
	}
	for _, t := range sysTables {
		ce := classEntry{oid: t.oid, name: t.name, ns: nsOIDs[t.schema], kind: "r", sys: t, notNull: map[string]bool{}}
		if t.schema == "information_schema" || strings.HasPrefix(t.name, "pg_") && isSysView[t.name] {
			ce.kind = "v"
		}
		for _, c := range t.cols {
			ce.cols = append(ce.cols, types.Column{Name: c.name, Type: c.t})
		}
		out = append(out, ce)
	}
	return out
}

// isSysView marks the pg_catalog relations that are views in Postgres.
var isSysView = map[string]bool{"pg_roles": true, "pg_user": true, "pg_settings": true, "pg_matviews": true,
	"pg_views": true, "pg_tables": true, "pg_indexes": true, "pg_stat_activity": true}

func colsNamed(o *object, names []string) []types.Column {
	var out []types.Column
	for _, n := range names {
		t := types.Varchar
		if o.rel != nil {
			for _, c := range o.rel.Schema {
				if c.Name == n {
					t = c.Type
				}
			}
		}
		out = append(out, types.Column{Name: n, Type: t})
	}
	return out
}

// indexDef renders a CREATE INDEX statement as pg_get_indexdef does.
func indexDef(name string, unique bool, on string, cols []string) string {
	u := ""
	if unique {
		u = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON public.%s USING btree (%s)", u, name, on, strings.Join(cols, ", "))
}

// ObjectDef implements part of expr.CatalogInfo.
func (g *catSnap) objectDef(kind string, oid int64) (string, bool) {
	switch kind {
	case "view":
		o := g.byOID[oid]
		if o == nil || (o.Kind != KindView && o.Kind != KindMView) {
			return "", false
		}
		return viewQueryText(o), true
	case "index":
		if o := g.byOID[oid]; o != nil && o.Kind == KindIndex {
			cols := indexCols(o)
			return indexDef(o.Name, false, o.On, cols), true
		}
		if o := g.byOID[oid-1]; o != nil {
			if pk := pkCols(o); len(pk) > 0 {
				return indexDef(o.Name+"_pkey", true, o.Name, pk), true
			}
		}
	case "constraint":
		if o := g.byOID[oid-1]; o != nil {
			if pk := pkCols(o); len(pk) > 0 {
				return "PRIMARY KEY (" + strings.Join(pk, ", ") + ")", true
			}
		}
	}
	return "", false
}

// viewQueryText returns the defining query of a view or MV.
func viewQueryText(o *object) string {
	st, err := parser.ParseOne(o.SQL)
	if err != nil {
		return o.SQL
	}
	switch x := st.(type) {
	case *parser.CreateView:
		return " " + x.Query.String() + ";"
	case *parser.CreateMaterializedView:
		return " " + x.Query.String() + ";"
	}
	return o.SQL
}

func ownerOID() int64 { return oidRoot }

func defineSysTables() {
	pc := "pg_catalog"
	defSys(pc, "pg_namespace", "oid:oid nspname:name nspowner:oid nspacl:text[]", func(g *catSnap) rows {
		return rows{r(oidPgCatalog, "pg_catalog", oidRoot, nil), r(oidPublic, "public", oidRoot, nil),
			r(oidInfoSchema, "information_schema", oidRoot, nil), r(oidRwCatalog, "rw_catalog", oidRoot, nil)}
	})
	defSys(pc, "pg_class", "oid:oid relname:name relnamespace:oid reltype:oid reloftype:oid relowner:oid relam:oid "+
		"relfilenode:oid reltablespace:oid relpages:int4 reltuples:float4 relallvisible:int4 reltoastrelid:oid "+
		"relhasindex:bool relisshared:bool relpersistence:char relkind:char relnatts:int2 relchecks:int2 "+
		"relhasrules:bool relhastriggers:bool relhassubclass:bool relrowsecurity:bool relforcerowsecurity:bool "+
		"relispopulated:bool relreplident:char relispartition:bool relrewrite:oid relfrozenxid:xid relminmxid:xid "+
		"relacl:text[] reloptions:text[] relpartbound:text", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			am := int64(oidHeapAM)
			switch c.kind {
			case "i":
				am = oidBtreeAM
			case "v":
				am = 0
			}
			out = append(out, r(c.oid, c.name, c.ns, 0, 0, ownerOID(), am, c.oid, 0, 0, float32(-1), 0, 0,
				c.hasIndex, false, "p", c.kind, len(c.cols), 0, false, false, false, false, false,
				true, "d", false, 0, 0, 0, nil, nil, nil))
		}
		return out
	})
	defSys(pc, "pg_attribute", "attrelid:oid attname:name atttypid:oid attstattarget:int4 attlen:int2 attnum:int2 "+
		"attndims:int4 attcacheoff:int4 atttypmod:int4 attbyval:bool attalign:char attstorage:char attcompression:char "+
		"attnotnull:bool atthasdef:bool atthasmissing:bool attidentity:char attgenerated:char attisdropped:bool "+
		"attislocal:bool attinhcount:int4 attcollation:oid attacl:text[] attoptions:text[] attfdwoptions:text[]", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			for i, col := range c.cols {
				coll := 0
				if col.Type.Kind == types.KindVarchar {
					coll = 100
				}
				ndims := 0
				if col.Type.Kind == types.KindArray {
					ndims = 1
				}
				out = append(out, r(c.oid, col.Name, int64(col.Type.OID()), -1, typLen(col.Type), i+1, ndims, -1, int64(col.Mod.PG(col.Type)),
					typLen(col.Type) > 0, "i", "p", "", c.notNull[col.Name], false, false, "", "", false, true, 0, coll, nil, nil, nil))
			}
		}
		return out
	})
	defSys(pc, "pg_type", "oid:oid typname:name typnamespace:oid typowner:oid typlen:int2 typbyval:bool typtype:char "+
		"typcategory:char typispreferred:bool typisdefined:bool typdelim:char typrelid:oid typsubscript:regproc typelem:oid "+
		"typarray:oid typinput:regproc typoutput:regproc typreceive:regproc typsend:regproc typalign:char typstorage:char "+
		"typnotnull:bool typbasetype:oid typtypmod:int4 typndims:int4 typcollation:oid typdefault:text typacl:text[]", func(g *catSnap) rows {
		var out rows
		for _, t := range pgTypes() {
			cat := typCategory(t.t)
			coll := 0
			if t.t.Kind == types.KindVarchar {
				coll = 100
			}
			if t.elem != 0 {
				out = append(out, r(t.oid, t.name, oidPgCatalog, oidRoot, -1, false, "b", "A", false, true, ",", 0, 0, t.elem,
					0, 0, 0, 0, 0, "i", "x", false, 0, -1, 0, coll, nil, nil))
				continue
			}
			out = append(out, r(t.oid, t.name, oidPgCatalog, oidRoot, typLen(t.t), typLen(t.t) > 0, "b", cat, false, true, ",", 0, 0, 0,
				t.array, 0, 0, 0, 0, "i", "p", false, 0, -1, 0, coll, nil, nil))
		}
		return out
	})
	defSys(pc, "pg_index", "indexrelid:oid indrelid:oid indnatts:int2 indnkeyatts:int2 indisunique:bool "+
		"indnullsnotdistinct:bool indisprimary:bool indisexclusion:bool indimmediate:bool indisclustered:bool "+
		"indisvalid:bool indcheckxmin:bool indisready:bool indislive:bool indisreplident:bool indkey:int2[] "+
		"indcollation:oid[] indclass:oid[] indoption:int2[] indexprs:text indpred:text", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			if c.kind != "i" || c.idxOn == nil {
				continue
			}
			var key types.Array
			for _, n := range c.idxCols {
				num := int64(0)
				for i, col := range visibleCols(c.idxOn) {
					if col.Name == n {
						num = int64(i + 1)
					}
				}
				key = append(key, num)
			}
			pk := c.pkeyOf != nil
			out = append(out, r(c.oid, userOID(c.idxOn), len(key), len(key), pk, false, pk, false, true, false,
				true, false, true, true, false, key, nil, nil, nil, nil, nil))
		}
		return out
	})
	defSys(pc, "pg_constraint", "oid:oid conname:name connamespace:oid contype:char condeferrable:bool condeferred:bool "+
		"convalidated:bool conrelid:oid contypid:oid conindid:oid conparentid:oid confrelid:oid confupdtype:char "+
		"confdeltype:char confmatchtype:char conislocal:bool coninhcount:int4 connoinherit:bool conkey:int2[] "+
		"confkey:int2[] conbin:text", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			if c.pkeyOf == nil {
				continue
			}
			var key types.Array
			for _, n := range c.idxCols {
				for i, col := range visibleCols(c.pkeyOf) {
					if col.Name == n {
						key = append(key, int64(i+1))
					}
				}
			}
			out = append(out, r(c.oid, c.name, oidPublic, "p", false, false, true, userOID(c.pkeyOf), 0, c.oid, 0, 0, " ",
				" ", " ", true, 0, true, key, nil, nil))
		}
		return out
	})
	defSys(pc, "pg_database", "oid:oid datname:name datdba:oid encoding:int4 datlocprovider:char datistemplate:bool "+
		"datallowconn:bool datconnlimit:int4 datfrozenxid:xid datminmxid:xid dattablespace:oid datcollate:text "+
		"datctype:text daticulocale:text datcollversion:text datacl:text[]", func(g *catSnap) rows {
		return rows{r(oidDatabase, "dev", oidRoot, 6, "c", false, true, -1, 0, 0, oidDefaultTblspc, "C.UTF-8", "C.UTF-8", nil, nil, nil)}
	})
	defSys(pc, "pg_roles", "oid:oid rolname:name rolsuper:bool rolinherit:bool rolcreaterole:bool rolcreatedb:bool "+
		"rolcanlogin:bool rolreplication:bool rolconnlimit:int4 rolpassword:text rolvaliduntil:timestamptz "+
		"rolbypassrls:bool rolconfig:text[]", func(g *catSnap) rows {
		var out rows
		for _, u := range g.roles {
			out = append(out, r(u.oid, u.name, u.superuser, true, u.superuser, u.superuser, true, false, -1, "********", nil, u.superuser, nil))
		}
		return out
	})
	defSys(pc, "pg_user", "usename:name usesysid:oid usecreatedb:bool usesuper:bool userepl:bool usebypassrls:bool "+
		"passwd:text valuntil:timestamptz useconfig:text[]", func(g *catSnap) rows {
		var out rows
		for _, u := range g.roles {
			out = append(out, r(u.name, u.oid, u.superuser, u.superuser, false, u.superuser, "********", nil, nil))
		}
		return out
	})
	defSys(pc, "pg_authid", "oid:oid rolname:name rolsuper:bool rolinherit:bool rolcreaterole:bool rolcreatedb:bool "+
		"rolcanlogin:bool rolreplication:bool rolbypassrls:bool rolconnlimit:int4 rolpassword:text rolvaliduntil:timestamptz", func(g *catSnap) rows {
		var out rows
		for _, u := range g.roles {
			out = append(out, r(u.oid, u.name, u.superuser, true, u.superuser, u.superuser, true, false, u.superuser, -1, nil, nil))
		}
		return out
	})
	defSys(pc, "pg_auth_members", "oid:oid roleid:oid member:oid grantor:oid admin_option:bool", nil)
	defSys(pc, "pg_am", "oid:oid amname:name amhandler:regproc amtype:char", func(g *catSnap) rows {
		return rows{r(oidHeapAM, "heap", 0, "t"), r(oidBtreeAM, "btree", 0, "i")}
	})
	defSys(pc, "pg_description", "objoid:oid classoid:oid objsubid:int4 description:text", nil)
	defSys(pc, "pg_shdescription", "objoid:oid classoid:oid description:text", nil)
	defSys(pc, "pg_inherits", "inhrelid:oid inhparent:oid inhseqno:int4 inhdetachpending:bool", nil)
	defSys(pc, "pg_policy", "oid:oid polname:name polrelid:oid polcmd:char polpermissive:bool polroles:oid[] "+
		"polqual:text polwithcheck:text", nil)
	defSys(pc, "pg_statistic_ext", "oid:oid stxrelid:oid stxname:name stxnamespace:oid stxowner:oid "+
		"stxstattarget:int4 stxkeys:int2[] stxkind:text[] stxexprs:text", nil)
	defSys(pc, "pg_publication", "oid:oid pubname:name pubowner:oid puballtables:bool pubinsert:bool pubupdate:bool "+
		"pubdelete:bool pubtruncate:bool pubviaroot:bool", nil)
	defSys(pc, "pg_publication_rel", "oid:oid prpubid:oid prrelid:oid prqual:text prattrs:int2[]", nil)
	defSys(pc, "pg_publication_namespace", "oid:oid pnpubid:oid pnnspid:oid", nil)
	defSys(pc, "pg_trigger", "oid:oid tgrelid:oid tgparentid:oid tgname:name tgfoid:oid tgtype:int2 tgenabled:char "+
		"tgisinternal:bool tgconstrrelid:oid tgconstrindid:oid tgconstraint:oid tgdeferrable:bool tginitdeferred:bool "+
		"tgnargs:int2 tgattr:int2[] tgargs:bytea tgqual:text tgoldtable:name tgnewtable:name", nil)
	defSys(pc, "pg_rewrite", "oid:oid rulename:name ev_class:oid ev_type:char ev_enabled:char is_instead:bool "+
		"ev_qual:text ev_action:text", nil)
	defSys(pc, "pg_attrdef", "oid:oid adrelid:oid adnum:int2 adbin:text", nil)
	defSys(pc, "pg_collation", "oid:oid collname:name collnamespace:oid collowner:oid collprovider:char "+
		"collisdeterministic:bool collencoding:int4 collcollate:text collctype:text colliculocale:text collversion:text", func(g *catSnap) rows {
		return rows{r(100, "default", oidPgCatalog, oidRoot, "d", true, -1, nil, nil, nil, nil),
			r(950, "C", oidPgCatalog, oidRoot, "c", true, -1, "C", "C", nil, nil)}
	})
	defSys(pc, "pg_tablespace", "oid:oid spcname:name spcowner:oid spcacl:text[] spcoptions:text[]", func(g *catSnap) rows {
		return rows{r(oidDefaultTblspc, "pg_default", oidRoot, nil, nil), r(1664, "pg_global", oidRoot, nil, nil)}
	})
	defSys(pc, "pg_proc", "oid:oid proname:name pronamespace:oid proowner:oid prolang:oid procost:float4 "+
		"prorows:float4 provariadic:oid prosupport:regproc prokind:char prosecdef:bool proleakproof:bool "+
		"proisstrict:bool proretset:bool provolatile:char proparallel:char pronargs:int2 pronargdefaults:int2 "+
		"prorettype:oid proargtypes:oid[] proallargtypes:oid[] proargmodes:text[] proargnames:text[] "+
		"prosrc:text probin:text proconfig:text[] proacl:text[]", nil)
	defSys(pc, "pg_extension", "oid:oid extname:name extowner:oid extnamespace:oid extrelocatable:bool "+
		"extversion:text extconfig:oid[] extcondition:text[]", nil)
	defSys(pc, "pg_foreign_table", "ftrelid:oid ftserver:oid ftoptions:text[]", nil)
	defSys(pc, "pg_foreign_server", "oid:oid srvname:name srvowner:oid srvfdw:oid srvtype:text srvversion:text "+
		"srvacl:text[] srvoptions:text[]", nil)
	defSys(pc, "pg_partitioned_table", "partrelid:oid partstrat:char partnatts:int2 partdefid:oid "+
		"partattrs:int2[] partclass:oid[] partcollation:oid[] partexprs:text", nil)
	defSys(pc, "pg_sequence", "seqrelid:oid seqtypid:oid seqstart:int8 seqincrement:int8 seqmax:int8 seqmin:int8 "+
		"seqcache:int8 seqcycle:bool", nil)
	defSys(pc, "pg_depend", "classid:oid objid:oid objsubid:int4 refclassid:oid refobjid:oid refobjsubid:int4 deptype:char", nil)
	defSys(pc, "pg_event_trigger", "oid:oid evtname:name evtevent:name evtowner:oid evtfoid:oid evtenabled:char evttags:text[]", nil)
	defSys(pc, "pg_settings", "name:text setting:text unit:text category:text short_desc:text extra_desc:text "+
		"context:text vartype:text source:text min_val:text max_val:text enumvals:text[] boot_val:text "+
		"reset_val:text sourcefile:text sourceline:int4 pending_restart:bool", func(g *catSnap) rows {
		var out rows
		for _, kv := range g.settings() {
			out = append(out, r(kv[0], kv[1], nil, "Eddy", "", nil, "user", "string", "default", nil, nil, nil, kv[1], kv[1], nil, nil, false))
		}
		return out
	})
	defSys(pc, "pg_stat_activity", "datid:oid datname:name pid:int4 usesysid:oid usename:name application_name:text "+
		"client_addr:text backend_start:timestamptz query_start:timestamptz state:text query:text backend_type:text", func(g *catSnap) rows {
		app, _ := g.s.Get("application_name")
		return rows{r(oidDatabase, "dev", g.backendPID(), oidRoot, g.currentUser(), app, nil, nil, nil, "active", "", "client backend")}
	})
	defSys(pc, "pg_matviews", "schemaname:name matviewname:name matviewowner:name tablespace:name hasindexes:bool "+
		"ispopulated:bool definition:text", func(g *catSnap) rows {
		var out rows
		for _, o := range g.objs {
			if o.Kind == KindMView {
				out = append(out, r("public", o.Name, "root", nil, len(pkCols(o)) > 0, true, viewQueryText(o)))
			}
		}
		return out
	})
	defSys(pc, "pg_views", "schemaname:name viewname:name viewowner:name definition:text", func(g *catSnap) rows {
		var out rows
		for _, o := range g.objs {
			if o.Kind == KindView {
				out = append(out, r("public", o.Name, "root", viewQueryText(o)))
			}
		}
		return out
	})
	defSys(pc, "pg_tables", "schemaname:name tablename:name tableowner:name tablespace:name hasindexes:bool "+
		"hasrules:bool hastriggers:bool rowsecurity:bool", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			if c.kind == "r" {
				out = append(out, r(nsName(c.ns), c.name, "root", nil, c.hasIndex, false, false, false))
			}
		}
		return out
	})
	defSys(pc, "pg_indexes", "schemaname:name tablename:name indexname:name tablespace:name indexdef:text", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			if c.kind == "i" && c.idxOn != nil {
				out = append(out, r("public", c.idxOn.Name, c.name, nil, indexDef(c.name, c.pkeyOf != nil, c.idxOn.Name, c.idxCols)))
			}
		}
		return out
	})

	is := "information_schema"
	defSys(is, "schemata", "catalog_name:name schema_name:name schema_owner:name default_character_set_catalog:name "+
		"default_character_set_schema:name default_character_set_name:name sql_path:text", func(g *catSnap) rows {
		var out rows
		for _, n := range []string{"information_schema", "pg_catalog", "public", "rw_catalog"} {
			out = append(out, r("dev", n, "root", nil, nil, nil, nil))
		}
		return out
	})
	defSys(is, "tables", "table_catalog:name table_schema:name table_name:name table_type:text "+
		"self_referencing_column_name:name reference_generation:text user_defined_type_catalog:name "+
		"user_defined_type_schema:name user_defined_type_name:name is_insertable_into:text is_typed:text commit_action:text", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			var tt, ins string
			switch c.kind {
			case "r":
				tt, ins = "BASE TABLE", "YES"
				if c.sys != nil || (c.obj != nil && c.obj.Kind == KindSource) {
					ins = "NO"
				}
			case "v", "m":
				tt, ins = "VIEW", "NO"
			default:
				continue
			}
			if c.kind == "m" {
				tt = "MATERIALIZED VIEW"
			}
			out = append(out, r("dev", nsName(c.ns), c.name, tt, nil, nil, nil, nil, nil, ins, "NO", nil))
		}
		return out
	})
	defSys(is, "columns", "table_catalog:name table_schema:name table_name:name column_name:name ordinal_position:int4 "+
		"column_default:text is_nullable:text data_type:text character_maximum_length:int4 numeric_precision:int4 "+
		"numeric_scale:int4 datetime_precision:int4 udt_catalog:name udt_schema:name udt_name:name "+
		"is_identity:text is_generated:text is_updatable:text", func(g *catSnap) rows {
		var out rows
		for _, c := range g.classes() {
			if c.kind == "i" {
				continue
			}
			for i, col := range c.cols {
				null := "YES"
				if c.notNull[col.Name] {
					null = "NO"
				}
				dt := col.Type.String()
				if col.Type.Kind == types.KindArray {
					dt = "ARRAY"
				}
				upd := "NO"
				if c.kind == "r" && c.obj != nil && c.obj.Kind == KindTable {
					upd = "YES"
				}
				charLen, prec, scale, dtPrec := columnPrecision(col)
				out = append(out, r("dev", nsName(c.ns), c.name, col.Name, i+1, nil, null, dt, charLen, prec, scale, dtPrec,
					"dev", "pg_catalog", col.Type.ShortName(), "NO", "NEVER", upd))
			}
		}
		return out
	})
	defSys(is, "views", "table_catalog:name table_schema:name table_name:name view_definition:text check_option:text "+
		"is_updatable:text is_insertable_into:text is_trigger_updatable:text is_trigger_deletable:text "+
		"is_trigger_insertable_into:text", func(g *catSnap) rows {
		var out rows
		for _, o := range g.objs {
			if o.Kind == KindView {
				out = append(out, r("dev", "public", o.Name, viewQueryText(o), "NONE", "NO", "NO", "NO", "NO", "NO"))
			}
		}
		return out
	})
	for _, t := range sysTables {
		if t.rows == nil {
			t.rows = func(*catSnap) rows { return nil }
		}
	}
}

// columnPrecision returns information_schema.columns'
// character_maximum_length, numeric_precision, numeric_scale and
// datetime_precision of a column (nil where Postgres shows NULL).
func columnPrecision(col types.Column) (charLen, prec, scale, dtPrec types.Datum) {
	m := col.Mod
	switch col.Type.Kind {
	case types.KindVarchar:
		if m.Set {
			charLen = int64(m.Precision)
		}
	case types.KindInt16:
		prec, scale = int64(16), int64(0)
	case types.KindInt32:
		prec, scale = int64(32), int64(0)
	case types.KindInt64:
		prec, scale = int64(64), int64(0)
	case types.KindFloat32:
		prec = int64(24)
	case types.KindFloat64:
		prec = int64(53)
	case types.KindNumeric:
		if m.Set {
			prec, scale = int64(m.Precision), int64(m.Scale)
		}
	case types.KindDate:
		dtPrec = int64(0)
	case types.KindTime, types.KindTimestamp, types.KindTimestamptz, types.KindInterval:
		dtPrec = int64(6)
		if m.Set {
			dtPrec = int64(m.Precision)
		}
	}
	return charLen, prec, scale, dtPrec
}

func nsName(oid int64) string {
	for n, o := range nsOIDs {
		if o == oid {
			return n
		}
	}
	return "public"
}

type pgType struct {
	oid   int64
	name  string
	t     types.Type
	elem  int64 // array types: the element type
	array int64
}

// pgTypes lists the types of pg_type.
func pgTypes() []pgType {
	var out []pgType
	for k := types.KindBool; k < types.KindArray; k++ {
		t := types.Type{Kind: k}
		at := types.ArrayOf(t)
		out = append(out, pgType{oid: int64(t.OID()), name: t.ShortName(), t: t, array: int64(at.OID())})
		out = append(out, pgType{oid: int64(at.OID()), name: at.ShortName(), t: at, elem: int64(t.OID())})
	}
	out = append(out,
		pgType{oid: 25, name: "text", t: types.Varchar, array: 1009},
		pgType{oid: 1009, name: "_text", t: types.ArrayOf(types.Varchar), elem: 25},
		pgType{oid: 19, name: "name", t: types.Varchar},
		pgType{oid: 18, name: "char", t: types.Varchar},
		pgType{oid: 26, name: "oid", t: types.Int64},
		pgType{oid: 2205, name: "regclass", t: types.Int64},
		pgType{oid: 2206, name: "regtype", t: types.Int64},
		pgType{oid: 114, name: "json", t: types.JSONBT},
	)
	return out
}

func typLen(t types.Type) int {
	switch t.Kind {
	case types.KindBool:
		return 1
	case types.KindInt16:
		return 2
	case types.KindInt32, types.KindFloat32, types.KindDate:
		return 4
	case types.KindInt64, types.KindFloat64, types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return 8
	case types.KindInterval:
		return 16
	}
	return -1
}

func typCategory(t types.Type) string {
	switch t.Kind {
	case types.KindBool:
		return "B"
	case types.KindInt16, types.KindInt32, types.KindInt64, types.KindFloat32, types.KindFloat64, types.KindNumeric:
		return "N"
	case types.KindVarchar:
		return "S"
	case types.KindDate, types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return "D"
	case types.KindInterval:
		return "T"
	case types.KindArray:
		return "A"
	}
	return "U"
}
