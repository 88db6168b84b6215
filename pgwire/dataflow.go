package pgwire

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/eddysql/eddy/engine"
)

// DataflowReporter is an optional engine extension: the running dataflows
// with their plans and per-operator row counts, served as /v1/dataflow
// and as the page at /. *engine.Engine implements it.
type DataflowReporter interface {
	JobPlans() []engine.JobPlan
}

// dataflowJSON is the answer of /v1/dataflow.
type dataflowJSON struct {
	// At is the server time of the counts, in Unix milliseconds.
	At   int64            `json:"at"`
	Jobs []engine.JobPlan `json:"jobs"`
}

func (h *httpAPI) jobs() []engine.JobPlan {
	if dr, ok := h.cfg.Engine.(DataflowReporter); ok {
		return dr.JobPlans()
	}
	return nil
}

func (h *httpAPI) dataflowJSON(w http.ResponseWriter, r *http.Request) {
	out := dataflowJSON{At: time.Now().UnixMilli(), Jobs: h.jobs()}
	if out.Jobs == nil {
		out.Jobs = []engine.JobPlan{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

func (h *httpAPI) dataflowPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := dataflowTmpl.Execute(w, h.jobs()); err != nil {
		h.cfg.Logger.Error("dataflow page", "err", err)
	}
}

var dataflowTmpl = template.Must(template.New("dataflow").Funcs(template.FuncMap{
	"indent": func(depth int) string { return strings.Repeat("\u00a0\u00a0\u00a0", depth) },
}).Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Eddy dataflows</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h2{font-size:1.1em;margin:1.5em 0 .3em}
h2 small{color:#777;font-weight:normal}
table{border-collapse:collapse;min-width:60em}
td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
td.op,th.op{text-align:left;font-family:ui-monospace,monospace}
td.op small{color:#888}
th{background:#f4f4f4}
#status{color:#777}
</style></head>
<body>
<h1>Eddy dataflows</h1>
<p id="status">{{len .}} job(s); rates update every second.</p>
{{range $j := .}}
<h2>{{$j.Name}} <small>{{$j.Kind}}</small></h2>
<table data-job="{{$j.Name}}">
<tr><th>#</th><th class="op">operator</th><th>rows in</th><th>rows out</th><th>in/s</th><th>out/s</th></tr>
{{range $i, $op := $j.Ops}}<tr>
<td>{{if ge $op.ID 0}}{{$op.ID}}{{end}}</td>
<td class="op">{{indent $op.Depth}}{{$op.Line}}{{range $op.Tables}}<br><small>{{indent $op.Depth}}&nbsp;&nbsp;&nbsp;{{.}}</small>{{end}}</td>
<td class="in">{{$op.RowsIn}}</td><td class="out">{{$op.RowsOut}}</td><td class="rin"></td><td class="rout"></td>
</tr>{{end}}
</table>
{{else}}<p>No running dataflows.</p>
{{end}}
<script>
(function () {
  var prev = null;
  function rate(now, before, dt) { return dt > 0 ? ((now - before) / dt).toFixed(1) : ""; }
  function tick() {
    fetch("/v1/dataflow", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (d) {
      var tables = document.querySelectorAll("table[data-job]");
      if (tables.length !== d.jobs.length) { location.reload(); return; }
      var dt = prev ? (d.at - prev.at) / 1000 : 0;
      d.jobs.forEach(function (j, k) {
        var t = tables[k], rows = t.rows;
        if (t.dataset.job !== j.name || rows.length !== j.operators.length + 1) { location.reload(); return; }
        var pj = prev && prev.jobs[k];
        j.operators.forEach(function (op, i) {
          var c = rows[i + 1].cells;
          c[2].textContent = op.rows_in;
          c[3].textContent = op.rows_out;
          if (pj) {
            c[4].textContent = rate(op.rows_in, pj.operators[i].rows_in, dt);
            c[5].textContent = rate(op.rows_out, pj.operators[i].rows_out, dt);
          }
        });
      });
      prev = d;
      document.getElementById("status").textContent = d.jobs.length + " job(s); updated " + new Date(d.at).toLocaleTimeString();
    }).catch(function (e) {
      document.getElementById("status").textContent = "update failed: " + e;
    });
  }
  tick();
  setInterval(tick, 1000);
})();
</script>
</body></html>
`))
