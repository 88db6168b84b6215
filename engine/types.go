package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// KindType is a composite type made by CREATE TYPE; its object name is
// "type <name>", so that it never collides with a relation.
const KindType ObjectKind = "type"

func typeKey(name string) string { return "type " + name }

// namedType returns the composite type called name (normalized).
func (e *Engine) namedType(name string) (types.Type, bool) {
	o := e.lookup(typeKey(name))
	if o == nil {
		return types.Type{}, false
	}
	return o.typ, true
}

// NamedType implements planner.TypeCatalog.
func (c catalogView) NamedType(name string) (types.Type, bool) { return c.e.namedType(name) }

var _ planner.TypeCatalog = catalogView{}

// createType runs CREATE TYPE name AS (field type, …).
func (e *Engine) createType(ctx context.Context, st *parser.CreateType, text string, replay *object) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	if _, builtin := types.TypeByName(name); builtin || name == types.RecordTypeName || replay == nil && e.lookup(typeKey(name)) != nil {
		return nil, sqlerr.New(sqlerr.DuplicateObject, "type %q already exists", name).WithPosition(int(st.Pos) + 1)
	}
	fs, err := planner.FieldsOf(st.Fields, catalogView{e})
	if err != nil {
		return nil, err
	}
	o, _ := e.newObject(KindType, typeKey(name), text, replay)
	o.typ = types.StructOf(name, fs)
	if err := e.addCatalogObject(ctx, o, replay); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE_TYPE"}, nil
}

// dropType runs DROP TYPE [IF EXISTS] name, …; a type that a column or
// another type uses is refused (with or without CASCADE, which would drop
// columns).
func (e *Engine) dropType(ctx context.Context, st *parser.Drop) (*Result, error) {
	res := &Result{Tag: "DROP_TYPE"}
	for _, raw := range st.Names {
		name := planner.NormalizeName(raw)
		o := e.lookup(typeKey(name))
		if o == nil {
			if st.IfExists {
				res.Notices = append(res.Notices, fmt.Sprintf("type %q does not exist, skipping", name))
				continue
			}
			return nil, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", name).WithPosition(int(st.Pos) + 1)
		}
		if users := e.typeUsers(name); len(users) > 0 {
			var detail []string
			for _, u := range users {
				detail = append(detail, fmt.Sprintf("%s %s depends on type %s", u.Kind, strings.TrimPrefix(u.Name, "type "), name))
			}
			return nil, sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot drop type %s because other objects depend on it", name).
				WithDetail(strings.Join(detail, "\n")).
				WithHint("Drop the dependent objects first.")
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

// typeUsers returns the objects whose CREATE text names the type.
func (e *Engine) typeUsers(name string) []*object {
	e.catMu.RLock()
	objs := make([]*object, 0, len(e.objects))
	for _, o := range e.objects {
		objs = append(objs, o)
	}
	e.catMu.RUnlock()
	var users []*object
	for _, o := range objs {
		if o.Name == typeKey(name) {
			continue
		}
		st, err := parser.ParseOne(o.SQL)
		if err != nil {
			continue
		}
		uses := false
		walkAST(st, func(n any) {
			if tn, ok := n.(*parser.TypeName); ok && len(tn.Fields) == 0 && planner.NormalizeName(tn.Name) == name {
				uses = true
			}
		})
		if uses {
			users = append(users, o)
		}
	}
	return users
}
