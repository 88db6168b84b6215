package engine

import (
	"context"
	"fmt"
	"sync"
)

// committer makes checkpoints durable off the stream loop. The loop seals
// an epoch (it is visible at once) and hands the commit here; Badger writes
// then run on another core while the loop goes on with the next epochs,
// so a checkpoint never stalls barriers, SELECT visibility or sources. A
// request that arrives while a commit runs waits in one slot, and a newer
// one replaces it: Commit(epoch) writes every sealed layer ≤ epoch, and a
// later epoch's meta (source offsets, row id) supersedes an earlier one's.
// When a commit is done, the loop is woken to run afterDurable (sinks
// deliver, sources acknowledge) for the newest durable epoch.
type committer struct {
	e *Engine

	mu      sync.Mutex
	cond    *sync.Cond
	pending *commitReq
	busy    bool
	stopped bool

	// lastDone is the newest epoch committed and not yet handed to the
	// loop's afterDurable; wake tells the loop it is there.
	lastDone *commitReq
	wake     chan struct{}

	// failed is the epoch of the last failed commit (0: none) and err its
	// error; a later successful commit clears it.
	failed uint64
	err    error

	done chan struct{} // closed when run returns

	durMu sync.Mutex
	durCh chan struct{} // closed and replaced when durable moves or a commit fails
}

type commitReq struct {
	epoch uint64
	meta  map[string][]byte
}

func newCommitter(e *Engine) *committer {
	c := &committer{e: e, wake: make(chan struct{}, 1), durCh: make(chan struct{}), done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// run is the committer goroutine; it returns after stop.
func (c *committer) run() {
	defer close(c.done)
	for {
		c.mu.Lock()
		for c.pending == nil && !c.stopped {
			c.cond.Wait()
		}
		if c.pending == nil {
			c.mu.Unlock()
			return
		}
		req := c.pending
		c.pending = nil
		c.busy = true
		c.mu.Unlock()

		err := c.commit(req)

		c.mu.Lock()
		c.busy = false
		if err == nil {
			c.lastDone = req
		}
		c.cond.Broadcast()
		c.mu.Unlock()
		if err == nil {
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	}
}

// commit writes one checkpoint and publishes its outcome.
func (c *committer) commit(req *commitReq) error {
	e := c.e
	if req.epoch <= e.store.Committed() {
		return nil
	}
	err := e.store.Commit(req.epoch, req.meta)
	c.mu.Lock()
	if err != nil {
		err = fmt.Errorf("commit epoch %d: %w", req.epoch, err)
		c.failed, c.err = req.epoch, err
	} else {
		e.durable.Store(req.epoch)
		if c.failed <= req.epoch {
			c.failed, c.err = 0, nil
		}
	}
	c.mu.Unlock()
	if err != nil {
		e.log.Error("checkpoint", "err", err)
	}
	c.durMu.Lock()
	close(c.durCh)
	c.durCh = make(chan struct{})
	c.durMu.Unlock()
	return err
}

// request queues a checkpoint of epoch (which must be sealed), replacing
// a queued older one.
func (c *committer) request(epoch uint64, meta map[string][]byte) {
	c.mu.Lock()
	if c.pending == nil || c.pending.epoch < epoch {
		c.pending = &commitReq{epoch: epoch, meta: meta}
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

// commitNow commits epoch on the calling goroutine (the loop before it
// starts, and its final checkpoint), after any commit in flight or queued,
// and runs afterDurable.
func (c *committer) commitNow(epoch uint64, meta map[string][]byte) error {
	c.mu.Lock()
	for c.busy {
		c.cond.Wait()
	}
	if c.pending != nil && c.pending.epoch <= epoch {
		c.pending = nil
	}
	c.busy = true
	c.mu.Unlock()
	err := c.commit(&commitReq{epoch: epoch, meta: meta})
	c.mu.Lock()
	c.busy = false
	c.cond.Broadcast()
	c.mu.Unlock()
	if err == nil {
		c.e.afterDurable(epoch, meta)
	}
	return err
}

// delivered runs afterDurable for the newest finished commit (on the loop,
// when wake fires).
func (c *committer) delivered() {
	c.mu.Lock()
	req := c.lastDone
	c.lastDone = nil
	c.mu.Unlock()
	if req != nil {
		c.e.afterDurable(req.epoch, req.meta)
	}
}

// stop ends the goroutine once the queued commit is done.
func (c *committer) stop() {
	c.mu.Lock()
	c.stopped = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

// waitDurable waits until epoch is durable. It returns the commit error
// if the checkpoint covering epoch failed and none has succeeded since.
func (c *committer) waitDurable(ctx context.Context, epoch uint64) error {
	e := c.e
	for {
		c.durMu.Lock()
		ch := c.durCh
		c.durMu.Unlock()
		if e.durable.Load() >= epoch {
			return nil
		}
		c.mu.Lock()
		failed, err := c.failed, c.err
		idle := !c.busy && c.pending == nil
		c.mu.Unlock()
		if failed >= epoch && err != nil {
			return err
		}
		if idle && e.durable.Load() < epoch {
			// Nothing will make epoch durable unless asked.
			return fmt.Errorf("epoch %d was not checkpointed", epoch)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
