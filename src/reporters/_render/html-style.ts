/** The report's stylesheet, inlined so report.html needs no network. */
export const CSS = `
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --warn: #9a6700; --warn-bg: #fff8c5; --error: #8250df; --error-bg: #fbefff;
  --accent: #0969da;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 64px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 26px; margin: 4px 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0; }
h3 { font-size: 14px; margin: 22px 0 8px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.eyebrow { color: var(--muted); font-size: 13px; letter-spacing: 0.05em; text-transform: uppercase; }
.muted { color: var(--muted); }
header.top { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between;
  border-bottom: 1px solid var(--line); padding-bottom: 18px; margin-bottom: 22px; }
.meta { color: var(--muted); font-size: 13.5px; margin: 2px 0; }
.meta code { color: var(--fg); white-space: nowrap; }
.verdict { text-align: right; min-width: 220px; }
.verdict .badge { font-size: 18px; padding: 6px 16px; }
.counts { margin-top: 10px; display: flex; gap: 6px; justify-content: flex-end; flex-wrap: wrap; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-weight: 600; font-size: 12.5px;
  letter-spacing: 0.03em; border: 1px solid transparent; white-space: nowrap; }
.badge.pass { color: var(--pass); background: var(--pass-bg); border-color: #aceebb; }
.badge.fail { color: var(--fail); background: var(--fail-bg); border-color: #ffcecb; }
.badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #f5e0a0; }
.badge.error { color: var(--error); background: var(--error-bg); border-color: #ecd8ff; }
.chip { font-size: 12.5px; color: var(--muted); border: 1px solid var(--line); border-radius: 999px; padding: 1px 9px; }
.chip b { color: var(--fg); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em;
  background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.checks td:first-child { white-space: nowrap; }
.exp { display: block; font-variant-numeric: tabular-nums; white-space: nowrap; }
.exp.bad { color: var(--fail); }
.exp .mark { display: inline-block; width: 1.1em; }
section.check { border: 1px solid var(--line); border-radius: 10px; margin: 22px 0; overflow: hidden; }
section.check > details > summary { list-style: none; cursor: pointer; padding: 14px 18px; display: flex;
  gap: 12px; align-items: center; background: var(--panel); border-bottom: 1px solid var(--line); }
section.check > details > summary::-webkit-details-marker { display: none; }
section.check > details > summary::after { content: "▸"; margin-left: auto; color: var(--muted); }
section.check > details[open] > summary::after { content: "▾"; }
section.check.fail { border-left: 4px solid var(--fail); }
section.check.warn { border-left: 4px solid var(--warn); }
section.check.error { border-left: 4px solid var(--error); }
section.check.pass { border-left: 4px solid var(--pass); }
.body { padding: 4px 18px 18px; }
.message { font-size: 15px; margin: 14px 0 4px; }
.errors { color: var(--error); margin: 8px 0; padding-left: 20px; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px 28px; }
@media (max-width: 820px) { .grid { grid-template-columns: minmax(0, 1fr); } }
dl.stats { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; font-size: 14px; }
dl.stats dt { color: var(--muted); }
dl.stats dd { margin: 0; font-variant-numeric: tabular-nums; }
svg.hist { max-width: 100%; height: auto; }
svg.hist .bar { fill: #8fb8e8; }
svg.hist .bar:hover { fill: var(--accent); }
svg.hist .thr { stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.hist .thr.bad { stroke: var(--fail); }
.thr-legend { font-size: 12.5px; color: var(--muted); margin: 2px 0 0; }
.thr-legend .bad { color: var(--fail); }
svg.hist .axis { stroke: var(--muted); }
svg.hist text { font-size: 11px; fill: var(--muted); }
.heatmaps { display: flex; flex-wrap: wrap; gap: 14px; }
figure.hm { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; background: var(--panel); }
figure.hm .pair { display: flex; gap: 6px; }
figure.hm img { display: block; image-rendering: pixelated; border-radius: 3px; }
figure.hm figcaption { font-size: 12.5px; margin-top: 6px; max-width: 270px; overflow-wrap: anywhere; }
.legend { display: flex; align-items: center; gap: 8px; font-size: 12.5px; color: var(--muted); margin: 4px 0 12px; }
.breakdown { font-size: 13.5px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print { section.check { break-inside: avoid; } }
`;
