"""The dashboard's own stylesheet and script, and where the installed Plotly bundle lies.

Plotly's browser bundle ships inside the `plotly` package from PyPI; it is served from there (nothing
third-party is committed, nothing is fetched from a CDN).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

__all__ = ["CSS", "FAVICON", "JS", "plotly_js"]


@cache
def plotly_js() -> Path | None:
    """`plotly/package_data/plotly.min.js` of the installed package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    return None


CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --card: #fff;
  --accent: #0b7285; --ok: #2b8a3e; --warn: #e67700; --bad: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
header { background: #102a43; color: #fff; padding: 0 24px; display: flex; align-items: center;
  gap: 24px; flex-wrap: wrap; min-height: 56px; }
header .brand { font-weight: 700; letter-spacing: .02em; font-size: 17px; }
header .brand small { font-weight: 400; color: #9fb3c8; margin-left: 8px; }
header nav { display: flex; gap: 4px; flex-wrap: wrap; }
header nav a { color: #d9e2ec; text-decoration: none; padding: 6px 12px; border-radius: 6px; }
header nav a:hover, header nav a.here { background: #243b53; color: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.sub { color: var(--muted); margin: 0 0 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin-bottom: 20px; box-shadow: 0 1px 2px rgba(16, 42, 67, .05); }
.grid { display: grid; gap: 20px; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.table { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line);
  padding: 8px 10px; white-space: nowrap; }
td { border-bottom: 1px solid var(--line); padding: 8px 10px; vertical-align: top; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:hover { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: #e4e7eb; color: var(--ink); }
.badge.ok { background: #d3f9d8; color: var(--ok); }
.badge.warn { background: #fff3bf; color: var(--warn); }
.badge.bad { background: #ffe3e3; color: var(--bad); }
.chart { width: 100%; height: 420px; }
.chart.empty { height: auto; color: var(--muted); padding: 24px 0; }
.notes { margin: 12px 0 0; padding-left: 20px; color: var(--muted); font-size: 14px; }
.empty-text { color: var(--muted); margin: 0; }
footer { color: var(--muted); font-size: 13px; text-align: center; padding: 8px 0 24px; }
@media (max-width: 640px) { main { padding: 12px; } .card { padding: 14px; } .chart { height: 320px; } }
"""

JS = """
(function () {
  "use strict";
  var COLORS = { drawn: "#0b7285", active: "#e8590c", load: "#102a43", capacity: "#c92a2a",
    band: "#74b816", planned: "#364fc7" };
  var PALETTE = ["#7048e8", "#c2255c", "#2b8a3e", "#1971c2", "#f08c00", "#5c940d", "#862e9c", "#0c8599"];

  function toTrace(t, index) {
    var trace = { type: "scatter", mode: "lines", name: t.name, x: t.x, y: t.y, connectgaps: false,
      line: { shape: t.shape || "hv", width: 2 } };
    var own = COLORS[t.kind] && !t.stack;  // stacked and sender traces take distinct palette colours
    trace.line.color = own ? COLORS[t.kind] : PALETTE[index % PALETTE.length];
    if (t.dash) { trace.line.dash = t.dash; }
    if (t.fill) { trace.fill = t.fill; }
    if (t.kind === "drawn") { trace.fillcolor = "rgba(11,114,133,0.15)"; }
    if (t.kind === "active") { trace.line.width = 3; }
    if (t.kind === "band") { trace.line.width = 0.5; trace.fillcolor = "rgba(116,184,22,0.2)"; }
    if (t.stack) { trace.stackgroup = t.stack; trace.line.width = 1; }
    if (t.axis === "y2") { trace.yaxis = "y2"; }
    return trace;
  }

  function showNotes(el, notes) {
    var list = document.createElement("ul");
    list.className = "notes";
    notes.forEach(function (note) {
      var item = document.createElement("li");
      item.textContent = note;
      list.appendChild(item);
    });
    if (notes.length) { el.insertAdjacentElement("afterend", list); }
  }

  function layout(chart) {
    var out = { margin: { l: 60, r: chart.y2_title ? 60 : 20, t: 10, b: 40 }, hovermode: "x unified",
      xaxis: { type: "date", title: { text: "UTC" } },
      yaxis: { title: { text: chart.y_title }, rangemode: "tozero", zeroline: true },
      showlegend: true, legend: { orientation: "h", y: -0.18, traceorder: "normal" },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
      font: { family: "system-ui, sans-serif", size: 12, color: "#1f2933" } };
    if (chart.y2_title) {
      out.yaxis2 = { title: { text: chart.y2_title }, overlaying: "y", side: "right", rangemode: "tozero" };
    }
    return out;
  }

  function draw(el) {
    return fetch(el.dataset.src, { headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (chart) {
        showNotes(el, chart.notes);
        var traces = chart.traces.filter(function (t) { return t.x.length > 0; }).map(toTrace);
        if (!traces.length) {
          el.classList.add("empty");
          el.textContent = "Nothing to draw yet.";
          el.dataset.rendered = "0";
          return null;
        }
        var config = { responsive: true, displaylogo: false };
        return Plotly.newPlot(el, traces, layout(chart), config).then(function () {
          el.dataset.rendered = String(traces.length);
        });
      })
      .catch(function (error) {
        el.classList.add("empty");
        el.textContent = "The chart could not be drawn: " + error.message;
        el.dataset.rendered = "error";
      });
  }

  document.querySelectorAll(".chart[data-src]").forEach(draw);
})();
"""

# A plug on a green disc: the tab's icon (and no favicon 404 in the browser's console).
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<circle cx="16" cy="16" r="15" fill="#0b7a53"/>'
    '<path d="M11 6v6M21 6v6M8 12h16v4a8 8 0 0 1-16 0zM16 24v4" stroke="#fff" stroke-width="2.5"'
    ' fill="none"/>'
    "</svg>"
)
