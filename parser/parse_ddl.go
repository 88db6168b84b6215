package parser

import (
	"strconv"
)

var typeAliases = map[string]string{
	"int": "integer", "int4": "integer", "integer": "integer", "int2": "smallint", "smallint": "smallint",
	"int8": "bigint", "bigint": "bigint", "float4": "real", "real": "real", "float8": "double precision",
	"bool": "boolean", "boolean": "boolean", "decimal": "numeric", "numeric": "numeric", "dec": "numeric",
	"varchar": "varchar", "string": "varchar", "text": "text", "bytea": "bytea", "date": "date",
	"timestamptz": "timestamptz", "timetz": "timetz", "jsonb": "jsonb", "json": "json", "bpchar": "char",
	"serial": "serial", "uuid": "uuid",
}

// parseTypeName parses a data type and normalises its name.
func (p *parser) parseTypeName() *TypeName {
	p.enter()
	defer p.leave()
	t := p.peek()
	tn := &TypeName{Pos: t.pos}
	if t.kind != tIdent && t.kind != tQIdent {
		p.fail("expected a type name")
	}
	p.next()
	name := t.val
	if t.kind == tIdent {
		// pg_catalog.int4 and friends
		if name == "pg_catalog" && p.isOp(".") {
			p.next()
			name = p.label()
		}
		switch name {
		case "double":
			p.acceptKw("precision")
			name = "double precision"
		case "character", "char", "nchar":
			name = "char"
			if p.acceptKw("varying") {
				name = "varchar"
			}
		case "national":
			if !p.acceptKw("character") {
				p.expectKw("char")
			}
			name = "char"
			if p.acceptKw("varying") {
				name = "varchar"
			}
		case "bit":
			if p.acceptKw("varying") {
				name = "varbit"
			}
		case "float":
			name = "double precision"
			if p.isOp("(") && p.peekN(1).kind == tInt && p.isOpN(2, ")") {
				p.next()
				n, _ := strconv.Atoi(p.next().val)
				p.next()
				if n <= 24 {
					name = "real"
				}
			}
		case "timestamp", "time":
			if p.isOp("(") && p.peekN(1).kind == tInt && p.isOpN(2, ")") {
				p.next()
				n, err := strconv.Atoi(p.next().val)
				if err != nil {
					p.fail("type modifier out of range")
				}
				p.next()
				tn.Args = append(tn.Args, n)
			}
			if p.acceptKw("with", "time", "zone") {
				if name == "timestamp" {
					name = "timestamptz"
				} else {
					name = "timetz"
				}
			} else {
				p.acceptKw("without", "time", "zone")
			}
		case "interval":
			tn.Unit = p.parseIntervalUnit()
		case "struct":
			if p.isOp("<") {
				p.next()
				for {
					f := &StructField{Pos: p.pos(), Name: p.label()}
					f.Type = p.parseTypeName()
					tn.Fields = append(tn.Fields, f)
					if !p.acceptOp(",") {
						break
					}
				}
				p.expectGT()
			}
		default:
			if a, ok := typeAliases[name]; ok {
				name = a
			}
		}
	}
	tn.Name = name
	if p.isOp("(") && !p.half && p.peekN(1).kind == tInt {
		p.next()
		for {
			neg := len(tn.Args) > 0 && p.acceptOp("-") // numeric(p, -s)
			it := p.peek()
			if it.kind != tInt {
				p.fail("expected an integer")
			}
			p.next()
			n, err := strconv.Atoi(it.val)
			if err != nil {
				p.failAt(it.pos, "type modifier out of range")
			}
			if neg {
				n = -n
			}
			tn.Args = append(tn.Args, n)
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		if name == "timestamp" || name == "time" {
			if p.acceptKw("with", "time", "zone") {
				tn.Name = name + "tz"
				if name == "timestamp" {
					tn.Name = "timestamptz"
				}
			} else {
				p.acceptKw("without", "time", "zone")
			}
		}
	}
	for !p.half {
		if p.isOp("[") {
			p.next()
			if p.peek().kind == tInt {
				p.next()
			}
			p.expectOp("]")
			tn.ArrayDims++
			continue
		}
		if p.isKw("array") {
			p.next()
			if p.isOp("[") {
				p.next()
				if p.peek().kind == tInt {
					p.next()
				}
				p.expectOp("]")
			}
			tn.ArrayDims++
			continue
		}
		break
	}
	return tn
}

func (p *parser) parseIfNotExists() bool { return p.acceptKw("if", "not", "exists") }

func (p *parser) parseCreate() Statement {
	pos := p.next().pos
	orReplace := p.acceptKw("or", "replace")
	switch {
	case p.acceptKw("table"):
		return p.parseCreateTable(pos)
	case p.acceptKw("source"):
		return p.parseCreateSource(pos)
	case p.acceptKw("materialized", "view"):
		mv := &CreateMaterializedView{Pos: pos, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
		if p.isOp("(") {
			mv.Columns = p.parenIdentList()
		}
		if p.acceptKw("with") {
			mv.With = p.parseOptions()
		}
		p.expectKw("as")
		mv.Query = p.parseQuery()
		if p.acceptKw("emit", "on", "window", "close") {
			mv.EmitOnWindowClose = true
		}
		return mv
	case p.acceptKw("view"):
		v := &CreateView{Pos: pos, OrReplace: orReplace, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
		if p.isOp("(") {
			v.Columns = p.parenIdentList()
		}
		p.expectKw("as")
		v.Query = p.parseQuery()
		return v
	case p.acceptKw("sink"):
		s := &CreateSink{Pos: pos, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
		if p.acceptKw("into") {
			s.Into = p.objName()
			if p.isOp("(") {
				s.IntoColumns = p.parenIdentList()
			}
		}
		if p.acceptKw("from") {
			s.From = p.objName()
		} else if p.acceptKw("as") {
			s.Query = p.parseQuery()
		} else {
			p.fail("expected FROM or AS")
		}
		if p.acceptKw("with") {
			s.With = p.parseOptions()
		}
		s.Format = p.parseFormatSpec()
		return s
	case p.isKw("index") || p.isKw("unique") && p.isKwN(1, "index"):
		ix := &CreateIndex{Pos: pos, Unique: p.acceptKw("unique")}
		p.expectKw("index")
		ix.IfNotExists = p.parseIfNotExists()
		if !p.isKw("on") || p.isKwN(1, "on") {
			ix.Name = p.objName() // without a name, the engine picks one
		}
		p.expectKw("on")
		ix.Table = p.objName()
		if p.acceptKw("using") {
			if !p.acceptKw("btree") {
				p.fail("expected btree: other index methods are not supported")
			}
		}
		p.expectOp("(")
		ix.Columns = p.parseOrderList()
		p.expectOp(")")
		if p.acceptKw("include") {
			p.expectOp("(")
			ix.Include = p.identList()
			p.expectOp(")")
		}
		if p.acceptKw("distributed", "by") {
			p.expectOp("(")
			ix.DistributedBy = p.exprList()
			p.expectOp(")")
		}
		return ix
	case p.acceptKw("schema"):
		return &CreateSchema{Pos: pos, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
	case p.acceptKw("type"):
		ct := &CreateType{Pos: pos, Name: p.objName()}
		p.expectKw("as")
		p.expectOp("(")
		for !p.isOp(")") {
			f := &StructField{Pos: p.pos(), Name: p.label()}
			f.Type = p.parseTypeName()
			ct.Fields = append(ct.Fields, f)
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		return ct
	case p.acceptKw("database"):
		return &CreateDatabase{Pos: pos, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
	case p.acceptKw("function"):
		return p.parseCreateFunction(pos, orReplace)
	case p.acceptKw("user"):
		u := &CreateUser{Pos: pos, Name: p.ident()}
		u.Options = p.parseUserOptions()
		return u
	}
	p.fail("expected TABLE, SOURCE, MATERIALIZED VIEW, VIEW, SINK, INDEX, SCHEMA, TYPE, DATABASE or USER")
	return nil
}

func (p *parser) parseUserOptions() []*Option {
	p.acceptKw("with")
	var opts []*Option
	for p.peek().kind == tIdent {
		t := p.next()
		o := &Option{Pos: t.pos, Name: t.val}
		switch t.val {
		case "password", "encrypted":
			if t.val == "encrypted" {
				p.expectKw("password")
				o.Name = "password"
			}
			if p.acceptKw("null") {
				o.Value = &Literal{Pos: t.pos, Kind: LitNull, Text: "NULL"}
			} else {
				s := p.peek()
				if s.kind != tString {
					p.fail("expected a string")
				}
				p.next()
				o.Value = &Literal{Pos: s.pos, Kind: LitString, Text: s.val}
			}
		}
		opts = append(opts, o)
	}
	return opts
}

// tableLike holds the clauses shared by CREATE TABLE and CREATE SOURCE.
type tableLike struct {
	columns    []*ColumnDef
	pk         []string
	watermark  *WatermarkDef
	include    []*IncludeClause
	with       []*Option
	format     *FormatSpec
	appendOnly bool
	fromSource string
	fromTable  string
	asQuery    *Query
	onConflict string
	versions   []string
}

func (p *parser) parseCreateTable(pos Pos) Statement {
	ct := &CreateTable{Pos: pos, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
	tl := p.parseTableLike(true)
	ct.Columns, ct.PrimaryKey, ct.Watermark, ct.Include = tl.columns, tl.pk, tl.watermark, tl.include
	ct.With, ct.Format, ct.AppendOnly = tl.with, tl.format, tl.appendOnly
	ct.FromSource, ct.FromTable, ct.AsQuery = tl.fromSource, tl.fromTable, tl.asQuery
	ct.OnConflict, ct.VersionColumns = tl.onConflict, tl.versions
	return ct
}

func (p *parser) parseCreateSource(pos Pos) Statement {
	cs := &CreateSource{Pos: pos, IfNotExists: p.parseIfNotExists(), Name: p.objName()}
	tl := p.parseTableLike(false)
	cs.Columns, cs.PrimaryKey, cs.Watermark, cs.Include = tl.columns, tl.pk, tl.watermark, tl.include
	cs.With, cs.Format = tl.with, tl.format
	return cs
}

func (p *parser) parseTableLike(isTable bool) *tableLike {
	tl := &tableLike{}
	if p.isOp("(") {
		p.next()
		if !p.isOp(")") {
			for {
				p.parseTableElement(tl)
				if !p.acceptOp(",") {
					break
				}
			}
		}
		p.expectOp(")")
	}
	for {
		switch {
		case isTable && p.acceptKw("append", "only"):
			tl.appendOnly = true
		case p.acceptKw("on", "conflict"):
			tl.onConflict = p.parseOnConflict()
		case p.isKw("with") && p.isKwN(1, "version"):
			p.next()
			p.next()
			p.expectKw("column")
			p.expectOp("(")
			for {
				tl.versions = append(tl.versions, p.ident())
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectOp(")")
		case p.isKw("include"):
			tl.include = append(tl.include, p.parseInclude())
		case p.acceptKw("with"):
			tl.with = p.parseOptions()
		case p.isKw("format") || p.isKw("row") && p.isKwN(1, "format"):
			tl.format = p.parseFormatSpec()
		case isTable && p.acceptKw("from"):
			tl.fromSource = p.objName()
			p.expectKw("table")
			s := p.peek()
			if s.kind != tString {
				p.fail("expected a string")
			}
			p.next()
			tl.fromTable = s.val
		case isTable && p.acceptKw("as"):
			tl.asQuery = p.parseQuery()
		default:
			return tl
		}
	}
}

// parseOnConflict parses the behaviour after ON CONFLICT: OVERWRITE |
// IGNORE | DO NOTHING | DO UPDATE FULL | DO UPDATE IF NOT NULL, returned in
// its canonical spelling (OVERWRITE is DO UPDATE FULL, IGNORE is DO NOTHING).
func (p *parser) parseOnConflict() string {
	switch {
	case p.acceptKw(onConflictOverwriteWord):
		return OnConflictOverwrite
	case p.acceptKw(onConflictIgnoreWord):
		return OnConflictDoNothing
	case p.acceptKw("do", "nothing"):
		return OnConflictDoNothing
	case p.acceptKw("do", "update", "full"):
		return OnConflictOverwrite
	case p.acceptKw("do", "update", "if", "not", "null"):
		return OnConflictIfNotNull
	}
	p.fail("expected OVERWRITE, IGNORE, DO NOTHING, DO UPDATE FULL or DO UPDATE IF NOT NULL")
	return ""
}

func (p *parser) parseInclude() *IncludeClause {
	ic := &IncludeClause{Pos: p.next().pos}
	ic.Kind = p.label()
	if s := p.peek(); s.kind == tString {
		p.next()
		ic.Inner = s.val
		if !p.isKw("as") && p.peek().kind == tIdent && !p.isKw("include") && !p.isKw("with") && !p.isKw("format") {
			p.next() // data type of the header
		}
	}
	if p.acceptKw("as") {
		ic.Alias = p.ident()
	}
	return ic
}

func (p *parser) parseTableElement(tl *tableLike) {
	pos := p.pos()
	switch {
	case p.isKw("primary") && p.isKwN(1, "key"):
		p.next()
		p.next()
		tl.pk = p.parenIdentList()
		return
	case p.isKw("watermark") && p.isKwN(1, "for"):
		p.next()
		p.next()
		w := &WatermarkDef{Pos: pos, Column: p.ident()}
		p.expectKw("as")
		w.Expr = p.parseExpr()
		w.TTL = p.acceptKw("with", "ttl")
		tl.watermark = w
		return
	case p.isKw("constraint"):
		p.next()
		p.ident()
		if p.acceptKw("primary", "key") {
			tl.pk = p.parenIdentList()
			return
		}
		fallthrough
	case p.isKw("unique") && p.isOpN(1, "("), p.isKw("check") && p.isOpN(1, "("):
		if p.acceptKw("unique") {
			p.parenIdentList()
			return
		}
		p.expectKw("check")
		p.expectOp("(")
		p.parseExpr()
		p.expectOp(")")
		return
	case p.isKw("foreign") && p.isKwN(1, "key"):
		p.fail("foreign keys are not supported")
	}
	c := &ColumnDef{Pos: pos, Name: p.ident()}
	if !p.isKw("as") {
		c.Type = p.parseTypeName()
	}
	for {
		switch {
		case p.acceptKw("not", "null"):
			c.NotNull = true
		case p.acceptKw("null"):
		case p.acceptKw("primary", "key"):
			c.PrimaryKey = true
		case p.acceptKw("unique"):
			c.Unique = true
		case p.acceptKw("default"):
			c.Default = p.parseExprPrec(precIs + 1)
		case p.acceptKw("as"):
			c.Generated = p.parseExpr()
		case p.acceptKw("generated", "always", "as"):
			p.expectOp("(")
			c.Generated = p.parseExpr()
			p.expectOp(")")
			p.acceptKw("stored")
		case p.acceptKw("check"):
			p.expectOp("(")
			c.Check = p.parseExpr()
			p.expectOp(")")
		case p.acceptKw("constraint"):
			p.ident()
		case p.acceptKw("collate"):
			p.qualName()
		case p.acceptKw("references"):
			p.objName()
			if p.isOp("(") {
				p.parenIdentList()
			}
		default:
			tl.columns = append(tl.columns, c)
			return
		}
	}
}

// parseOptions parses ( name = value, ... ) after WITH.
func (p *parser) parseOptions() []*Option {
	p.expectOp("(")
	opts := []*Option{}
	if p.acceptOp(")") {
		return opts
	}
	for {
		o := &Option{Pos: p.pos()}
		o.Name = p.paramName()
		if p.acceptOp("=") || !p.isOp(",") && !p.isOp(")") {
			o.Value = p.parseOptionValue()
		}
		opts = append(opts, o)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return opts
}

func (p *parser) parseOptionValue() Expr {
	t := p.peek()
	if t.kind == tIdent || t.kind == tQIdent {
		if t.kind == tIdent && (t.val == "true" || t.val == "false") {
			p.next()
			return &Literal{Pos: t.pos, Kind: LitBool, Text: t.val, Bool: t.val == "true"}
		}
		name := p.paramName()
		return &Literal{Pos: t.pos, Kind: LitString, Text: name}
	}
	return p.parseSetValue()
}

// parseFormatSpec parses an optional FORMAT f ENCODE e [(options)] or ROW
// FORMAT x.
func (p *parser) parseFormatSpec() *FormatSpec {
	pos := p.pos()
	if p.acceptKw("row", "format") {
		return &FormatSpec{Pos: pos, Format: "PLAIN", Encode: upperASCII(p.label())}
	}
	if !p.acceptKw("format") {
		return nil
	}
	f := &FormatSpec{Pos: pos, Format: upperASCII(p.label())}
	if p.acceptKw("encode") {
		f.Encode = upperASCII(p.label())
		if p.isOp("(") {
			f.Options = p.parseOptions()
		}
		if p.acceptKw("key", "encode") {
			// KEY ENCODE x: recorded as an option.
			f.Options = append(f.Options, &Option{Pos: p.pos(), Name: "key.encode", Value: &Literal{Pos: p.pos(), Kind: LitString, Text: p.label()}})
		}
	}
	return f
}

func (p *parser) parseDrop() Statement {
	d := &Drop{Pos: p.next().pos}
	switch {
	case p.acceptKw("materialized", "view"):
		d.Kind = "MATERIALIZED VIEW"
	default:
		t := p.peek()
		switch t.val {
		case "table", "source", "sink", "view", "index", "user", "schema", "database", "function",
			"connection", "secret", "aggregate", "subscription", "type":
			if t.kind == tIdent {
				p.next()
				d.Kind = upperASCII(t.val)
			}
		}
		if d.Kind == "" {
			p.fail("expected an object kind")
		}
	}
	d.IfExists = p.acceptKw("if", "exists")
	if d.Kind == "FUNCTION" || d.Kind == "AGGREGATE" {
		// name [(argtypes)], …
		for {
			d.Names = append(d.Names, p.objName())
			var args []*TypeName
			if p.acceptOp("(") {
				args = []*TypeName{}
				if !p.isOp(")") {
					for {
						args = append(args, p.parseTypeName())
						if !p.acceptOp(",") {
							break
						}
					}
				}
				p.expectOp(")")
			}
			d.FuncArgs = append(d.FuncArgs, args)
			if !p.acceptOp(",") {
				break
			}
		}
	} else {
		d.Names = p.objNames()
	}
	if p.acceptKw("cascade") {
		d.Cascade = true
	} else {
		p.acceptKw("restrict")
	}
	return d
}

func (p *parser) parseReturning() []*SelectItem {
	if p.acceptKw("returning") {
		return p.parseSelectItems()
	}
	return nil
}

func (p *parser) parseInsert() Statement {
	ins := &Insert{Pos: p.next().pos}
	p.expectKw("into")
	ins.Table = p.objName()
	if p.isOp("(") && !p.looksLikeQuery() {
		ins.Columns = p.parenIdentList()
	}
	if p.acceptKw("default", "values") {
		ins.Source = nil
	} else {
		ins.Source = p.parseQuery()
	}
	ins.Returning = p.parseReturning()
	return ins
}

func (p *parser) parseUpdate() Statement {
	u := &Update{Pos: p.next().pos}
	u.Table = p.objName()
	if a := p.parseAlias(false); a != nil {
		u.Alias = a.Name
	}
	p.expectKw("set")
	for {
		if p.isOp("(") {
			a := &Assignment{Pos: p.pos(), Columns: p.parenIdentList()}
			p.expectOp("=")
			a.Value = p.parseExpr()
			u.Set = append(u.Set, a)
			if !p.acceptOp(",") {
				break
			}
			continue
		}
		a := &Assignment{Pos: p.pos(), Column: p.ident()}
		for p.isOp(".") {
			p.next()
			a.Column += "." + p.label()
		}
		p.expectOp("=")
		a.Value = p.parseExpr()
		u.Set = append(u.Set, a)
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("from") {
		u.From = p.parseFromList()
	}
	if p.acceptKw("where") {
		u.Where = p.parseExpr()
	}
	u.Returning = p.parseReturning()
	return u
}

func (p *parser) parseDelete() Statement {
	d := &Delete{Pos: p.next().pos}
	p.expectKw("from")
	d.Table = p.objName()
	if a := p.parseAlias(false); a != nil {
		d.Alias = a.Name
	}
	if p.acceptKw("where") {
		d.Where = p.parseExpr()
	}
	d.Returning = p.parseReturning()
	return d
}

var typeMultiWordStart = map[string]bool{
	"double": true, "character": true, "national": true, "timestamp": true, "time": true, "bit": true,
	"char": true, "nchar": true, "interval": true,
}

func (p *parser) parseCreateFunction(pos Pos, orReplace bool) Statement {
	f := &CreateFunction{Pos: pos, OrReplace: orReplace, Name: p.objName()}
	p.expectOp("(")
	if !p.isOp(")") {
		for {
			a := &FuncArg{Pos: p.pos()}
			t1, t2 := p.peek(), p.peekN(1)
			if (t1.kind == tIdent && !typeMultiWordStart[t1.val] || t1.kind == tQIdent) && (t2.kind == tIdent || t2.kind == tQIdent) {
				a.Name = p.ident()
			}
			a.Type = p.parseTypeName()
			f.Args = append(f.Args, a)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	if p.acceptKw("returns") {
		if p.acceptKw("table") {
			tl := &tableLike{}
			p.expectOp("(")
			for {
				p.parseTableElement(tl)
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectOp(")")
			f.ReturnsTable = tl.columns
		} else {
			f.Returns = p.parseTypeName()
		}
	}
	for {
		switch {
		case p.acceptKw("language"):
			f.Language = lowerASCII(p.label())
		case p.acceptKw("as"):
			s := p.peek()
			if s.kind != tString {
				p.fail("expected a string")
			}
			p.next()
			f.As = s.val
			if p.acceptOp(",") {
				l := p.peek()
				if l.kind != tString {
					p.fail("expected a string")
				}
				p.next()
				f.Link = l.val
			}
		case p.acceptKw("using", "link"):
			s := p.peek()
			if s.kind != tString {
				p.fail("expected a string")
			}
			p.next()
			f.Link = s.val
		case p.acceptKw("return"):
			f.Return = p.parseExpr()
		case p.acceptKw("called", "on", "null", "input"):
			f.Options = append(f.Options, "CALLED ON NULL INPUT")
		case p.acceptKw("returns", "null", "on", "null", "input"):
			f.Options = append(f.Options, "RETURNS NULL ON NULL INPUT")
		case p.acceptKw("always", "retry", "on", "network", "error"):
			f.Options = append(f.Options, "ALWAYS RETRY ON NETWORK ERROR")
		case p.isKw("immutable") || p.isKw("stable") || p.isKw("volatile") || p.isKw("strict") || p.isKw("async") || p.isKw("batch"):
			f.Options = append(f.Options, upperASCII(p.next().val))
		case p.acceptKw("with"):
			opts := p.parseOptions()
			_ = opts
		default:
			return f
		}
	}
}
