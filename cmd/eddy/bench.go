package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/eddysql/eddy/internal/bench"
)

func init() {
	commands["bench"] = command{
		summary: "measure Eddy: eddy bench nexmark|freshness|lookup|kafka-broker [flags] (eddy bench <kind> -h for flags)",
		run:     runBench,
	}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: eddy bench nexmark|freshness|lookup|kafka-broker [flags]")
		return errUsage
	}
	switch args[0] {
	case "nexmark":
		return benchNexmark(ctx, args[1:], stdout, stderr)
	case "freshness":
		return benchFreshness(ctx, args[1:], stdout, stderr)
	case "lookup":
		return benchLookup(ctx, args[1:], stdout, stderr)
	case "kafka-broker":
		return benchKafkaBroker(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "eddy bench: unknown benchmark %q (want nexmark, freshness, lookup or kafka-broker)\n", args[0])
	return errUsage
}

// profiler writes a CPU profile of the spans between start and pause (or
// of everything up to finish when start is called once at the beginning)
// and, at finish, a heap profile.
type profiler struct {
	cpu, mem string
	f        *os.File
	on       bool
	err      error
}

// start begins (or resumes into a fresh file: only one span is kept)
// CPU profiling.
func (p *profiler) start() {
	if p.cpu == "" || p.on || p.err != nil {
		return
	}
	if p.f != nil {
		p.f.Close()
	}
	if p.f, p.err = os.Create(p.cpu); p.err != nil {
		return
	}
	if p.err = pprof.StartCPUProfile(p.f); p.err == nil {
		p.on = true
	}
}

// pause stops CPU profiling and flushes the profile.
func (p *profiler) pause() {
	if p.on {
		pprof.StopCPUProfile()
		p.on = false
	}
}

// profiles starts CPU profiling now and returns the function that stops
// it and writes the heap profile: a profiler over one span.
func profiles(cpu, mem string) (stop func() error, err error) {
	p := &profiler{cpu: cpu, mem: mem}
	p.start()
	if p.err != nil {
		return nil, p.err
	}
	return p.finish, nil
}

// finish stops profiling and writes the heap profile.
func (p *profiler) finish() error {
	p.pause()
	if p.f != nil {
		if err := p.f.Close(); err != nil && p.err == nil {
			p.err = err
		}
		p.f = nil
	}
	if p.err != nil {
		return p.err
	}
	if p.mem != "" {
		f, err := os.Create(p.mem)
		if err != nil {
			return err
		}
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}

func benchNexmark(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy bench nexmark", flag.ContinueOnError)
	fs.SetOutput(stderr)
	query := fs.String("query", "q0", `Nexmark query (q0 … q22, q101 … q106), or "all"`)
	events := fs.Int64("events", 1_000_000, "number of generated events (event numbers 0..N-1)")
	source := fs.String("source", "gen", "gen: in-process nexmark generator source; kafka: JSON events pre-loaded into an in-process kfake broker")
	sink := fs.String("sink", "mv", "mv: materialized view (rw-e2e form); blackhole: CREATE SINK … connector='blackhole' (rw-ci-bench form)")
	par := fs.Int("parallelism", 1, "streaming parallelism (Kafka partitions for --source kafka)")
	broker := fs.String("broker", "inproc", "for --source kafka: inproc (kfake in this process, its CPU counted as Eddy's) or process (kfake in a child process, its CPU reported apart)")
	barrier := fs.Int("barrier-ms", 100, "barrier interval in milliseconds")
	ingest := fs.String("ingest", "auto", "auto | source | insert: how events enter the engine (auto: CREATE SOURCE if supported)")
	verify := fs.String("verify", "auto", "recompute with an ad-hoc SELECT over the same events and compare: auto (when events <= 200000) | true | false")
	baseline := fs.Bool("baseline", true, "for q0 with --source kafka, also time the plain goccy/go-json decode loop over the same events")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile to this file: of the measured phase only for one query, of the whole run for --query all")
	memprof := fs.String("memprofile", "", "write a heap profile at the end to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eddy bench nexmark: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	var doVerify bool
	switch *verify {
	case "auto":
		doVerify = *events <= 200_000
	case "true", "on", "1":
		doVerify = true
	case "false", "off", "0":
	default:
		fmt.Fprintf(stderr, "eddy bench nexmark: --verify %q: want auto, true or false\n", *verify)
		return errUsage
	}
	if *broker != "inproc" && *broker != "process" {
		fmt.Fprintf(stderr, "eddy bench nexmark: --broker %q: want inproc or process\n", *broker)
		return errUsage
	}
	var brokers string
	var brokerCPU func() (time.Duration, error)
	if *source == "kafka" && *broker == "process" {
		addr, pid, stopBroker, err := startBrokerProcess(ctx, *events, max(*par, 1), stderr)
		if err != nil {
			return err
		}
		defer stopBroker()
		brokers = addr
		brokerCPU = func() (time.Duration, error) { return bench.ProcessCPU(pid) }
	}
	queries := []string{*query}
	if *query == "all" {
		queries = bench.QueryNames()
	}
	prof := &profiler{cpu: *cpuprof, mem: *memprof}
	var measure func(bool)
	if len(queries) == 1 {
		measure = func(begin bool) {
			if begin {
				prof.start()
			} else {
				prof.pause()
			}
		}
	} else {
		prof.start()
	}
	stop := prof.finish
	fmt.Fprintf(stdout, "# machine: %s\n# date: %s\n", bench.Machine(), time.Now().UTC().Format(time.RFC3339))
	var results []*bench.NexmarkResult
	var lines []string
	failed := 0
	for _, q := range queries {
		res, err := bench.RunNexmark(ctx, bench.NexmarkOptions{
			Query: q, Events: *events, Source: *source, Sink: *sink, Parallelism: *par, BarrierMS: *barrier,
			Ingest: *ingest, Verify: doVerify, Log: stderr, Measure: measure, Brokers: brokers, BrokerCPU: brokerCPU,
		})
		if err != nil {
			if len(queries) == 1 {
				_ = stop()
				return err
			}
			failed++
			lines = append(lines, fmt.Sprintf("%s\terror: %s", q, oneLine(err.Error())))
			results = append(results, nil)
			continue
		}
		results = append(results, res)
		for _, n := range res.Notes {
			fmt.Fprintf(stdout, "# %s: note: %s\n", res.Query, n)
		}
		perSec, perCPU := res.Span.Rate(res.Events)
		if len(queries) == 1 {
			fmt.Fprintf(stdout, "query:            %s (%s, ingest: %s)\n", res.Query, *sink, res.Ingest)
			fmt.Fprintf(stdout, "events:           %d\n", res.Events)
			fmt.Fprintf(stdout, "wall seconds:     %.3f\n", res.Span.Wall.Seconds())
			fmt.Fprintf(stdout, "CPU seconds:      %.3f\n", res.Span.CPU.Seconds())
			fmt.Fprintf(stdout, "events/s:         %.0f\n", perSec)
			fmt.Fprintf(stdout, "events/CPU-s:     %.0f\n", perCPU)
			fmt.Fprintf(stdout, "peak RSS:         %.1f MB\n", res.Span.PeakRSSMB)
			if brokerCPU != nil {
				fmt.Fprintf(stdout, "broker CPU s:     %.3f (kfake in a child process; not in CPU seconds above)\n", res.BrokerCPU.Seconds())
			}
			if res.OutRows >= 0 {
				fmt.Fprintf(stdout, "result rows:      %d\n", res.OutRows)
			}
			fmt.Fprintf(stdout, "check:            %s\n", res.Check)
		} else {
			lines = append(lines, fmt.Sprintf("%s\t%d\t%.3f\t%.3f\t%.0f\t%.0f\t%.1f\t%d\t%s", res.Query, res.Events,
				res.Span.Wall.Seconds(), res.Span.CPU.Seconds(), perSec, perCPU, res.Span.PeakRSSMB, res.OutRows, res.Check))
		}
		if doVerify && !res.CheckOK && res.OutRows >= 0 {
			failed++
		}
	}
	if len(queries) == 1 && *baseline && *source == "kafka" && results[0] != nil && results[0].Query == "q0" {
		bl, err := bench.DecodeLoopBaseline(ctx, *events)
		if err != nil {
			return err
		}
		_, perCPU := results[0].Span.Rate(results[0].Events)
		fmt.Fprintf(stdout, "baseline decode loop (goccy/go-json into structs, same events): %.0f events/CPU-s; q0/baseline = %.3f\n",
			bl, perCPU/bl)
	}
	if err := stop(); err != nil {
		return err
	}
	if len(queries) > 1 {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "query\tevents\twall_s\tcpu_s\tevents/s\tevents/cpu_s\tpeak_rss_mb\trows\tcheck")
		for _, l := range lines {
			fmt.Fprintln(tw, l)
		}
		tw.Flush()
		if failed > 0 {
			return fmt.Errorf("%d of %d queries failed: %w", failed, len(queries), errFailed)
		}
		return nil
	}
	res := results[0]
	fmt.Fprintln(stdout, res.Line())
	if failed > 0 {
		return errFailed
	}
	return nil
}

// startBrokerProcess runs `eddy bench kafka-broker` as a child process
// holding the first n events and returns its address and pid, and a
// function that stops it.
func startBrokerProcess(ctx context.Context, n int64, partitions int, stderr io.Writer) (addr string, pid int, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, fmt.Errorf("start broker process: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "kafka-broker", "--events", strconv.FormatInt(n, 10), "--partitions", strconv.Itoa(partitions))
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", 0, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	fmt.Fprintf(stderr, "starting a kfake broker process with %d events …\n", n)
	if err := cmd.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("start broker process: %w", err)
	}
	stop = func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			fmt.Fprintf(stderr, "broker process: %v\n", err)
		}
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "brokers ")
	if err != nil || !ok {
		stop()
		return "", 0, nil, fmt.Errorf("broker process did not report its address (got %q): %v", line, err)
	}
	return addr, cmd.Process.Pid, stop, nil
}

// benchKafkaBroker serves the pre-loaded kfake broker of --broker process
// until its standard input is closed.
func benchKafkaBroker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy bench kafka-broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	events := fs.Int64("events", 1_000_000, "number of Nexmark events to load as JSON")
	parts := fs.Int("partitions", 1, "partitions of the topic")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the parent closes our stdin to stop us
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return bench.ServeKafka(ctx, *events, *parts, stdout)
}

func benchFreshness(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy bench freshness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rate := fs.Int("rate", 10000, "events per second produced into Kafka")
	seconds := fs.Float64("seconds", 10, "how long to produce")
	barrier := fs.Int("barrier-ms", 20, "barrier interval in milliseconds")
	keys := fs.Int("keys", 1000, "distinct keys of the aggregation")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	fmt.Fprintf(stdout, "# machine: %s\n# date: %s\n", bench.Machine(), time.Now().UTC().Format(time.RFC3339))
	res, err := bench.RunFreshness(ctx, bench.FreshnessOptions{
		Rate: *rate, Duration: time.Duration(*seconds * float64(time.Second)), BarrierMS: *barrier, Keys: *keys, Log: stderr,
	})
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "# note: %s\n", n)
	}
	for _, l := range res.Lines() {
		fmt.Fprintln(stdout, l)
	}
	return nil
}

func benchLookup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy bench lookup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int("rows", 1_000_000, "rows in the materialized view")
	clients := fs.Int("clients", 16, "concurrent clients")
	seconds := fs.Float64("seconds", 10, "how long to measure each protocol")
	proto := fs.String("protocols", "pgwire,http,embedded", "comma-separated: pgwire, http, embedded")
	rate := fs.Float64("rate", 0, "offered load in lookups/s over all clients (open loop); 0 = closed loop at saturation")
	serveOnly := fs.Bool("serve", false, "only load the view and serve it (on --listen and --http) until interrupted")
	listen := fs.String("listen", "127.0.0.1:0", "pgwire address to serve on")
	httpListen := fs.String("http", "127.0.0.1:0", "HTTP address to serve on")
	pgAddr := fs.String("pg-addr", "", "measure a server in another process (eddy bench lookup --serve) at this pgwire address")
	httpAddr := fs.String("http-addr", "", "measure a server in another process at this HTTP address")
	serverPID := fs.Int("server-pid", 0, "the other process's pid, to report its CPU per lookup")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile of this process (with --serve: from SIGUSR1 until SIGINT/SIGTERM)")
	httpClient := fs.String("http-client", "net/http", "HTTP load generator: net/http (Go's client) or raw (a minimal keep-alive HTTP/1.1 client on net.Conn)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *httpClient != "net/http" && *httpClient != "raw" {
		fmt.Fprintf(stderr, "eddy bench lookup: --http-client must be net/http or raw, not %q\n", *httpClient)
		return errUsage
	}
	profDone := make(chan struct{})
	if *serveOnly {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		if *cpuprof != "" {
			usr1 := make(chan os.Signal, 1)
			signal.Notify(usr1, syscall.SIGUSR1)
			defer signal.Stop(usr1)
			go func() {
				defer close(profDone)
				select {
				case <-usr1:
				case <-ctx.Done():
					return
				}
				stopProf, err := profiles(*cpuprof, "")
				if err != nil {
					fmt.Fprintln(stderr, "cpuprofile:", err)
					return
				}
				<-ctx.Done()
				if err := stopProf(); err != nil {
					fmt.Fprintln(stderr, "cpuprofile:", err)
				}
			}()
		}
	} else if *cpuprof != "" {
		stopProf, err := profiles(*cpuprof, "")
		if err != nil {
			return err
		}
		defer func() { _ = stopProf() }()
	}
	fmt.Fprintf(stdout, "# machine: %s\n# date: %s\n", bench.Machine(), time.Now().UTC().Format(time.RFC3339))
	if *pgAddr != "" || *httpAddr != "" {
		if *proto == "pgwire,http,embedded" {
			var ps []string
			if *pgAddr != "" {
				ps = append(ps, "pgwire")
			}
			if *httpAddr != "" {
				ps = append(ps, "http")
			}
			*proto = strings.Join(ps, ",")
		}
		fmt.Fprintf(stdout, "# server in another process: pgwire %s http %s\n", *pgAddr, *httpAddr)
	}
	res, err := bench.RunLookup(ctx, bench.LookupOptions{
		Rows: *rows, Clients: *clients, Duration: time.Duration(*seconds * float64(time.Second)),
		Protocols: strings.Split(*proto, ","), Log: stderr, Rate: *rate,
		Serve: *serveOnly, ServePG: *listen, ServeHTTP: *httpListen,
		PGAddr: *pgAddr, HTTPAddr: *httpAddr, ServerPID: *serverPID, RawHTTP: *httpClient == "raw",
	})
	if err != nil {
		return err
	}
	if *serveOnly {
		if *cpuprof != "" {
			<-profDone
		}
		return nil
	}
	for _, l := range res.Lines() {
		fmt.Fprintln(stdout, l)
	}
	if res.Errors > 0 {
		return errors.Join(errFailed, fmt.Errorf("%d lookups failed", res.Errors))
	}
	return nil
}
