package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Options configure an Engine.
type Options struct {
	// Dir is the data directory; "" keeps everything in memory.
	Dir string
	// BarrierInterval is the time between barriers (default 100ms; the
	// barrier_interval_ms parameter changes it at run time).
	BarrierInterval time.Duration
	// CheckpointFrequency is the number of barriers per durable checkpoint
	// (default 10; the checkpoint_frequency parameter).
	CheckpointFrequency int
	// Clock gives NOW() for each epoch; nil uses time.Now. Tests plug in a
	// virtual clock.
	Clock func() time.Time
	// Sync makes every checkpoint fsync.
	Sync bool
	// Logger receives runtime errors of dataflows; nil discards them.
	Logger *slog.Logger
}

// Engine is an embedded Eddy: the catalog, the stream loop that owns every
// dataflow, and query execution.
//
// One goroutine, the stream loop, owns every dataflow and every write to
// state tables. Everything that changes a dataflow (DML, DDL, barriers)
// runs on it as a command; queries read snapshots of the last visible
// epoch on the caller's goroutine.
type Engine struct {
	opts  Options
	store *state.Store
	clock func() time.Time
	log   *slog.Logger

	cmds     chan func()
	quit     chan struct{}
	loopDone chan struct{}
	closed   atomic.Bool
	closeMu  sync.Mutex
	started  bool // the loop runs; before that (recovery) commands run inline

	// Loop-owned.
	nextEpoch    uint64
	barrierCount int
	rels         map[string]*relRuntime
	// dirty: something was pushed into a dataflow or staged in the store
	// since the last barrier. Idle epochs are elided: without dirty data
	// and without NOW()-dependent dataflows a barrier would change nothing.
	dirty bool

	visible atomic.Uint64
	durable atomic.Uint64
	commits *committer // checkpoints, off the loop

	// relsVer counts changes of rels; relsSorted is rels in creation order
	// as of relsSortedVer (relsInOrder).
	relsVer       uint64
	relsSorted    []*relRuntime
	relsSortedVer uint64
	closing       bool // on the loop: the final barrier commits inline
	visMu         sync.Mutex
	visCh         chan struct{} // closed and replaced at every new visible epoch

	// Catalog: catMu guards objects; ddlMu serialises DDL (and nextID, seq).
	catMu   sync.RWMutex
	objects map[string]*object
	ddlMu   sync.Mutex
	nextID  uint32
	seq     uint64

	// Row errors of streaming dataflows (non-strict mode: the value
	// becomes NULL and the error is counted here).
	rowErrors   atomic.Int64
	lastRowErr  atomic.Value // error
	flowErrors  atomic.Int64
	lastFlowErr atomic.Value // error

	barrierMS atomic.Int64
	ckptFreq  atomic.Int64
	rowID     atomic.Int64
	tempID    atomic.Uint32

	tempMu    sync.Mutex
	tempStore *state.Store

	// Sources and sinks. readers and sinks are loop-owned; readerList and
	// sinkList are snapshots for other goroutines.
	readers       map[string]*reader
	readerList    atomic.Value // []*reader
	srcWake       chan struct{}
	errLog        *sourceErrorLog
	recoveredMeta map[string][]byte
	sinks         map[string]*sinkRuntime
	sinkList      atomic.Value // []*sinkRuntime

	snaps snapshotCache // the visible epoch's snapshot for point queries (query.go)

	opstats opRegistry // per-operator row counters, barrier latency (opstats.go)
}

// Open opens (or creates) an engine. With an existing Dir it recovers the
// last durable checkpoint: the catalog is replayed in creation order and
// every dataflow is rebuilt over its state tables.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.BarrierInterval <= 0 {
		opts.BarrierInterval = 100 * time.Millisecond
	}
	if opts.CheckpointFrequency <= 0 {
		opts.CheckpointFrequency = 10
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	store, err := state.Open(state.Options{Dir: opts.Dir, InMemory: opts.Dir == "", Sync: opts.Sync})
	if err != nil {
		return nil, sqlerr.Wrap(fmt.Errorf("open state store: %w", err), sqlerr.IOError)
	}
	e := &Engine{
		opts:     opts,
		store:    store,
		clock:    clock,
		log:      log,
		cmds:     make(chan func(), 1024),
		quit:     make(chan struct{}),
		loopDone: make(chan struct{}),
		rels:     map[string]*relRuntime{},
		visCh:    make(chan struct{}),
		objects:  map[string]*object{},
		nextID:   1,
		readers:  map[string]*reader{},
		srcWake:  make(chan struct{}, 1),
		errLog:   newSourceErrorLog(),
		sinks:    map[string]*sinkRuntime{},
	}
	e.commits = newCommitter(e)
	e.readerList.Store([]*reader(nil))
	e.sinkList.Store([]*sinkRuntime(nil))
	e.barrierMS.Store(opts.BarrierInterval.Milliseconds())
	e.ckptFreq.Store(int64(opts.CheckpointFrequency))
	if err := e.recover(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	e.started = true
	go e.commits.run()
	go e.loop()
	return e, nil
}

const metaRowID = "row_id"

func (e *Engine) recover(ctx context.Context) error {
	epoch, meta, err := e.store.Recover()
	if err != nil {
		return sqlerr.Wrap(fmt.Errorf("recover: %w", err), sqlerr.IOError)
	}
	e.nextEpoch = epoch + 1
	e.recoveredMeta = meta
	e.visible.Store(epoch)
	e.durable.Store(epoch)
	if b, ok := meta[metaRowID]; ok && len(b) == 8 {
		e.rowID.Store(int64(binary.BigEndian.Uint64(b)))
	}
	var objs []*object
	err = e.store.ScanMeta(metaCatalogPrefix, func(k string, v []byte) bool {
		if len(v) == 0 {
			return true // dropped
		}
		o := &object{}
		if err := json.Unmarshal(v, o); err != nil {
			e.log.Error("bad catalog entry", "key", k, "err", err)
			return true
		}
		objs = append(objs, o)
		return true
	})
	if err != nil {
		return sqlerr.Wrap(fmt.Errorf("read catalog: %w", err), sqlerr.IOError)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Seq < objs[j].Seq })
	// Replay runs DDL code paths that use the loop; run commands inline
	// until the loop starts.
	for _, o := range objs {
		if o.Seq > e.seq {
			e.seq = o.Seq
		}
		for _, id := range o.IDs {
			if id >= e.nextID {
				e.nextID = id + 1
			}
		}
	}
	for _, o := range objs {
		if err := e.replay(ctx, o); err != nil {
			return fmt.Errorf("recover %s %s: %w", o.Kind, o.Name, err)
		}
	}
	return nil
}

// replay re-creates a stored object from its SQL text, with its stored IDs
// and without backfill.
func (e *Engine) replay(ctx context.Context, o *object) error {
	stmt, err := parser.ParseOne(o.SQL)
	if err != nil {
		return err
	}
	_, err = e.execDDL(ctx, NewSession(), stmt, o.SQL, o)
	return err
}

// Close stops the engine cleanly: a final checkpoint barrier makes
// everything durable, then the store closes.
func (e *Engine) Close() error {
	e.closeMu.Lock()
	defer e.closeMu.Unlock()
	if e.closed.Swap(true) {
		return nil
	}
	close(e.quit)
	<-e.loopDone
	e.commits.stop()
	<-e.commits.done
	e.snaps.invalidate()
	// Per-engine caches kept in package-level maps go with the engine.
	visTracks.Delete(e)
	templateCaches.Delete(e)
	var errs []error
	if err := e.store.Close(); err != nil {
		errs = append(errs, err)
	}
	e.tempMu.Lock()
	if e.tempStore != nil {
		if err := e.tempStore.Close(); err != nil {
			errs = append(errs, err)
		}
		e.tempStore = nil
	}
	e.tempMu.Unlock()
	return errors.Join(errs...)
}

var errClosed = sqlerr.New(sqlerr.AdminShutdown, "the engine is shut down")

// loop is the stream loop.
func (e *Engine) loop() {
	defer close(e.loopDone)
	timer := time.NewTimer(e.barrierInterval())
	defer timer.Stop()
	for {
		select {
		case fn := <-e.cmds:
			fn()
		case <-e.srcWake:
			e.drainSources()
		case <-e.commits.wake:
			e.commits.delivered()
		case <-timer.C:
			if err := e.maybeBarrier(false); err != nil {
				e.log.Error("barrier", "err", err)
			}
			timer.Reset(e.barrierInterval())
		case <-e.quit:
			// Drain queued commands, then a final checkpoint.
			for {
				select {
				case fn := <-e.cmds:
					fn()
					continue
				default:
				}
				break
			}
			e.stopAllReaders()
			e.closing = true
			if err := e.injectBarrier(true); err != nil {
				e.log.Error("final barrier", "err", err)
			}
			e.closeSinks()
			return
		}
	}
}

func (e *Engine) barrierInterval() time.Duration {
	ms := e.barrierMS.Load()
	if ms <= 0 {
		ms = 100
	}
	return time.Duration(ms) * time.Millisecond
}

// onLoop runs fn on the stream loop and waits for it. Panics in fn are
// turned into internal errors.
func (e *Engine) onLoop(ctx context.Context, fn func() error) error {
	if !e.started {
		return fn()
	}
	done := make(chan error, 1)
	wrapped := func() {
		defer func() {
			if r := recover(); r != nil {
				done <- sqlerr.New(sqlerr.InternalError, "internal error: %v\n%s", r, debug.Stack())
			}
		}()
		done <- fn()
	}
	if e.closed.Load() {
		return errClosed
	}
	select {
	case e.cmds <- wrapped:
	case <-e.loopDone:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-e.loopDone:
		select {
		case err := <-done:
			return err
		default:
		}
		return errClosed
	}
}

// post queues fn on the stream loop without waiting.
func (e *Engine) post(ctx context.Context, fn func() error) error {
	if !e.started {
		return fn()
	}
	if e.closed.Load() {
		return errClosed
	}
	wrapped := func() {
		defer func() {
			if r := recover(); r != nil {
				e.dataflowError(fmt.Errorf("internal error: %v\n%s", r, debug.Stack()))
			}
		}()
		if err := fn(); err != nil {
			e.dataflowError(err)
		}
	}
	select {
	case e.cmds <- wrapped:
		return nil
	case <-e.loopDone:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// injectBarrier ends the current epoch (on the loop): the barrier goes into
// every dataflow source, the epoch's state is sealed and published as
// visible, subscribers get the epoch's changes, and every
// checkpoint_frequency barriers (or when asked) the epoch is committed.
func (e *Engine) injectBarrier(checkpoint bool) error {
	start := time.Now()
	e.barrierCount++
	freq := int(e.ckptFreq.Load())
	if freq <= 0 {
		freq = 1
	}
	if e.barrierCount%freq == 0 {
		checkpoint = true
	}
	epoch := e.nextEpoch
	e.nextEpoch++
	e.dirty = false
	b := operators.Barrier{Epoch: epoch, Checkpoint: checkpoint, Now: types.Timestamptz(e.clock().UnixMicro())}
	var errs []error
	rels := e.relsInOrder()
	for _, rt := range rels {
		if rt.ctx != nil {
			rt.ctx.Now = b.Now
		}
	}
	for _, rt := range rels {
		for _, src := range rt.sources {
			if err := src.Barrier(0, b); err != nil {
				e.dataflowError(fmt.Errorf("%s: %w", rt.obj.Name, err))
			}
		}
	}
	e.store.Seal(epoch)
	e.publishVisible(epoch)
	e.opstats.lat.observe(time.Since(start))
	for _, rt := range e.rels {
		rt.stream.deliver(epoch)
	}
	if checkpoint {
		if err := e.checkpoint(epoch); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) commitMeta() map[string][]byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(e.rowID.Load()))
	meta := map[string][]byte{metaRowID: b}
	e.sourceOffsetsMeta(meta)
	return meta
}

// afterDurable runs after the checkpoint of epoch committed (on the loop):
// sinks may deliver it, sources may acknowledge its offsets upstream.
func (e *Engine) afterDurable(epoch uint64, meta map[string][]byte) {
	for _, s := range e.sinks {
		s.log.MarkDurable(epoch)
	}
	e.ackSources(meta)
}

func (e *Engine) relsInOrder() []*relRuntime {
	if e.relsSorted != nil && e.relsSortedVer == e.relsVer {
		return e.relsSorted
	}
	out := make([]*relRuntime, 0, len(e.rels))
	for _, rt := range e.rels {
		out = append(out, rt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].obj.Seq < out[j].obj.Seq })
	e.relsSorted, e.relsSortedVer = out, e.relsVer
	return out
}

// setRel and deleteRel change the running dataflows (on the loop); the
// creation-order list relsInOrder keeps is rebuilt after a change only.
func (e *Engine) setRel(name string, rt *relRuntime) {
	e.rels[name] = rt
	e.relsVer++
}

func (e *Engine) deleteRel(name string) {
	delete(e.rels, name)
	e.relsVer++
}

func (e *Engine) publishVisible(epoch uint64) {
	e.visible.Store(epoch)
	e.snaps.invalidate()
	e.visMu.Lock()
	close(e.visCh)
	e.visCh = make(chan struct{})
	e.visMu.Unlock()
}

// rowError records a row error of a streaming dataflow: the value became
// NULL (non-strict mode, as RisingWave does).
func (e *Engine) rowError(err error) {
	e.rowErrors.Add(1)
	e.lastRowErr.Store(err)
	e.log.Debug("row error in a streaming dataflow", "err", err)
}

// dataflowError records an error a dataflow returned; the dataflow keeps
// running, and the statement that triggered it is not failed.
func (e *Engine) dataflowError(err error) {
	e.flowErrors.Add(1)
	e.lastFlowErr.Store(err)
	e.log.Error("dataflow error", "err", err)
}

// Errors reports the row errors (values that became NULL) and dataflow
// errors seen so far, with the last of each.
func (e *Engine) Errors() (rowErrors int64, lastRow error, flowErrors int64, lastFlow error) {
	lr, _ := e.lastRowErr.Load().(error)
	lf, _ := e.lastFlowErr.Load().(error)
	return e.rowErrors.Load(), lr, e.flowErrors.Load(), lf
}

// VisibleEpoch returns the last visible epoch: the one SELECTs read.
func (e *Engine) VisibleEpoch() uint64 { return e.visible.Load() }

// DurableEpoch returns the last committed epoch.
func (e *Engine) DurableEpoch() uint64 { return e.durable.Load() }

// Flush injects a checkpoint barrier now and waits until its epoch is
// visible (and durable): every change submitted before Flush is then
// visible to queries.
func (e *Engine) Flush(ctx context.Context) error {
	var target uint64
	err := e.onLoop(ctx, func() error {
		if err := e.maybeBarrier(true); err != nil {
			return err
		}
		target = e.visible.Load()
		return nil
	})
	if err != nil || !e.started {
		return err
	}
	return e.commits.waitDurable(ctx, target)
}

// needsBarrier reports whether a barrier would change anything: dirty
// data, or a dataflow whose output depends on NOW().
func (e *Engine) needsBarrier() bool {
	if e.dirty {
		return true
	}
	for _, rt := range e.rels {
		if rt.usesNow {
			return true
		}
	}
	return false
}

// maybeBarrier injects a barrier when one would change anything (on the
// loop). Otherwise every change is already visible, and a checkpoint
// request only commits the last sealed epoch if it is not durable yet.
func (e *Engine) maybeBarrier(checkpoint bool) error {
	if e.needsBarrier() {
		return e.injectBarrier(checkpoint)
	}
	if v := e.visible.Load(); (checkpoint || e.barrierCount%int(max(e.ckptFreq.Load(), 1)) == 0) && e.durable.Load() < v && e.visible.Load() > 0 {
		return e.checkpoint(v)
	}
	return nil
}

// checkpoint makes the sealed epoch durable (on the loop): queued for the
// committer, or inline before the loop runs and at the final barrier.
func (e *Engine) checkpoint(epoch uint64) error {
	meta := e.commitMeta()
	if !e.started || e.closing {
		return e.commits.commitNow(epoch, meta)
	}
	e.commits.request(epoch, meta)
	return nil
}

// persistent reports whether the engine keeps its state on disk.
func (e *Engine) persistent() bool { return e.opts.Dir != "" }

// waitVisible waits until epoch is visible.
func (e *Engine) waitVisible(ctx context.Context, epoch uint64) error {
	for {
		e.visMu.Lock()
		ch := e.visCh
		e.visMu.Unlock()
		if e.visible.Load() >= epoch {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-e.loopDone:
			return errClosed
		}
	}
}

// temp returns the in-memory store that one-shot query dataflows keep
// their temporary state in.
func (e *Engine) temp() (*state.Store, error) {
	e.tempMu.Lock()
	defer e.tempMu.Unlock()
	if e.tempStore == nil {
		s, err := state.Open(state.Options{InMemory: true})
		if err != nil {
			return nil, err
		}
		e.tempStore = s
	}
	return e.tempStore, nil
}
