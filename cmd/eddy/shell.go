package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-runewidth"
	"github.com/peterh/liner"

	"github.com/eddysql/eddy/sqlerr"
)

func init() {
	commands["shell"] = command{
		summary: "a psql-like client: eddy shell [-h HOST] [-p PORT] [-U USER] [-d DB] [-f FILE] [-c SQL]",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runShell(ctx, args, os.Stdin, stdout, stderr)
		},
	}
}

type shell struct {
	conn     *pgconn.PgConn
	out      io.Writer
	errw     io.Writer
	expanded bool
	timing   bool
	failed   bool
	db       string
}

// runShell is eddy shell. Interactive when stdin is a terminal and neither
// -f nor -c is given (line editing and history in ~/.eddy_history);
// otherwise it reads SQL from -c, -f or stdin. Statements end with ';'.
// In non-interactive mode errors are printed and the exit status is 1 when
// any statement failed.
func runShell(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy shell", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("h", envOr("PGHOST", "127.0.0.1"), "server host")
	port := fs.Int("p", envInt("PGPORT", 4566), "server port")
	user := fs.String("U", envOr("PGUSER", "root"), "user name")
	db := fs.String("d", envOr("PGDATABASE", "dev"), "database name")
	file := fs.String("f", "", "run the commands of a file, then exit")
	var cmds multiFlag
	fs.Var(&cmds, "c", "run one command string, then exit (repeatable)")
	askPassword := fs.Bool("W", false, "prompt for a password")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		*db = fs.Arg(0)
	}
	interactive := *file == "" && len(cmds) == 0 && isTerminal(stdin)
	password := os.Getenv("PGPASSWORD")
	if *askPassword {
		if interactive {
			l := liner.NewLiner()
			p, err := l.PasswordPrompt("Password: ")
			l.Close()
			if err != nil {
				return err
			}
			password = p
		} else {
			line, _ := bufio.NewReader(stdin).ReadString('\n')
			password = strings.TrimRight(line, "\r\n")
		}
	}
	cfg, err := pgconn.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=prefer application_name=eddy-shell connect_timeout=10",
		connQuote(*host), *port, connQuote(*user), connQuote(*db)))
	if err != nil {
		return err
	}
	if password != "" {
		cfg.Password = password
	}
	sh := &shell{out: stdout, errw: stderr, db: *db}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		fmt.Fprintf(sh.errw, "%s:  %s\n", n.Severity, n.Message)
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connection to server at %s failed: %w", net.JoinHostPort(*host, strconv.Itoa(*port)), err)
	}
	defer conn.Close(context.Background())
	sh.conn = conn

	switch {
	case len(cmds) > 0:
		for _, c := range cmds {
			if strings.HasPrefix(strings.TrimSpace(c), `\`) {
				if sh.meta(ctx, strings.TrimSpace(c)) {
					break
				}
				continue
			}
			sh.exec(ctx, c)
		}
	case *file != "":
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		sh.script(ctx, f)
	case interactive:
		return sh.interactive(ctx)
	default:
		sh.script(ctx, stdin)
	}
	if sh.failed {
		return errFailed
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func connQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// script runs SQL and meta-commands read from r.
func (sh *shell) script(ctx context.Context, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var buf strings.Builder
	for sc.Scan() {
		if sh.line(ctx, &buf, sc.Text()) {
			return
		}
	}
	if s := strings.TrimSpace(buf.String()); s != "" {
		sh.exec(ctx, s)
	}
}

// line adds one input line: a meta-command when the buffer is empty, else
// SQL, run once it ends with ';'. It reports whether to quit.
func (sh *shell) line(ctx context.Context, buf *strings.Builder, line string) bool {
	if buf.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), `\`) {
		return sh.meta(ctx, strings.TrimSpace(line))
	}
	if buf.Len() == 0 && strings.TrimSpace(line) == "" {
		return false
	}
	buf.WriteString(line)
	buf.WriteByte('\n')
	if statementComplete(buf.String()) {
		sh.exec(ctx, strings.TrimSpace(buf.String()))
		buf.Reset()
	}
	return false
}

func (sh *shell) interactive(ctx context.Context) error {
	l := liner.NewLiner()
	defer l.Close()
	l.SetCtrlCAborts(true)
	l.SetMultiLineMode(true)
	hist := ""
	if home, err := os.UserHomeDir(); err == nil {
		hist = filepath.Join(home, ".eddy_history")
		if f, err := os.Open(hist); err == nil {
			_, _ = l.ReadHistory(f)
			f.Close()
		}
	}
	saveHistory := func() {
		if hist == "" {
			return
		}
		if f, err := os.OpenFile(hist, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
			_, _ = l.WriteHistory(f)
			f.Close()
		}
	}
	defer saveHistory()
	fmt.Fprintf(sh.out, "eddy shell (server %s). Type \\? for help, \\q to quit.\n\n", sh.conn.ParameterStatus("server_version"))
	var buf strings.Builder
	for {
		prompt := sh.db + "=> "
		if buf.Len() > 0 {
			prompt = sh.db + "-> "
		}
		in, err := l.Prompt(prompt)
		if errors.Is(err, liner.ErrPromptAborted) {
			buf.Reset()
			continue
		}
		if err != nil { // io.EOF (Ctrl-D)
			fmt.Fprintln(sh.out)
			return nil
		}
		wasEmpty := buf.Len() == 0
		if sh.line(ctx, &buf, in) {
			if strings.TrimSpace(in) != "" {
				l.AppendHistory(in)
			}
			return nil
		}
		if buf.Len() == 0 && strings.TrimSpace(in) != "" {
			// A statement or meta-command completed: one history entry.
			entry := in
			if !wasEmpty {
				entry = strings.Join(strings.Fields(lastStatement), " ")
			}
			l.AppendHistory(entry)
		}
		if sh.conn.IsClosed() {
			return errors.New("the connection to the server was lost")
		}
	}
}

var lastStatement string

// statementComplete reports whether sql ends with a ';' outside quotes,
// comments and dollar-quoted strings.
func statementComplete(sql string) bool {
	end := false
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return false
			}
			i += j + 4
			continue
		case c == '\'' || c == '"':
			j := i + 1
			for {
				k := strings.IndexByte(sql[j:], c)
				if k < 0 {
					return false
				}
				j += k + 1
				if j < len(sql) && sql[j] == c {
					j++
					continue
				}
				break
			}
			i = j
			end = false
			continue
		case c == '$':
			j := i + 1
			for j < len(sql) && (sql[j] == '_' || sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z' || sql[j] >= '0' && sql[j] <= '9' && j > i+1) {
				j++
			}
			if j < len(sql) && sql[j] == '$' && (i == 0 || !isWordByte(sql[i-1])) {
				tag := sql[i : j+1]
				k := strings.Index(sql[j+1:], tag)
				if k < 0 {
					return false
				}
				i = j + 1 + k + len(tag)
				end = false
				continue
			}
		case c == ';':
			end = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		}
		end = false
		i++
	}
	return end
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

const shellHelp = `General
  \q                quit
  \?                this help
Query
  \x [on|off]       toggle expanded output
  \timing [on|off]  toggle the time each statement takes
Informational
  \d                list tables, materialized views, views, sources and sinks
  \d NAME           describe a table, view, materialized view or source
End SQL statements with ';'. Multi-line input is fine.
`

// meta runs a backslash command; it reports whether to quit.
func (sh *shell) meta(ctx context.Context, cmd string) bool {
	fields := strings.Fields(cmd)
	name, args := fields[0], fields[1:]
	toggle := func(cur bool, what string) bool {
		v := !cur
		if len(args) > 0 {
			switch strings.ToLower(args[0]) {
			case "on", "true", "1":
				v = true
			case "off", "false", "0":
				v = false
			}
		}
		fmt.Fprintf(sh.out, "%s is %s.\n", what, map[bool]string{true: "on", false: "off"}[v])
		return v
	}
	switch name {
	case `\q`, `\quit`:
		return true
	case `\?`, `\h`, `\help`:
		fmt.Fprint(sh.out, shellHelp)
	case `\x`:
		sh.expanded = toggle(sh.expanded, "Expanded display")
	case `\timing`:
		sh.timing = toggle(sh.timing, "Timing")
	case `\d`, `\d+`, `\dt`, `\dm`, `\dv`:
		if len(args) > 0 {
			sh.describe(ctx, strings.TrimSuffix(args[0], ";"))
		} else {
			sh.listRelations(ctx)
		}
	default:
		fmt.Fprintf(sh.errw, "invalid command %s\nTry \\? for help.\n", name)
		sh.failed = true
	}
	return false
}

func (sh *shell) listRelations(ctx context.Context) {
	kinds := []struct{ show, kind string }{
		{"TABLES", "table"}, {"MATERIALIZED VIEWS", "materialized view"}, {"VIEWS", "view"},
		{"SOURCES", "source"}, {"SINKS", "sink"},
	}
	t := &table{headers: []string{"Schema", "Name", "Type"}, right: []bool{false, false, false}, title: "List of relations"}
	for _, k := range kinds {
		rs, err := sh.conn.Exec(ctx, "SHOW "+k.show).ReadAll()
		if err != nil {
			continue // a kind the server does not list
		}
		for _, r := range rs {
			for _, row := range r.Rows {
				if len(row) > 0 {
					t.rows = append(t.rows, []*string{ptr("public"), ptr(string(row[0])), ptr(k.kind)})
				}
			}
		}
	}
	if len(t.rows) == 0 {
		fmt.Fprintln(sh.out, "Did not find any relations.")
		return
	}
	sh.print(t)
}

func ptr(s string) *string { return &s }

func (sh *shell) describe(ctx context.Context, name string) {
	rs, err := sh.conn.Exec(ctx, "DESCRIBE "+name).ReadAll()
	if err != nil {
		sh.printError("DESCRIBE "+name, err)
		return
	}
	for _, r := range rs {
		t := resultTable(r)
		t.title = "Relation \"" + name + "\""
		t.noFooter = true
		sh.print(t)
	}
}

// exec sends sql as one simple query and prints every result.
func (sh *shell) exec(ctx context.Context, sql string) {
	lastStatement = sql
	start := time.Now()
	mrr := sh.conn.Exec(ctx, sql)
	for mrr.NextResult() {
		r := mrr.ResultReader()
		res := r.Read()
		if res.Err != nil {
			break
		}
		sh.printResult(res)
	}
	err := mrr.Close()
	if err != nil {
		sh.printError(sql, err)
	}
	if sh.timing {
		fmt.Fprintf(sh.out, "Time: %.3f ms\n", float64(time.Since(start).Microseconds())/1000)
	}
}

func (sh *shell) printResult(res *pgconn.Result) {
	if len(res.FieldDescriptions) == 0 {
		if tag := res.CommandTag.String(); tag != "" {
			fmt.Fprintln(sh.out, tag)
		}
		return
	}
	sh.print(resultTable(res))
}

func resultTable(res *pgconn.Result) *table {
	t := &table{}
	for _, f := range res.FieldDescriptions {
		t.headers = append(t.headers, f.Name)
		switch f.DataTypeOID {
		case 20, 21, 23, 26, 700, 701, 1700:
			t.right = append(t.right, true)
		default:
			t.right = append(t.right, false)
		}
	}
	for _, row := range res.Rows {
		cells := make([]*string, len(row))
		for i, v := range row {
			if v != nil {
				s := string(v)
				cells[i] = &s
			}
		}
		t.rows = append(t.rows, cells)
	}
	return t
}

// table is a result to print the way psql does.
type table struct {
	title    string
	headers  []string
	right    []bool      // right-align (numbers)
	rows     [][]*string // nil = NULL
	noFooter bool
}

func (sh *shell) print(t *table) {
	if sh.expanded {
		sh.printExpanded(t)
		return
	}
	w := sh.out
	widths := make([]int, len(t.headers))
	for i, h := range t.headers {
		widths[i] = textWidth(h)
	}
	for _, row := range t.rows {
		for i, c := range row {
			if c != nil && i < len(widths) {
				widths[i] = max(widths[i], textWidth(*c))
			}
		}
	}
	total := len(widths)*3 - 1
	for _, x := range widths {
		total += x
	}
	if t.title != "" {
		pad := max((total-textWidth(t.title))/2, 0)
		fmt.Fprintln(w, strings.Repeat(" ", pad)+t.title)
	}
	var b strings.Builder
	for i, h := range t.headers {
		if i > 0 {
			b.WriteString("|")
		}
		left := (widths[i] - textWidth(h)) / 2
		b.WriteString(" " + strings.Repeat(" ", left) + h + strings.Repeat(" ", widths[i]-textWidth(h)-left) + " ")
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	b.Reset()
	for i := range t.headers {
		if i > 0 {
			b.WriteString("+")
		}
		b.WriteString(strings.Repeat("-", widths[i]+2))
	}
	fmt.Fprintln(w, b.String())
	for _, row := range t.rows {
		b.Reset()
		for i := range t.headers {
			if i > 0 {
				b.WriteString("|")
			}
			s := ""
			if i < len(row) && row[i] != nil {
				s = *row[i]
			}
			pad := strings.Repeat(" ", widths[i]-textWidth(s))
			if t.right[i] {
				b.WriteString(" " + pad + s + " ")
			} else {
				b.WriteString(" " + s + pad + " ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if !t.noFooter {
		fmt.Fprintln(w, rowCount(len(t.rows)))
	}
	fmt.Fprintln(w)
}

func rowCount(n int) string {
	if n == 1 {
		return "(1 row)"
	}
	return fmt.Sprintf("(%d rows)", n)
}

func (sh *shell) printExpanded(t *table) {
	w := sh.out
	if len(t.rows) == 0 {
		fmt.Fprintln(w, "(0 rows)")
		fmt.Fprintln(w)
		return
	}
	nameW, valW := 0, 0
	for _, h := range t.headers {
		nameW = max(nameW, textWidth(h))
	}
	for _, row := range t.rows {
		for _, c := range row {
			if c != nil {
				valW = max(valW, textWidth(*c))
			}
		}
	}
	for n, row := range t.rows {
		head := fmt.Sprintf("-[ RECORD %d ]", n+1)
		if d := nameW + 1 - textWidth(head); d > 0 {
			head += strings.Repeat("-", d)
		}
		fmt.Fprintln(w, head+"+"+strings.Repeat("-", valW+1))
		for i, h := range t.headers {
			s := ""
			if i < len(row) && row[i] != nil {
				s = *row[i]
			}
			fmt.Fprintln(w, strings.TrimRight(h+strings.Repeat(" ", nameW-textWidth(h))+" | "+s, " "))
		}
	}
	fmt.Fprintln(w)
}

func textWidth(s string) int { return runewidth.StringWidth(s) }

// printError prints a server error the way psql does, with the line of
// the statement and a caret under the error position.
func (sh *shell) printError(sql string, err error) {
	sh.failed = true
	fmt.Fprintln(sh.errw, formatSQLError(sql, err))
}

// formatSQLError renders err psql-style:
//
//	ERROR:  column "nope" does not exist
//	LINE 1: SELECT nope FROM t
//	               ^
func formatSQLError(sql string, err error) string {
	var b strings.Builder
	var sev, msg, detail, hint string
	pos := 0
	var pe *pgconn.PgError
	var se *sqlerr.Error
	switch {
	case errors.As(err, &pe):
		sev, msg, detail, hint, pos = pe.Severity, pe.Message, pe.Detail, pe.Hint, int(pe.Position)
	case errors.As(err, &se):
		sev, msg, detail, hint, pos = "ERROR", se.Message, se.Detail, se.Hint, se.Position
	default:
		sev, msg = "ERROR", err.Error()
	}
	if sev == "" {
		sev = "ERROR"
	}
	fmt.Fprintf(&b, "%s:  %s", sev, msg)
	if pos > 0 && pos <= utf8.RuneCountInString(sql)+1 {
		// Position counts characters from 1.
		runes := []rune(sql)
		p := min(pos-1, len(runes))
		before := string(runes[:p])
		lineNo := 1 + strings.Count(before, "\n")
		start := strings.LastIndexByte(before, '\n') + 1
		lineText := string(runes[len([]rune(before[:start])):])
		if k := strings.IndexByte(lineText, '\n'); k >= 0 {
			lineText = lineText[:k]
		}
		lineText = strings.ReplaceAll(lineText, "\t", " ")
		prefix := fmt.Sprintf("LINE %d: ", lineNo)
		col := textWidth(before[start:])
		fmt.Fprintf(&b, "\n%s%s\n%s^", prefix, lineText, strings.Repeat(" ", len(prefix)+col))
	}
	if detail != "" {
		fmt.Fprintf(&b, "\nDETAIL:  %s", detail)
	}
	if hint != "" {
		fmt.Fprintf(&b, "\nHINT:  %s", hint)
	}
	return b.String()
}
