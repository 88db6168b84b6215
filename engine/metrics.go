package engine

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a point-in-time view of the engine for metrics (pgwire turns it
// into Prometheus metrics; the engine itself does not depend on
// Prometheus).
type Stats struct {
	VisibleEpoch, DurableEpoch uint64
	// VisibleAge is the time since the visible epoch last advanced (epoch
	// lag against the wall clock); zero before the first one.
	VisibleAge time.Duration
	// RowErrors are values that became NULL in streaming dataflows;
	// FlowErrors are errors dataflows returned.
	RowErrors, FlowErrors int64
	// Relations are the catalog's relations by kind ("table", …).
	Relations map[string]int
	// Tables is the uncommitted state per relation: rows and approximate
	// bytes staged or sealed but not yet durable.
	Tables []TableStats
	// Queries counts ad-hoc statements run through ExecParams, and how
	// many were answered by a cached point-lookup plan.
	ParamQueries, CachedPointLookups int64
	// Operators are the rows in and out of every operator of every
	// running table, MV and sink dataflow (see JobPlans for their plans).
	Operators []OperatorStats
	// BarrierLatency is the time from a barrier's injection to its epoch
	// being visible.
	BarrierLatency Histogram
}

// TableStats is the uncommitted state of one relation's tables.
type TableStats struct {
	Relation     string
	PendingRows  int
	PendingBytes int
}

var statsMu sync.Mutex

// lastVisible tracks when the visible epoch last changed (sampled by
// Stats, so the age is as fine as the scrape interval).
type visTrack struct {
	epoch uint64
	at    time.Time
}

var visTracks sync.Map // *Engine → *visTrack

var (
	paramQueries  atomic.Int64
	cachedLookups atomic.Int64
)

// Stats returns the engine's current statistics.
func (e *Engine) Stats() Stats {
	st := Stats{VisibleEpoch: e.visible.Load(), DurableEpoch: e.durable.Load(), Relations: map[string]int{}}
	st.RowErrors, _, st.FlowErrors, _ = e.Errors()
	statsMu.Lock()
	v, _ := visTracks.LoadOrStore(e, &visTrack{})
	vt := v.(*visTrack)
	if vt.epoch != st.VisibleEpoch || vt.at.IsZero() {
		vt.epoch, vt.at = st.VisibleEpoch, time.Now()
	}
	st.VisibleAge = time.Since(vt.at)
	statsMu.Unlock()

	owner := map[uint32]string{}
	e.catMu.RLock()
	for _, o := range e.objects {
		st.Relations[string(o.Kind)]++
		for _, t := range o.tables {
			owner[t.ID] = o.Name
		}
		for _, id := range o.IDs {
			if _, ok := owner[id]; !ok {
				owner[id] = o.Name
			}
		}
	}
	e.catMu.RUnlock()
	by := map[string]*TableStats{}
	for id, ts := range e.store.TableStats() {
		name, ok := owner[id]
		if !ok {
			name = "_system"
		}
		t := by[name]
		if t == nil {
			t = &TableStats{Relation: name}
			by[name] = t
		}
		t.PendingRows += ts.StagedRows + ts.SealedRows
		t.PendingBytes += ts.StagedBytes + ts.SealedBytes
	}
	for _, t := range by {
		st.Tables = append(st.Tables, *t)
	}
	sort.Slice(st.Tables, func(i, j int) bool { return st.Tables[i].Relation < st.Tables[j].Relation })
	st.ParamQueries, st.CachedPointLookups = paramQueries.Load(), cachedLookups.Load()
	st.Operators = e.operatorStats()
	st.BarrierLatency = e.opstats.lat.snapshot()
	return st
}
