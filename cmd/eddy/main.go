// Command eddy is the Eddy command line: it runs the engine and its tools.
//
// Usage:
//
//	eddy <command> [flags] [args]
//
// Commands:
//
//	slt      run sqllogictest files on a fresh in-memory engine per file
//	version  print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/eddysql/eddy/internal/slt"
)

// command is one subcommand. Other files of this package add theirs to
// commands in an init function.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"slt":     {summary: "run sqllogictest files: eddy slt [--harness inproc|pgwire] [--mode select|mv] [--format rw|sqlite|auto] [--rewrite] FILE…", run: runSLT},
	"version": {summary: "print the version", run: runVersion},
}

// errUsage reports a usage error (exit status 2).
var errUsage = errors.New("usage")

// errFailed reports that the command ran and found failures (exit status 1).
var errFailed = errors.New("failed")

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "eddy: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailed):
		return 1
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return 2
	default:
		fmt.Fprintf(stderr, "eddy %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: eddy <command> [flags] [args]")
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	fmt.Fprintf(stdout, "eddy %s\n", v)
	return nil
}

func runSLT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy slt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", "select", "answer queries with ad-hoc SELECTs (select) or materialized views (mv)")
	format := fs.String("format", "auto", "file format: rw, sqlite, or auto (by extension: .test is sqlite)")
	lax := fs.Bool("lax-errors", false, "accept any error where an error is expected, whatever its message")
	verbose := fs.Bool("v", false, "print a summary line per file")
	engines := fs.String("engine", "", "comma-separated engine labels for onlyif/skipif (default by format)")
	harness := fs.String("harness", "inproc", "run each file in-process (inproc) or through an in-process pgwire server with pgx (pgwire); either way on a fresh in-memory engine")
	dsn := fs.String("dsn", "", "with --harness pgwire: connect to this server (postgres://…) instead of starting one per file; its state carries over between files")
	rewrite := fs.Bool("rewrite", false, "rewrite the expected results of RisingWave-format files in place from the actual output")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: eddy slt [--harness inproc|pgwire] [--mode select|mv] [--format rw|sqlite|auto] [--rewrite] FILE…")
		return errUsage
	}
	m, err := slt.ParseMode(*mode)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	f, err := slt.ParseFormat(*format)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	newHarness, err := slt.ParseHarness(*harness)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	if *dsn != "" {
		if *harness != "pgwire" {
			fmt.Fprintln(stderr, "--dsn needs --harness pgwire")
			return errUsage
		}
		newHarness = slt.PgwireFactory(*dsn)
	}
	opts := slt.Options{Format: f, Mode: m, LaxErrors: *lax, Rewrite: *rewrite}
	if *engines != "" {
		opts.Engines = strings.Split(*engines, ",")
	}
	total := &slt.Result{}
	for _, file := range fs.Args() {
		res, err := slt.RunFilesWith(ctx, []string{file}, opts, newHarness)
		if err != nil {
			return err
		}
		for _, fl := range res.Failures {
			fmt.Fprintln(stdout, fl.String())
		}
		if *verbose {
			fmt.Fprintf(stdout, "%s: %d passed, %d failed, %d skipped\n", file, res.Passed, res.Failed, res.Skipped)
			if res.Rewritten > 0 {
				fmt.Fprintf(stdout, "%s: %d rewritten\n", file, res.Rewritten)
			}
		}
		total.Add(res)
	}
	if total.Skipped > 0 {
		fmt.Fprintf(stdout, "%d skipped\n", total.Skipped)
	}
	if total.Rewritten > 0 {
		fmt.Fprintf(stdout, "%d rewritten\n", total.Rewritten)
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", total.Passed, total.Failed)
	if total.Failed > 0 {
		return errFailed
	}
	return nil
}
