package connectors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

func init() {
	RegisterSink(Spec{
		Name:    "redis",
		Summary: "Writes rows to Redis as JSON or templated strings (or hash fields); exactly once by epoch fencing.",
		Formats: []string{"PLAIN JSON", "UPSERT JSON", "PLAIN TEMPLATE", "UPSERT TEMPLATE"},
		Options: []OptionSpec{
			{Name: "redis.url", Required: true, Doc: "redis://[user:password@]host:port[/db]. The password part is never printed."},
			{Name: "redis_value_type", Kind: KindEnum, Enum: []string{"string", "hash"}, Default: "string",
				Doc: "string: SET key value / DEL key. hash: HSET key field value / HDEL key field (needs field_format)."},
			{Name: "redis.batch.size", Kind: KindInt, Default: "1000", Doc: "Commands per fenced script call."},
			{Name: "primary_key", Doc: "Comma-separated key columns, when the input has no primary key."},
		},
		FormatOptions: []OptionSpec{
			{Name: "key_format", Doc: "Key template with {column} placeholders; default: the primary-key values joined by ':'."},
			{Name: "value_format", Doc: "ENCODE TEMPLATE: value template with {column} placeholders."},
			{Name: "field_format", Doc: "redis_value_type='hash': field template with {column} placeholders."},
			{Name: "force_append_only", Kind: KindBool, Default: "false", Doc: "Ignore deletes (keys are only ever set)."},
		},
	}, newRedisSink)
}

// fenceScript applies one batch of an epoch's commands unless the sink's
// epoch marker (KEYS[1]) already holds this epoch or a later one, and — on
// the epoch's last batch — moves the marker to the epoch. Epochs are
// zero-padded to 20 digits so that Lua compares them as strings, exactly.
// ARGV: epoch, last ("1"/"0"), then commands: S key value | D key |
// H key field value | E key field.
const fenceScript = `
local epoch = ARGV[1]
local cur = redis.call('GET', KEYS[1])
if cur and cur >= epoch then return 0 end
local i = 3
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'S' then redis.call('SET', ARGV[i+1], ARGV[i+2]); i = i + 3
  elseif op == 'D' then redis.call('DEL', ARGV[i+1]); i = i + 2
  elseif op == 'H' then redis.call('HSET', ARGV[i+1], ARGV[i+2], ARGV[i+3]); i = i + 4
  elseif op == 'E' then redis.call('HDEL', ARGV[i+1], ARGV[i+2]); i = i + 3
  else return redis.error_reply('eddy fence script: bad op ' .. tostring(op)) end
end
if ARGV[2] == '1' then redis.call('SET', KEYS[1], epoch) end
return 1
`

var redisFence = redis.NewScript(fenceScript)

// RedisFenceKey returns the key holding the last epoch a Redis sink
// applied.
func RedisFenceKey(sink string) string { return "eddy:sink:" + sink + ":epoch" }

type redisCmd struct {
	del   bool
	key   string
	field string
	value string
}

// redisSink buffers an epoch's changes, compacted per key (the last change
// wins), and applies them at Commit in fenced script calls.
type redisSink struct {
	cfg       SinkConfig
	url       string
	hash      bool
	template  bool
	force     bool
	batch     int
	keyCols   []int
	keyTmpl   *template
	valTmpl   *template
	fieldTmpl *template
	visible   []int
	warnings  []string

	client  *redis.Client
	pending map[string]int // key\x00field → index in cmds
	cmds    []redisCmd
	buf     []byte
	applied int64 // scripts that applied (for tests/metrics)
	fenced  int64 // scripts skipped by the fence
}

func newRedisSink(cfg SinkConfig) (Sink, error) {
	o := merged(cfg.With, cfg.Format)
	fmtName, enc := sinkFormat(cfg)
	s := &redisSink{cfg: cfg, url: o.str("redis.url"), visible: visibleCols(cfg.Schema), pending: map[string]int{}}
	if fmtName != format.Plain && fmtName != format.Upsert {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "redis sink %q: FORMAT %s is not supported (use PLAIN or UPSERT)", cfg.Name, fmtName)
	}
	switch enc {
	case "JSON":
	case "TEMPLATE":
		s.template = true
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "redis sink %q: ENCODE %s is not supported (use JSON or TEMPLATE)", cfg.Name, enc)
	}
	if _, err := redis.ParseURL(s.url); err != nil {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "redis sink %q: invalid redis.url: %v", cfg.Name, redactURLErr(err, s.url))
	}
	var err error
	if s.force, err = o.bool("force_append_only", false); err != nil {
		return nil, err
	}
	b, err := o.int("redis.batch.size", 1000)
	if err != nil {
		return nil, err
	}
	s.batch = int(max(b, 1))
	s.hash = strings.EqualFold(o.str("redis_value_type"), "hash")
	s.keyCols = cfg.PK
	if pk := o.str("primary_key"); pk != "" {
		s.keyCols = nil
		for _, name := range strings.Split(pk, ",") {
			i := schemaIndexFold(cfg.Schema, strings.TrimSpace(name))
			if i < 0 {
				return nil, sqlerr.New(sqlerr.UndefinedColumn, "redis sink %q: primary_key column %q does not exist", cfg.Name, name)
			}
			s.keyCols = append(s.keyCols, i)
		}
	}
	if kf := o.str("key_format"); kf != "" {
		if s.keyTmpl, err = parseTemplate(kf, cfg.Schema, "key_format"); err != nil {
			return nil, err
		}
		var missing []string
		for _, c := range s.keyCols {
			if !containsInt(s.keyTmpl.cols, c) {
				missing = append(missing, cfg.Schema[c].Name)
			}
		}
		if len(missing) > 0 {
			s.warnings = append(s.warnings, fmt.Sprintf("redis sink %q: key_format %q omits primary-key column(s) %s; rows that differ only there overwrite each other",
				cfg.Name, kf, strings.Join(missing, ", ")))
		}
	} else if len(s.keyCols) == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "redis sink %q needs a primary key or a key_format", cfg.Name).
			WithHint("Sink from a table or materialized view with a primary key, or set primary_key='col,…' or key_format.")
	}
	if s.template {
		vf := o.str("value_format")
		if vf == "" {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "redis sink %q: ENCODE TEMPLATE needs value_format", cfg.Name)
		}
		if s.valTmpl, err = parseTemplate(vf, cfg.Schema, "value_format"); err != nil {
			return nil, err
		}
	}
	if s.hash {
		ff := o.str("field_format")
		if ff == "" {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "redis sink %q: redis_value_type='hash' needs field_format", cfg.Name)
		}
		if s.fieldTmpl, err = parseTemplate(ff, cfg.Schema, "field_format"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func schemaIndexFold(s types.Schema, name string) int {
	for i, c := range s {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// redactURLErr keeps a parse error from echoing a password.
func redactURLErr(err error, url string) string {
	msg := err.Error()
	if i := strings.Index(url, "@"); i > 0 {
		msg = strings.ReplaceAll(msg, url[:i], "redis://"+Redacted)
	}
	return msg
}

// Warnings returns configuration warnings (a key_format without the whole
// primary key).
func (s *redisSink) Warnings() []string { return s.warnings }

// Open connects and pings.
func (s *redisSink) Open(ctx context.Context) error {
	o, err := redis.ParseURL(s.url)
	if err != nil {
		return sqlerr.New(sqlerr.InvalidParameterValue, "redis sink %q: invalid redis.url", s.cfg.Name)
	}
	o.MaxRetries = 1
	o.DialTimeout = 2 * time.Second
	if s.client != nil {
		s.client.Close()
	}
	s.client = redis.NewClient(o)
	if err := s.client.Ping(ctx).Err(); err != nil {
		return sqlerr.Wrap(fmt.Errorf("redis sink %q: cannot reach %s: %w", s.cfg.Name, o.Addr, err), sqlerr.ConnectionException)
	}
	return nil
}

// Write buffers the chunk's changes, compacted per key: the last change of
// a key in the epoch wins.
func (s *redisSink) Write(_ context.Context, _ uint64, c *types.Chunk) error {
	for _, ch := range changes(c) {
		if !ch.op.IsInsert() && s.force {
			continue
		}
		s.buf = s.keyOf(s.buf[:0], ch.row)
		key := string(s.buf)
		cmd := redisCmd{key: key, del: !ch.op.IsInsert()}
		if s.hash {
			cmd.field = string(s.fieldTmpl.render(nil, ch.row))
		}
		if !cmd.del {
			if s.template {
				cmd.value = string(s.valTmpl.render(nil, ch.row))
			} else {
				cmd.value = string(format.AppendJSONObject(nil, ch.row, s.cfg.Schema, s.visible))
			}
		}
		id := key + "\x00" + cmd.field
		if i, ok := s.pending[id]; ok {
			s.cmds[i] = cmd
		} else {
			s.pending[id] = len(s.cmds)
			s.cmds = append(s.cmds, cmd)
		}
	}
	return nil
}

func (s *redisSink) keyOf(dst []byte, row types.Row) []byte {
	if s.keyTmpl != nil {
		return s.keyTmpl.render(dst, row)
	}
	return joinKey(dst, row, s.keyCols)
}

// Commit applies the buffered commands with the fence: batches of
// redis.batch.size commands, each skipped entirely if the marker is at or
// beyond epoch; the last batch moves the marker. Replaying a committed
// epoch therefore changes nothing; a crash between batches replays the
// epoch's idempotent commands again. The buffer is kept on error so that
// Commit can be retried.
func (s *redisSink) Commit(ctx context.Context, epoch uint64) error {
	if s.client == nil {
		return ErrNotConnected
	}
	ep := fmt.Sprintf("%020d", epoch)
	keys := []string{RedisFenceKey(s.cfg.Name)}
	cmds := s.cmds
	for first := true; first || len(cmds) > 0; first = false {
		n := min(len(cmds), s.batch)
		last := "0"
		if n == len(cmds) {
			last = "1"
		}
		args := []any{ep, last}
		for _, c := range cmds[:n] {
			switch {
			case s.hash && c.del:
				args = append(args, "E", c.key, c.field)
			case s.hash:
				args = append(args, "H", c.key, c.field, c.value)
			case c.del:
				args = append(args, "D", c.key)
			default:
				args = append(args, "S", c.key, c.value)
			}
		}
		res, err := redisFence.Run(ctx, s.client, keys, args...).Int64()
		if err != nil {
			return sqlerr.Wrap(fmt.Errorf("redis sink %q: commit epoch %d: %w", s.cfg.Name, epoch, err), sqlerr.ConnectionException)
		}
		if res == 0 {
			s.fenced++
			break // the whole epoch was applied before
		}
		s.applied++
		cmds = cmds[n:]
	}
	s.cmds = s.cmds[:0]
	clear(s.pending)
	return nil
}

// Close disconnects and drops uncommitted changes.
func (s *redisSink) Close() error {
	s.cmds = s.cmds[:0]
	clear(s.pending)
	if s.client != nil {
		err := s.client.Close()
		s.client = nil
		return err
	}
	return nil
}

var (
	_ Sink   = (*redisSink)(nil)
	_ Warner = (*redisSink)(nil)
)
