/**
 * The page the browser loads: an empty shell whose script (compiled from client/) draws every
 * view, and the style sheet. No inline script or style, so the content security policy can
 * forbid both.
 */

export const SHELL_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Goodhart dashboard</title>
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<header class="top"><a class="brand" href="#/">Goodhart</a>
<nav><a href="#/" id="nav-runs">Runs</a><a href="#/sweeps" id="nav-sweeps">Sweeps</a></nav>
<span id="root-path" class="muted"></span></header>
<main id="app"><p class="muted">loading…</p></main>
</body>
</html>
`;

export const STYLE_CSS = `
:root { --proxy: #d9480f; --true: #1971c2; --gap: rgba(217, 72, 15, 0.14); --fg: #212529; --muted: #868e96; --line: #dee2e6; --bg: #fff; --panel: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; gap: 24px; align-items: baseline; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; font-size: 18px; color: var(--fg); text-decoration: none; }
header.top nav a { margin-right: 14px; }
main { padding: 16px 20px 40px; max-width: 1280px; }
a { color: #1864ab; }
h1 { font-size: 20px; margin: 4px 0 12px; word-break: break-all; }
h2 { font-size: 16px; margin: 22px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
.error { color: #c92a2a; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0 12px; }
.filters label { display: inline-flex; gap: 6px; align-items: center; }
input[type=search] { min-width: 220px; padding: 4px 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th.sortable { cursor: pointer; user-select: none; white-space: nowrap; }
th.sorted-asc::after { content: " ▲"; font-size: 10px; }
th.sorted-desc::after { content: " ▼"; font-size: 10px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:hover td { background: #f1f3f5; }
.status { font-size: 12px; padding: 1px 6px; border-radius: 8px; background: #e9ecef; }
.status-training { background: #d3f9d8; color: #2b8a3e; }
.status-finished { background: #e7f5ff; color: #1864ab; }
.status-missing { background: #fff5f5; color: #c92a2a; }
.hacked { color: var(--proxy); font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.chart { position: relative; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
.chart h3 { font-size: 14px; margin: 0 0 4px; }
.chart svg { display: block; width: 100%; height: auto; overflow: visible; }
.chart svg text { font: 11px system-ui, sans-serif; fill: #495057; }
.chart .axis line, .chart .axis path { stroke: #adb5bd; }
.chart .grid line { stroke: #f1f3f5; }
.chart .hover-line { stroke: #495057; stroke-dasharray: 3 3; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 0; font-size: 12px; }
.legend button { border: 0; background: none; cursor: pointer; padding: 1px 2px; font: inherit; display: inline-flex; align-items: center; gap: 5px; }
.legend button.off { opacity: 0.35; text-decoration: line-through; }
.swatch { width: 14px; height: 3px; display: inline-block; }
.tooltip { position: absolute; pointer-events: none; background: rgba(33, 37, 41, 0.92); color: #fff; font-size: 12px; padding: 4px 8px; border-radius: 4px; white-space: nowrap; z-index: 2; }
.tooltip[hidden] { display: none; }
pre.config { background: var(--panel); padding: 10px; border-radius: 6px; overflow: auto; max-height: 420px; font-size: 12px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; }
.replay { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.replay svg.grid-world { border: 1px solid var(--line); }
.replay > .chart { flex: 1 1 480px; max-width: 640px; }
td.nowrap { white-space: nowrap; }
td.id { word-break: break-all; min-width: 200px; }
.controls { display: flex; gap: 10px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
.saliency { display: flex; flex-wrap: wrap; gap: 16px; }
.saliency figure { margin: 0; max-width: 320px; }
.saliency img { width: 240px; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--line); }
#samples > .chart { max-width: 640px; }
.samples td.text { white-space: pre-wrap; max-width: 420px; font-family: ui-monospace, monospace; font-size: 12px; }
.not-found { padding: 40px; }
.live { font-size: 12px; color: #2b8a3e; }
`;
