package connectors

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/sqlerr"
)

// OptionKind is the type of an option's value.
type OptionKind string

// The option kinds. Values are always strings in SQL; Validate checks that
// they parse as the kind says.
const (
	KindString   OptionKind = "string"
	KindInt      OptionKind = "int"
	KindBool     OptionKind = "bool"
	KindDuration OptionKind = "duration" // a Go duration ("50ms") or a number of milliseconds
	KindEnum     OptionKind = "enum"     // one of Enum, compared case-insensitively
)

// OptionSpec describes one WITH (...) option of a connector.
type OptionSpec struct {
	// Name is the option's name, lower case. A "*" matches one or more
	// characters of a name, e.g. "fields.*.kind" or "properties.*".
	Name string
	// Aliases are other accepted spellings (older or RisingWave names).
	Aliases []string
	// Required options must be present.
	Required bool
	// Secret values are never printed: Redact replaces them and errors
	// never include them.
	Secret bool
	// Default is the value used when the option is absent ("" = none).
	Default string
	// Kind is the value's type; "" means KindString.
	Kind OptionKind
	// Enum lists the allowed values of a KindEnum option.
	Enum []string
	// Doc is one sentence for docs/connectors.md.
	Doc string
}

// Spec describes a connector: its name, a summary and its options.
type Spec struct {
	// Name is the value of connector='…'.
	Name string
	// Summary is one line for the documentation.
	Summary string
	// Formats lists the accepted FORMAT … ENCODE … pairs ("PLAIN JSON",
	// "UPSERT JSON", …). Empty means the connector takes no FORMAT clause.
	Formats []string
	// Options are the WITH options. "connector" itself is implicit.
	Options []OptionSpec
	// FormatOptions are the options accepted inside FORMAT … ENCODE … ( … )
	// (they may also be given in WITH).
	FormatOptions []OptionSpec
}

// SourceConstructor builds a source from its configuration. It must not
// connect to anything (Open does); it validates the configuration.
type SourceConstructor func(cfg SourceConfig) (Source, error)

// SinkConstructor builds a sink from its configuration. It must not connect
// to anything (Open does); it validates the configuration.
type SinkConstructor func(cfg SinkConfig) (Sink, error)

// Kinds of connectors, for Validate and Lookup.
const (
	KindSource = "source"
	KindSink   = "sink"
)

type sourceEntry struct {
	spec Spec
	ctor SourceConstructor
}

type sinkEntry struct {
	spec Spec
	ctor SinkConstructor
}

// Registry maps connector names to their specs and constructors. It is safe
// for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	sources map[string]sourceEntry
	sinks   map[string]sinkEntry
}

// NewRegistry returns an empty registry (for tests and embedders who want
// control over which connectors exist).
func NewRegistry() *Registry {
	return &Registry{sources: map[string]sourceEntry{}, sinks: map[string]sinkEntry{}}
}

// Default is the registry of the built-in connectors; this package's init
// functions fill it.
var Default = NewRegistry()

// RegisterSource adds a source connector to the Default registry. It panics
// if the name is already taken; call it from init.
func RegisterSource(spec Spec, ctor SourceConstructor) { Default.RegisterSource(spec, ctor) }

// RegisterSink adds a sink connector to the Default registry. It panics if
// the name is already taken; call it from init.
func RegisterSink(spec Spec, ctor SinkConstructor) { Default.RegisterSink(spec, ctor) }

// RegisterSource adds a source connector. It panics on a duplicate name or
// a nil constructor.
func (r *Registry) RegisterSource(spec Spec, ctor SourceConstructor) {
	if ctor == nil {
		panic("connectors: RegisterSource " + spec.Name + ": nil constructor")
	}
	name := strings.ToLower(spec.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.sources[name]; dup {
		panic("connectors: RegisterSource called twice for " + spec.Name)
	}
	r.sources[name] = sourceEntry{spec: spec, ctor: ctor}
}

// RegisterSink adds a sink connector. It panics on a duplicate name or a
// nil constructor.
func (r *Registry) RegisterSink(spec Spec, ctor SinkConstructor) {
	if ctor == nil {
		panic("connectors: RegisterSink " + spec.Name + ": nil constructor")
	}
	name := strings.ToLower(spec.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.sinks[name]; dup {
		panic("connectors: RegisterSink called twice for " + spec.Name)
	}
	r.sinks[name] = sinkEntry{spec: spec, ctor: ctor}
}

// Clone returns a copy of the registry; registering into the copy leaves r
// unchanged.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := NewRegistry()
	for k, v := range r.sources {
		c.sources[k] = v
	}
	for k, v := range r.sinks {
		c.sinks[k] = v
	}
	return c
}

// Specs returns the specs of one kind (KindSource or KindSink), sorted by
// name.
func (r *Registry) Specs(kind string) []Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Spec
	switch kind {
	case KindSource:
		for _, e := range r.sources {
			out = append(out, e.spec)
		}
	case KindSink:
		for _, e := range r.sinks {
			out = append(out, e.spec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the spec of a connector of the given kind.
func (r *Registry) Lookup(kind, connector string) (Spec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	name := strings.ToLower(connector)
	switch kind {
	case KindSource:
		e, ok := r.sources[name]
		return e.spec, ok
	case KindSink:
		e, ok := r.sinks[name]
		return e.spec, ok
	}
	return Spec{}, false
}

func (r *Registry) names(kind string) []string {
	var out []string
	for _, s := range r.Specs(kind) {
		out = append(out, s.Name)
	}
	return out
}

func (r *Registry) unknownConnector(kind, connector string) error {
	names := r.names(kind)
	e := sqlerr.New(sqlerr.InvalidParameterValue, "unknown %s connector %q", kind, connector)
	if s := closest(strings.ToLower(connector), names); s != "" {
		e.Hint = fmt.Sprintf("Did you mean %q? Available: %s.", s, strings.Join(names, ", "))
	} else {
		e.Hint = "Available: " + strings.Join(names, ", ") + "."
	}
	return e
}

// NewSource validates cfg.With against the spec of cfg.With["connector"]
// and builds the source. It does not connect.
func (r *Registry) NewSource(cfg SourceConfig) (Source, error) {
	connector := cfg.With["connector"]
	if err := r.Validate(KindSource, connector, cfg.With); err != nil {
		return nil, err
	}
	r.mu.RLock()
	e := r.sources[strings.ToLower(connector)]
	r.mu.RUnlock()
	cfg.With = applyDefaults(e.spec, cfg.With)
	return e.ctor(cfg)
}

// NewSink validates cfg.With against the spec of cfg.With["connector"] and
// builds the sink. It does not connect. Sinks that have something to warn
// about implement Warner.
func (r *Registry) NewSink(cfg SinkConfig) (Sink, error) {
	connector := cfg.With["connector"]
	if err := r.Validate(KindSink, connector, cfg.With); err != nil {
		return nil, err
	}
	r.mu.RLock()
	e := r.sinks[strings.ToLower(connector)]
	r.mu.RUnlock()
	cfg.With = applyDefaults(e.spec, cfg.With)
	return e.ctor(cfg)
}

// applyDefaults returns a copy of with, with the defaults of absent options
// filled in and aliases renamed to the canonical name.
func applyDefaults(spec Spec, with map[string]string) map[string]string {
	out := make(map[string]string, len(with))
	for k, v := range with {
		k = strings.ToLower(k)
		if o := findOption(spec.Options, k); o != nil && !strings.Contains(o.Name, "*") {
			k = o.Name
		} else if o := findOption(spec.FormatOptions, k); o != nil && !strings.Contains(o.Name, "*") {
			k = o.Name
		}
		out[k] = v
	}
	for _, o := range spec.Options {
		if _, ok := out[o.Name]; !ok && o.Default != "" && !strings.Contains(o.Name, "*") {
			out[o.Name] = o.Default
		}
	}
	return out
}

// Validate checks WITH options for a connector of the given kind
// (KindSource or KindSink): the connector exists, every option is known
// (with a "did you mean" hint for a close name), required options are
// present, and values parse as their kind says. The "connector" key is
// ignored. Errors have SQLSTATE 22023 (invalid_parameter_value) and never
// contain the value of a secret option.
func (r *Registry) Validate(kind, connector string, with map[string]string) error {
	if connector == "" {
		return sqlerr.New(sqlerr.InvalidParameterValue, "missing option \"connector\" for %s", kind)
	}
	spec, ok := r.Lookup(kind, connector)
	if !ok {
		return r.unknownConnector(kind, connector)
	}
	seen := map[string]bool{}
	keys := make([]string, 0, len(with))
	for k := range with {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if lk == "connector" {
			continue
		}
		o := findOption(spec.Options, lk)
		if o == nil {
			o = findOption(spec.FormatOptions, lk)
		}
		if o == nil {
			e := sqlerr.New(sqlerr.InvalidParameterValue, "unknown option %q for %s connector %q", k, kind, spec.Name)
			if s := closest(lk, optionNames(spec)); s != "" {
				e.Hint = fmt.Sprintf("Did you mean %q?", s)
			}
			return e
		}
		seen[o.Name] = true
		if err := checkValue(spec.Name, k, *o, with[k]); err != nil {
			return err
		}
	}
	for _, o := range spec.Options {
		if o.Required && !seen[o.Name] && !strings.Contains(o.Name, "*") {
			return sqlerr.New(sqlerr.InvalidParameterValue, "missing required option %q for %s connector %q", o.Name, kind, spec.Name).
				WithHint(o.Doc)
		}
	}
	return nil
}

// ValidateFormat checks a FORMAT … ENCODE … clause (and its options) for a
// connector. An empty Format means no clause, which is always accepted.
func (r *Registry) ValidateFormat(kind, connector string, f FormatSpec) error {
	spec, ok := r.Lookup(kind, connector)
	if !ok {
		return r.unknownConnector(kind, connector)
	}
	if f.Format == "" && f.Encode == "" {
		return nil
	}
	pair := strings.ToUpper(f.Format + " " + f.Encode)
	okPair := false
	for _, p := range spec.Formats {
		if strings.EqualFold(p, pair) {
			okPair = true
		}
	}
	if !okPair {
		if len(spec.Formats) == 0 {
			return sqlerr.New(sqlerr.FeatureNotSupported, "connector %q takes no FORMAT clause", spec.Name)
		}
		return sqlerr.New(sqlerr.FeatureNotSupported, "FORMAT %s ENCODE %s is not supported by connector %q", strings.ToUpper(f.Format), strings.ToUpper(f.Encode), spec.Name).
			WithHint("Supported: " + strings.Join(spec.Formats, ", ") + ".")
	}
	for k, v := range f.Options {
		o := findOption(spec.FormatOptions, strings.ToLower(k))
		if o == nil {
			e := sqlerr.New(sqlerr.InvalidParameterValue, "unknown FORMAT option %q for connector %q", k, spec.Name)
			var names []string
			for _, fo := range spec.FormatOptions {
				names = append(names, fo.Name)
			}
			if s := closest(strings.ToLower(k), names); s != "" {
				e.Hint = fmt.Sprintf("Did you mean %q?", s)
			}
			return e
		}
		if err := checkValue(spec.Name, k, *o, v); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks WITH options against the Default registry.
func Validate(kind, connector string, with map[string]string) error {
	return Default.Validate(kind, connector, with)
}

func optionNames(spec Spec) []string {
	var out []string
	for _, o := range spec.Options {
		out = append(out, o.Name)
		out = append(out, o.Aliases...)
	}
	for _, o := range spec.FormatOptions {
		out = append(out, o.Name)
	}
	return out
}

// findOption returns the option whose name, alias or pattern matches name.
func findOption(opts []OptionSpec, name string) *OptionSpec {
	for i := range opts {
		o := &opts[i]
		if o.Name == name {
			return o
		}
		for _, a := range o.Aliases {
			if a == name {
				return o
			}
		}
	}
	for i := range opts {
		if strings.Contains(opts[i].Name, "*") && matchPattern(opts[i].Name, name) {
			return &opts[i]
		}
	}
	return nil
}

// matchPattern matches name against a pattern in which each "*" stands for
// one or more characters.
func matchPattern(pat, name string) bool {
	star := strings.IndexByte(pat, '*')
	if star < 0 {
		return pat == name
	}
	prefix, rest := pat[:star], pat[star+1:]
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	name = name[len(prefix):]
	for i := 1; i <= len(name); i++ {
		if matchPattern(rest, name[i:]) {
			return true
		}
	}
	return false
}

func checkValue(connector, key string, o OptionSpec, v string) error {
	shown := strconv.Quote(v)
	if o.Secret {
		shown = "(redacted)"
	}
	bad := func(want string) error {
		return sqlerr.New(sqlerr.InvalidParameterValue, "invalid value %s for option %q of connector %q: %s", shown, key, connector, want)
	}
	switch o.Kind {
	case KindInt:
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return bad("expected an integer")
		}
	case KindBool:
		if _, err := parseBool(v); err != nil {
			return bad("expected true or false")
		}
	case KindDuration:
		if _, err := parseDuration(v); err != nil {
			return bad("expected a duration such as '50ms' or a number of milliseconds")
		}
	case KindEnum:
		for _, e := range o.Enum {
			if strings.EqualFold(e, strings.TrimSpace(v)) {
				return nil
			}
		}
		return bad("expected one of " + strings.Join(o.Enum, ", "))
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "t", "yes", "on", "1":
		return true, nil
	case "false", "f", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", v)
}

func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Millisecond, nil
	}
	return time.ParseDuration(v)
}

// closest returns the candidate nearest to name by edit distance when it is
// close enough to be a plausible typo, or "".
func closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if strings.Contains(c, "*") {
			continue
		}
		d := editDistance(name, c)
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := len(name) / 3
	if limit < 2 {
		limit = 2
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// secretWords are substrings of option names that are always treated as
// secrets, whatever the spec says.
var secretWords = []string{"password", "secret", "token", "credential", "private.key", "ssl.key", "sasl.jaas"}

// IsSecret reports whether an option name denotes a secret (by the specs of
// the Default registry or by its name).
func IsSecret(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	for _, kind := range []string{KindSource, KindSink} {
		for _, s := range Default.Specs(kind) {
			if o := findOption(s.Options, n); o != nil && o.Secret {
				return true
			}
		}
	}
	return false
}

// Redacted is what Redact puts in place of a secret value.
const Redacted = "[REDACTED]"

// Redact returns a copy of opts in which the value of every secret option
// (password, sasl.password, …) is replaced by Redacted. Use it for anything
// printable: SHOW CREATE, logs, error details.
func Redact(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if IsSecret(k) {
			v = Redacted
		}
		out[k] = v
	}
	return out
}

// Warner is implemented by sinks and sources whose configuration is valid
// but suspicious (for example a Redis key_format that omits primary-key
// columns). The engine turns each warning into a NOTICE.
type Warner interface {
	Warnings() []string
}
