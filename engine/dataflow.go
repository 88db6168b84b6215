package engine

import (
	"sort"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// creationZone is the time zone a new dataflow object keeps: the session's
// when it is not UTC, or the stored one on replay.
func creationZone(s *Session, replay *object) string {
	if replay != nil {
		return replay.TimeZone
	}
	if s == nil {
		return ""
	}
	if tz := s.TimeZone(); tz != "UTC" {
		return tz
	}
	return ""
}

// startDataflow builds the streaming dataflow of a plan for object o (an
// MV or a query sink) and wires it in (on the loop): connect(root) attaches
// the plan's output; table and MV leaves are backfilled with the upstream
// relations' rows (unless replaying) and then follow their change streams;
// source leaves get a reader of their own (each dataflow reads a source
// from its start, like RisingWave's non-shared sources), behind the
// source's watermark filter. The runtime is registered in e.rels.
func (e *Engine) startDataflow(o *object, root planner.StreamNode, replay bool, alloc *idAllocator, connect func(emitter)) (*relRuntime, error) {
	tz := "UTC"
	if o.TimeZone != "" {
		tz = o.TimeZone
	}
	ectx := &expr.Context{Now: types.Timestamptz(e.clock().UnixMicro()), TimeZone: tz, OnError: e.rowError}
	b := newBuilder(e.store, ectx, replay)
	b.streaming = true
	b.stats = map[planner.StreamNode]*opStat{}
	out, err := b.build(root)
	if err != nil {
		return nil, err
	}
	rt := &relRuntime{obj: o, stream: &fanout{}, sources: b.sources, usesNow: b.usesNow, ctx: ectx}
	connect(out)
	// Source leaves, grouped by source.
	bySource := map[string][]*leaf{}
	var tableLeaves []*leaf
	for i := range b.leaves {
		l := &b.leaves[i]
		if l.source {
			bySource[l.rel] = append(bySource[l.rel], l)
			continue
		}
		up := e.rels[l.rel]
		if up == nil {
			return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q has no running dataflow", l.rel)
		}
		l.rt = up
		tableLeaves = append(tableLeaves, l)
	}
	var names []string
	for n := range bySource {
		names = append(names, n)
	}
	sort.Strings(names)
	var readers []*reader
	for _, n := range names {
		so := e.lookup(n)
		if so == nil || so.src == nil {
			return nil, sqlerr.New(sqlerr.UndefinedTable, "source %q does not exist", n)
		}
		fan := &fanout{}
		for _, l := range bySource[n] {
			fan.add(l.node, 0)
		}
		var head operators.Node = fan
		if so.wm != nil {
			id := alloc.alloc()
			wf, err := e.newWatermarkFilter(so.wm, so.rel.Layout.Cols, id, o.Name+"_"+n+"_watermark", nil)
			if err != nil {
				return nil, err
			}
			wf.Connect(fan, 0)
			head = wf
			rt.watermarks = append(rt.watermarks, wf)
			o.tables = append(o.tables, operators.WatermarkFilterLayout(id, o.Name+"_"+n+"_watermark", so.wm.colT))
			if so.wm.idle > 0 {
				rt.usesNow = true
			}
		}
		rt.sources = append(rt.sources, head)
		r, err := e.newReader("src/"+o.Name+"/"+n, n, so.src, head, so.rel.Layout.Cols)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
	}
	if !replay {
		// Backfill: the upstream relations' current rows, as inserts.
		for _, l := range tableLeaves {
			rows, err := scanAll(e.store.Table(l.layout))
			if err != nil {
				return nil, err
			}
			rows = unexpiredRows(l.rt, rows)
			if err := pushRows(l.node, l.layout.Cols, rows); err != nil {
				return nil, err
			}
		}
	}
	// Then follow the upstream changes: no gap, no duplicate, because
	// nothing else runs on the loop in between.
	for _, l := range tableLeaves {
		l.rt.stream.add(l.node, 0)
	}
	rt.leaves = b.leaves
	rt.readers = readers
	e.opstats.registerJob(o, root, b)
	e.setRel(o.Name, rt)
	for _, r := range readers {
		r.rt = rt
		e.startReader(r)
	}
	return rt, nil
}

// stopDataflow detaches a dataflow from its upstream streams and stops its
// readers (on the loop).
func (e *Engine) stopDataflow(rt *relRuntime) {
	e.opstats.remove(rt.obj.Name)
	for _, l := range rt.leaves {
		if l.rt != nil {
			l.rt.stream.remove(l.node)
		}
	}
	for _, r := range rt.readers {
		if e.readers[r.key] == r {
			e.stopReader(r)
		}
	}
	for _, s := range rt.stream.subs {
		s.Close()
	}
}

var _ = time.Second

// unexpiredRows drops, from the rows of a table WITH TTL that takes updates,
// those its change stream would drop: below the current watermark (or with
// a NULL event time). Such rows wait in the table for the next checkpoint's
// cleaning; a view backfilled from the table must not see them. Rows of
// other relations come back unchanged.
func unexpiredRows(up *relRuntime, rows []types.Row) []types.Row {
	w := up.obj.wm
	if w == nil || !w.ttl || w.procTime || up.obj.rel == nil || up.obj.rel.AppendOnly || len(up.watermarks) == 0 {
		return rows
	}
	cur := up.watermarks[0].Current()
	if cur == nil {
		return rows
	}
	out := rows[:0]
	for _, r := range rows {
		if r[w.col] != nil && types.Compare(r[w.col], cur) >= 0 {
			out = append(out, r)
		}
	}
	return out
}
