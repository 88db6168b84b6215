package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
)

// createFunction runs CREATE [OR REPLACE] FUNCTION … LANGUAGE SQL. The
// catalog keeps the CREATE text; the binder inlines the body at each call.
// OR REPLACE keeps the old entry's sequence number, so that a restart
// replays the function before the objects that call it; it is refused while
// a materialized view or sink (planned with the old body) uses the function.
func (e *Engine) createFunction(ctx context.Context, st *parser.CreateFunction, text string, replay *object) (*Result, error) {
	f, err := planner.NewSQLFunction(catalogView{e}, st)
	if err != nil {
		return nil, err
	}
	key := f.Signature()
	var old *object
	if replay == nil {
		if old = e.lookup(key); old != nil {
			if !st.OrReplace {
				return nil, sqlerr.New(sqlerr.DuplicateFunction, "function %q already exists with same argument types", f.Name).WithPosition(int(st.Pos) + 1)
			}
			if old.fn.Returns != f.Returns {
				return nil, sqlerr.New(sqlerr.InvalidFunctionDefinition, "cannot change return type of existing function").
					WithHint(fmt.Sprintf("Use DROP FUNCTION %s first.", key)).WithPosition(int(st.Pos) + 1)
			}
			for _, d := range e.dependents(old.Name) {
				if d.Kind != KindView && d.Kind != KindFunction {
					// Its running dataflow was planned with the old body;
					// views and functions inline the new one when next used.
					return nil, sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot replace function %s because %s %s uses it", key, d.Kind, d.Name).
						WithHint("Drop the dependent objects first.").WithPosition(int(st.Pos) + 1)
				}
			}
			replayOld := &object{Seq: old.Seq}
			o, _ := e.newObject(KindFunction, key, text, replayOld)
			return e.registerFunction(ctx, o, f, st, nil)
		}
	}
	o, _ := e.newObject(KindFunction, key, text, replay)
	return e.registerFunction(ctx, o, f, st, replay)
}

func (e *Engine) registerFunction(ctx context.Context, o *object, f *planner.SQLFunction, st *parser.CreateFunction, replay *object) (*Result, error) {
	o.fn = f
	o.Deps = e.functionDeps(f.Body)
	for i, d := range o.Deps {
		if d == o.Name {
			o.Deps = append(o.Deps[:i:i], o.Deps[i+1:]...)
			break
		}
	}
	if err := e.addCatalogObject(ctx, o, replay); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE_FUNCTION"}, nil
}

// dropFunction runs DROP FUNCTION [IF EXISTS] name[(argtypes)], …
// [CASCADE]: the overload with the given argument types, or every overload
// of a name given without them.
func (e *Engine) dropFunction(ctx context.Context, st *parser.Drop) (*Result, error) {
	res := &Result{Tag: "DROP_FUNCTION"}
	for k, raw := range st.Names {
		name := planner.NormalizeName(raw)
		fns := e.functionsNamed(name)
		if k < len(st.FuncArgs) && st.FuncArgs[k] != nil {
			var ts []string
			for _, tn := range st.FuncArgs[k] {
				t, err := e.resolveType(tn)
				if err != nil {
					return nil, err
				}
				ts = append(ts, t.String())
			}
			sig := name + "(" + strings.Join(ts, ",") + ")"
			var match []*object
			for _, o := range fns {
				if o.Name == sig {
					match = append(match, o)
				}
			}
			if len(match) == 0 {
				if st.IfExists {
					res.Notices = append(res.Notices, fmt.Sprintf("function %s(%s) does not exist, skipping", name, strings.Join(ts, ", ")))
					continue
				}
				return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(ts, ", ")).WithPosition(int(st.Pos) + 1)
			}
			fns = match
		} else if len(fns) > 1 {
			return nil, sqlerr.New(sqlerr.AmbiguousFunction, "function name %q is not unique", name).
				WithHint("Specify the argument list to select the function unambiguously.").WithPosition(int(st.Pos) + 1)
		}
		if len(fns) == 0 {
			if st.IfExists {
				res.Notices = append(res.Notices, fmt.Sprintf("function %s() does not exist, skipping", name))
				continue
			}
			return nil, sqlerr.New(sqlerr.UndefinedFunction, "could not find a function named %q", name).WithPosition(int(st.Pos) + 1)
		}
		for _, o := range fns {
			deps := e.dependents(o.Name)
			if len(deps) > 0 && !st.Cascade {
				var detail []string
				for _, d := range deps {
					detail = append(detail, fmt.Sprintf("%s %s depends on function %s", d.Kind, d.Name, o.Name))
				}
				return nil, sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot drop function %s because other objects depend on it", o.Name).
					WithDetail(strings.Join(detail, "\n")).
					WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
			}
			for _, d := range append(deps, o) {
				if err := e.dropObject(ctx, d); err != nil {
					return nil, err
				}
				if d != o {
					res.Notices = append(res.Notices, fmt.Sprintf("drop cascades to %s %s", d.Kind, d.Name))
				}
			}
		}
	}
	if err := e.ddlDone(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// schemaKey is the catalog name of a schema object: it cannot collide with
// a relation's name (which has no space).
func schemaKey(name string) string { return "schema " + name }

// createSchema runs CREATE SCHEMA [IF NOT EXISTS] name. A schema is a name
// space only by convention: its relations are the catalog objects named
// "name.relation".
func (e *Engine) createSchema(ctx context.Context, st *parser.CreateSchema, text string, replay *object) (*Result, error) {
	name := strings.ToLower(st.Name)
	if name == "public" || name == "pg_catalog" || name == "information_schema" {
		if st.IfNotExists {
			return &Result{Tag: "CREATE_SCHEMA", Notices: []string{fmt.Sprintf("schema %q already exists, skipping", name)}}, nil
		}
		return nil, sqlerr.New(sqlerr.DuplicateSchema, "schema %q already exists", name).WithPosition(int(st.Pos) + 1)
	}
	if replay == nil && e.lookup(schemaKey(name)) != nil {
		if st.IfNotExists {
			return &Result{Tag: "CREATE_SCHEMA", Notices: []string{fmt.Sprintf("schema %q already exists, skipping", name)}}, nil
		}
		return nil, sqlerr.New(sqlerr.DuplicateSchema, "schema %q already exists", name).WithPosition(int(st.Pos) + 1)
	}
	o, _ := e.newObject(KindSchema, schemaKey(name), text, replay)
	if err := e.addCatalogObject(ctx, o, replay); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE_SCHEMA"}, nil
}

// dropSchema runs DROP SCHEMA [IF EXISTS] name, … [CASCADE]: with CASCADE
// the schema's relations (objects named "name.…") and their dependents go
// too; without it, a schema that holds any is refused.
func (e *Engine) dropSchema(ctx context.Context, st *parser.Drop) (*Result, error) {
	res := &Result{Tag: "DROP_SCHEMA"}
	for _, raw := range st.Names {
		name := strings.ToLower(raw)
		o := e.lookup(schemaKey(name))
		if o == nil {
			if st.IfExists {
				res.Notices = append(res.Notices, fmt.Sprintf("schema %q does not exist, skipping", name))
				continue
			}
			return nil, sqlerr.New(sqlerr.UndefinedSchema, "schema %q does not exist", name).WithPosition(int(st.Pos) + 1)
		}
		var members []*object
		e.catMu.RLock()
		for n, m := range e.objects {
			if strings.HasPrefix(n, name+".") {
				members = append(members, m)
			}
		}
		e.catMu.RUnlock()
		if len(members) > 0 && !st.Cascade {
			var detail []string
			for _, m := range members {
				detail = append(detail, fmt.Sprintf("%s %s depends on schema %s", m.Kind, m.Name, name))
			}
			return nil, sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot drop schema %s because other objects depend on it", name).
				WithDetail(strings.Join(detail, "\n")).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		// Drop the members newest first, each with its dependents.
		sort.Slice(members, func(i, j int) bool { return members[i].Seq > members[j].Seq })
		gone := map[string]bool{}
		for _, m := range members {
			if gone[m.Name] {
				continue
			}
			for _, d := range append(e.dependents(m.Name), m) {
				if gone[d.Name] {
					continue
				}
				gone[d.Name] = true
				if err := e.dropObject(ctx, d); err != nil {
					return nil, err
				}
				res.Notices = append(res.Notices, fmt.Sprintf("drop cascades to %s %s", d.Kind, d.Name))
			}
		}
		if err := e.dropObject(ctx, o); err != nil {
			return nil, err
		}
	}
	if err := e.ddlDone(ctx); err != nil {
		return nil, err
	}
	return res, nil
}
