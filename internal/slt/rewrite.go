package slt

import (
	"os"
	"sort"
	"strings"
)

// rewriteKey identifies a record across includes (an included file's
// records are parsed afresh each time).
type rewriteKey struct {
	file string
	line int
}

type rewrite struct {
	rec   *Record
	lines []string
}

// addRewrite notes the new expected lines of rec: the rows as returned, or
// sorted under rowsort, in the sqllogictest-rs layout.
func (r *run) addRewrite(rec *Record, rows [][]string, mode string) {
	lines := make([]string, 0, len(rows))
	for _, row := range rows {
		vs := make([]string, len(row))
		for i, v := range row {
			vs[i] = rwValue(v)
		}
		lines = append(lines, strings.Join(vs, " "))
	}
	if mode == "rowsort" {
		sort.Strings(lines)
	}
	if r.rewrites == nil {
		r.rewrites = map[rewriteKey]rewrite{}
	}
	r.rewrites[rewriteKey{rec.File, rec.Line}] = rewrite{rec: rec, lines: lines}
}

// applyRewrites writes the noted expected results into their files.
func (r *run) applyRewrites() error {
	byFile := map[string][]rewrite{}
	for k, rw := range r.rewrites {
		byFile[k.file] = append(byFile[k.file], rw)
	}
	for file, rws := range byFile {
		if err := rewriteFile(file, rws); err != nil {
			return err
		}
	}
	return nil
}

func rewriteFile(file string, rws []rewrite) error {
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	// Apply from the bottom up so earlier indexes stay valid.
	sort.Slice(rws, func(a, b int) bool { return rws[a].rec.SQLEnd > rws[b].rec.SQLEnd })
	for _, rw := range rws {
		rec := rw.rec
		if rec.ResultEnd > len(lines) || rec.SQLEnd > len(lines) {
			continue
		}
		var out []string
		out = append(out, lines[:rec.SQLEnd]...)
		out = append(out, "----")
		out = append(out, rw.lines...)
		if rec.Dashed {
			out = append(out, lines[rec.ResultEnd:]...)
		} else {
			out = append(out, lines[rec.SQLEnd:]...)
		}
		lines = out
	}
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")), st.Mode().Perm())
}
