package engine

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/types"
)

// Extension metadata: small key/value records that embedders (the pgwire
// server's users) keep in the engine's store, committed with the catalog
// and recovered with it. Keys live under their own prefix so that they
// never clash with the engine's own meta keys.

const metaExtPrefix = "ext/"

// MetaUserPrefix is the key prefix of user records: "user/<name>" holds a
// JSON object with at least "name" and "superuser"; pg_roles lists them.
const MetaUserPrefix = "user/"

// PutMeta stores value under key (nil or empty deletes it). The change is
// staged in the current epoch; with a data directory PutMeta returns once
// it is durable.
func (e *Engine) PutMeta(ctx context.Context, key string, value []byte) error {
	if e.closed.Load() {
		return errClosed
	}
	err := e.onLoop(ctx, func() error {
		if len(value) == 0 {
			e.store.DeleteMeta(metaExtPrefix + key)
		} else {
			e.store.PutMeta(metaExtPrefix+key, value)
		}
		e.dirty = true
		return nil
	})
	if err != nil {
		return err
	}
	if e.persistent() {
		return e.Flush(ctx)
	}
	return nil
}

// GetMeta returns the value stored under key.
func (e *Engine) GetMeta(key string) ([]byte, bool, error) {
	return e.store.GetMeta(metaExtPrefix + key)
}

// ScanMeta calls fn for every key starting with prefix, in key order, until
// fn returns false. Keys are passed without the engine's prefix.
func (e *Engine) ScanMeta(prefix string, fn func(key string, value []byte) bool) error {
	return e.store.ScanMeta(metaExtPrefix+prefix, func(k string, v []byte) bool {
		if len(v) == 0 {
			return true
		}
		return fn(strings.TrimPrefix(k, metaExtPrefix), v)
	})
}

type roleInfo struct {
	oid       int64
	name      string
	superuser bool
}

// roleOID is a stable OID for a user name (root is 10, as in Postgres).
func roleOID(name string) int64 {
	if name == "root" {
		return oidRoot
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return 20000 + int64(h.Sum32()%1000000)
}

// roles lists the users stored under MetaUserPrefix (root when none).
func (e *Engine) roles() []roleInfo {
	var out []roleInfo
	seen := map[string]bool{}
	_ = e.ScanMeta(MetaUserPrefix, func(_ string, v []byte) bool {
		var u struct {
			Name      string `json:"name"`
			Superuser bool   `json:"superuser"`
		}
		if json.Unmarshal(v, &u) == nil && u.Name != "" && !seen[u.Name] {
			seen[u.Name] = true
			out = append(out, roleInfo{oid: roleOID(u.Name), name: u.Name, superuser: u.Superuser})
		}
		return true
	})
	if !seen["root"] && len(out) == 0 {
		out = append(out, roleInfo{oid: oidRoot, name: "root", superuser: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (g *catSnap) settings() [][2]string {
	if g.s == nil {
		return NewSession().all()
	}
	return g.s.all()
}

func (g *catSnap) currentUser() string { return sessionUser(g.s) }

func (g *catSnap) backendPID() int64 { return sessionPID(g.s) }

func sessionUser(s *Session) string {
	if s != nil {
		if v, ok := s.Get("session_authorization"); ok && v != "" {
			return v
		}
	}
	return "root"
}

// SessionPIDParam is the session parameter pgwire sets to the connection's
// process ID (pg_backend_pid()).
const SessionPIDParam = "eddy.backend_pid"

func sessionPID(s *Session) int64 {
	if s != nil {
		if v, ok := s.Get(SessionPIDParam); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	}
	return 1
}

var engineStart = time.Now()

// stmtCatalog is the expr.CatalogInfo of one statement; the catalog
// snapshot is taken on first use.
type stmtCatalog struct {
	e    *Engine
	s    *Session
	once sync.Once
	snap *catSnap
}

var _ expr.CatalogInfo = (*stmtCatalog)(nil)

func (c *stmtCatalog) g() *catSnap {
	c.once.Do(func() { c.snap = c.e.catalogSnapshot(c.s) })
	return c.snap
}

func (c *stmtCatalog) CurrentUser() string { return sessionUser(c.s) }

func (c *stmtCatalog) UserName(oid int64) (string, bool) {
	if oid == oidRoot {
		return "root", true
	}
	for _, r := range c.g().roles {
		if r.oid == oid {
			return r.name, true
		}
	}
	return "", false
}

func (c *stmtCatalog) ObjectDef(kind string, oid int64) (string, bool) {
	return c.g().objectDef(kind, oid)
}

func (c *stmtCatalog) BackendPID() int64 { return sessionPID(c.s) }

func (c *stmtCatalog) StartTime() types.Timestamptz {
	return types.Timestamptz(engineStart.UnixMicro())
}

func (c *stmtCatalog) TxID() int64 { return int64(c.e.visible.Load()) + 1 }

// Setting returns a session parameter for current_setting.
func (c *stmtCatalog) Setting(name string) (string, bool) { return c.s.Get(name) }

// SetSetting sets a session parameter for set_config, as SET does.
func (c *stmtCatalog) SetSetting(name, value string) error {
	_, err := c.e.execSet(c.s, &parser.Set{Name: name, Values: []parser.Expr{&parser.Literal{Kind: parser.LitString, Text: value}}})
	return err
}
