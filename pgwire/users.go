package pgwire

import (
	"strings"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
)

// isUserStatement reports whether sql is CREATE/ALTER/DROP USER or ROLE,
// which the server handles itself.
func isUserStatement(sql string) bool {
	toks := userTokens(sql, 3)
	if len(toks) < 2 {
		return false
	}
	verb, obj := strings.ToUpper(toks[0].text), strings.ToUpper(toks[1].text)
	switch verb {
	case "CREATE", "ALTER", "DROP":
		return obj == "USER" || obj == "ROLE"
	}
	return false
}

type userToken struct {
	text   string
	quoted byte // '\'' for a string, '"' for a quoted identifier, 0 for a word
}

// userTokens splits the start of a user statement into words, 'strings'
// and "identifiers" (at most limit tokens; -1 = all).
func userTokens(sql string, limit int) []userToken {
	var out []userToken
	i := 0
	for i < len(sql) && (limit < 0 || len(out) < limit) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == ',' || c == '=':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			var b strings.Builder
			i++
			for i < len(sql) {
				if sql[i] == c {
					if i+1 < len(sql) && sql[i+1] == c {
						b.WriteByte(c)
						i += 2
						continue
					}
					break
				}
				b.WriteByte(sql[i])
				i++
			}
			i++
			out = append(out, userToken{text: b.String(), quoted: c})
		default:
			j := i
			for j < len(sql) && !strings.ContainsRune(" \t\n\r;,='\"", rune(sql[j])) {
				j++
			}
			out = append(out, userToken{text: sql[i:j]})
			i = j
		}
	}
	return out
}

// userStatement runs CREATE/ALTER/DROP USER|ROLE against the user store.
//
//	CREATE USER name [WITH] [PASSWORD 'pw' | PASSWORD NULL | SUPERUSER | NOSUPERUSER | LOGIN | NOLOGIN | …]
//	ALTER USER name [WITH] [PASSWORD 'pw' | SUPERUSER | NOSUPERUSER …]
//	DROP USER [IF EXISTS] name [, …]
func (c *conn) userStatement(sql string) (*engine.Result, error) {
	mgr, ok := c.srv.users.(UserManager)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "this server's users cannot be changed with SQL")
	}
	toks := userTokens(sql, -1)
	verb := strings.ToUpper(toks[0].text)
	tagObj := "ROLE"
	toks = toks[2:]
	name := func(t userToken) string {
		if t.quoted == '"' {
			return t.text
		}
		return strings.ToLower(t.text)
	}
	switch verb {
	case "DROP":
		if !c.superuser {
			return nil, sqlerr.New(sqlerr.InsufficientPrivilege, "permission denied to drop role")
		}
		ifExists := false
		if len(toks) >= 2 && strings.EqualFold(toks[0].text, "IF") && strings.EqualFold(toks[1].text, "EXISTS") {
			ifExists = true
			toks = toks[2:]
		}
		if len(toks) == 0 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error: DROP USER needs a name")
		}
		var notices []string
		for _, t := range toks {
			n := name(t)
			if n == c.user {
				return nil, sqlerr.New("55006", "current user cannot be dropped")
			}
			if _, exists := mgr.Lookup(n); !exists && ifExists {
				notices = append(notices, "role \""+n+"\" does not exist, skipping")
				continue
			}
			if err := mgr.DropUser(n, ifExists); err != nil {
				return nil, err
			}
		}
		return &engine.Result{Tag: "DROP " + tagObj, Notices: notices}, nil
	case "CREATE", "ALTER":
		if len(toks) == 0 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error: %s USER needs a name", verb)
		}
		user := name(toks[0])
		var password *string
		var superuser *bool
		opts := toks[1:]
		for i := 0; i < len(opts); i++ {
			t := opts[i]
			if t.quoted != 0 {
				return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", t.text)
			}
			switch strings.ToUpper(t.text) {
			case "WITH", "LOGIN", "NOLOGIN", "INHERIT", "NOINHERIT", "CREATEDB", "NOCREATEDB",
				"CREATEROLE", "NOCREATEROLE", "REPLICATION", "NOREPLICATION", "BYPASSRLS", "NOBYPASSRLS":
			case "SUPERUSER":
				b := true
				superuser = &b
			case "NOSUPERUSER":
				b := false
				superuser = &b
			case "ENCRYPTED", "UNENCRYPTED":
			case "PASSWORD":
				if i+1 >= len(opts) {
					return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error: PASSWORD needs a value")
				}
				i++
				p := opts[i].text
				if opts[i].quoted == 0 {
					if !strings.EqualFold(p, "NULL") {
						return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", p)
					}
					p = ""
				}
				password = &p
			case "CONNECTION", "VALID":
				// CONNECTION LIMIT n, VALID UNTIL 'ts': accepted and ignored.
				if i+2 < len(opts) {
					i += 2
				}
			default:
				return nil, sqlerr.New(sqlerr.SyntaxError, "unrecognized role option %q", t.text)
			}
		}
		if verb == "CREATE" {
			if !c.superuser {
				return nil, sqlerr.New(sqlerr.InsufficientPrivilege, "permission denied to create role")
			}
			pw := ""
			if password != nil {
				pw = *password
			}
			if err := mgr.CreateUser(user, pw, superuser != nil && *superuser); err != nil {
				return nil, err
			}
			return &engine.Result{Tag: "CREATE " + tagObj}, nil
		}
		if !c.superuser && (user != c.user || superuser != nil) {
			return nil, sqlerr.New(sqlerr.InsufficientPrivilege, "permission denied to alter role")
		}
		if err := mgr.AlterUser(user, password, superuser); err != nil {
			return nil, err
		}
		return &engine.Result{Tag: "ALTER " + tagObj}, nil
	}
	return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", verb)
}
