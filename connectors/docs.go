package connectors

import (
	"fmt"
	"strings"
)

// Markdown renders the documentation of every connector in r: one section
// per source and sink with its formats and an option table. Secret values
// are never shown (defaults of secret options are omitted).
// docs/connectors.md is this output for Default.
func Markdown(r *Registry) string {
	var b strings.Builder
	b.WriteString("# Connectors\n\n")
	b.WriteString("<!-- Generated from the connector specs by `go test ./connectors -run TestConnectorsDoc -update`. Do not edit. -->\n\n")
	b.WriteString("Options go in `WITH (connector='…', …)`. Option names are case-insensitive. ")
	b.WriteString("Secret options are redacted in every printed form (SHOW CREATE, logs, errors).\n")
	b.WriteString("A `*` in an option name stands for a column name.\n")
	b.WriteString("\nDelivery guarantees: sources resume from the offsets stored in Eddy's checkpoints (Kafka partition offsets, ")
	b.WriteString("generator positions), so replays after a crash neither lose nor repeat input. Sinks sit behind a log store ")
	b.WriteString("(a state table per sink) that buffers each epoch while the target is down and delivers epochs in order with retries. ")
	b.WriteString("Redis applies each epoch once (the `eddy:sink:<name>:epoch` fence); Postgres and Kafka UPSERT are idempotent ")
	b.WriteString("on replay; Kafka PLAIN/DEBEZIUM and files are at least once.\n")
	for _, kind := range []string{KindSource, KindSink} {
		title := "Sources"
		if kind == KindSink {
			title = "Sinks"
		}
		fmt.Fprintf(&b, "\n## %s\n", title)
		for _, s := range r.Specs(kind) {
			fmt.Fprintf(&b, "\n### %s (%s)\n\n%s\n", s.Name, kind, s.Summary)
			if len(s.Formats) > 0 {
				var fs []string
				for _, f := range s.Formats {
					p := strings.SplitN(f, " ", 2)
					fs = append(fs, "`FORMAT "+p[0]+" ENCODE "+p[1]+"`")
				}
				fmt.Fprintf(&b, "\nFormats: %s.\n", strings.Join(fs, ", "))
			}
			writeOptionTable(&b, "Options", s.Options)
			writeOptionTable(&b, "FORMAT options (in `FORMAT … ENCODE … (…)` or `WITH`)", s.FormatOptions)
		}
	}
	return b.String()
}

func writeOptionTable(b *strings.Builder, title string, opts []OptionSpec) {
	if len(opts) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n| option | type | required | default | description |\n|---|---|---|---|---|\n", title)
	for _, o := range opts {
		kind := string(o.Kind)
		if kind == "" {
			kind = string(KindString)
		}
		if o.Kind == KindEnum {
			kind = "enum: " + strings.Join(o.Enum, ", ")
		}
		if o.Secret {
			kind += " (secret)"
		}
		req := ""
		if o.Required {
			req = "yes"
		}
		def := ""
		if o.Default != "" && !o.Secret {
			def = "`" + o.Default + "`"
		}
		name := "`" + o.Name + "`"
		for _, a := range o.Aliases {
			name += ", `" + a + "`"
		}
		doc := strings.ReplaceAll(o.Doc, "|", `\|`)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", name, kind, req, def, doc)
	}
}
