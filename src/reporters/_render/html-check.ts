import type { CheckReport, Heatmap } from '../../audit/report.js';
import { turboCss } from './colormap.js';
import { escapeMarkup as esc } from './escape.js';
import { fmtExpectation, fmtNum, OUTCOME_WORD, worstSamples } from './format.js';
import { histogramSvg } from './histogram.js';
import { type OverlayOptions, renderOverlay } from './overlay.js';

export interface CheckHtmlOptions extends OverlayOptions {
  bins: number;
  worst: number;
  heatmaps: number;
}

export const badge = (o: CheckReport['outcome']) => `<span class="badge ${o}">${OUTCOME_WORD[o]}</span>`;

/** Anchor id for a check: ids are free text in the spec, so keep only safe characters. */
export const anchor = (id: string) => `check-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function expectationsHtml(c: CheckReport): string {
  if (c.expectations.length === 0) return '<span class="muted">—</span>';
  return c.expectations
    .map(
      (e) =>
        `<span class="exp${e.passed ? '' : ' bad'}"><span class="mark">${e.passed ? '✓' : '✗'}</span>${esc(fmtExpectation(e))}</span>`,
    )
    .join('');
}

function statsHtml(c: CheckReport): string {
  const entries = Object.entries(c.stats);
  if (entries.length === 0) return '';
  const rows = entries.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${fmtNum(v)}</dd>`).join('');
  return `<div><h3>Statistics</h3><dl class="stats">${rows}</dl></div>`;
}

/** Current and baseline side by side with the difference, for every statistic both runs define. */
function baselineHtml(c: CheckReport): string {
  const b = c.baseline;
  if (b === undefined) return '';
  const rows = Object.entries(b.delta)
    .map(([k, d]) => {
      // No colour: whether a rise is good depends on the statistic (accuracy vs flip_rate).
      return `<tr><td>${esc(k)}</td><td class="num">${fmtNum(b.stats[k])}</td><td class="num">${fmtNum(c.stats[k])}</td><td class="num">${d !== null && d > 0 ? '+' : ''}${fmtNum(d)}</td></tr>`;
    })
    .join('');
  return `<div class="baseline"><h3>Against the baseline ${badge(b.outcome)}</h3><table><thead><tr><th>Statistic</th><th class="num">Baseline</th><th class="num">Current</th><th class="num">Δ</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** Rows per breakdown table and errors per check: the page stays bounded however many groups or classes. */
export const MAX_BREAKDOWN_ROWS = 50;
export const MAX_ERRORS = 10;

const more = (n: number, what: string) =>
  n > 0 ? `<p class="muted">… and ${n} more ${what} in report.json</p>` : '';

function breakdownHtml(c: CheckReport): string {
  return Object.entries(c.breakdown)
    .map(([name, values]) => {
      const entries = Object.entries(values);
      const rows = entries
        .slice(0, MAX_BREAKDOWN_ROWS)
        .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${fmtNum(v)}</td></tr>`)
        .join('');
      return `<div class="breakdown"><h3>${esc(name.replace(/_/g, ' '))}</h3><table><tbody>${rows}</tbody></table>${more(entries.length - MAX_BREAKDOWN_ROWS, 'rows')}</div>`;
    })
    .join('');
}

function worstHtml(c: CheckReport, k: number): string {
  const worst = worstSamples(c, k);
  if (worst.length === 0) return '';
  // A details column only when some sample has details (a prediction, a flip...).
  const withDetails = worst.some((s) => Object.keys(s.details ?? {}).length > 0);
  const rows = worst
    .map((s) => {
      const details = Object.entries(s.details ?? {})
        .map(([key, v]) => `${esc(key)}: ${esc(typeof v === 'number' ? fmtNum(v) : String(v))}`)
        .join(', ');
      const extra = withDetails ? `<td class="muted">${details}</td>` : '';
      return `<tr><td class="mono">${esc(s.id)}</td><td>${esc(s.label)}</td><td class="num">${fmtNum(s.score)}</td>${extra}</tr>`;
    })
    .join('');
  const head = `<th>Sample</th><th>Label</th><th class="num">Score</th>${withDetails ? '<th>Details</th>' : ''}`;
  return `<h3>Worst ${worst.length} of ${c.samples.length} samples <span class="muted">(${c.scoreDirection} is better)</span></h3>
<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A horizontal turbo gradient; the map was scaled by its own maximum, so the scale is relative. */
export function legendHtml(): string {
  const stops = Array.from(
    { length: 11 },
    (_, i) => `<stop offset="${i * 10}%" stop-color="${turboCss(i / 10)}"/>`,
  ).join('');
  return `<div class="legend"><span>0</span><svg width="180" height="12" aria-hidden="true"><defs><linearGradient id="turbo">${stops}</linearGradient></defs><rect width="180" height="12" rx="2" fill="url(#turbo)"/></svg><span>max</span><span>attribution, scaled per image by its maximum (display only); boxes outlined in white</span></div>`;
}

async function heatmapsHtml(maps: Heatmap[], o: CheckHtmlOptions): Promise<string> {
  const shown = maps.slice(0, o.heatmaps);
  if (shown.length === 0) return '';
  const figures: string[] = [];
  for (const h of shown) {
    const img = await renderOverlay(h, o);
    const alt = esc(h.sampleId);
    figures.push(`<figure class="hm"><div class="pair">
<img src="${img.original}" width="${img.width}" height="${img.height}" alt="${alt}">
<img src="${img.overlay}" width="${img.width}" height="${img.height}" alt="${alt} with attribution overlay">
</div><figcaption><span class="mono">${esc(h.sampleId)}</span> · ${esc(h.label)} · score <b>${fmtNum(h.score)}</b></figcaption></figure>`);
  }
  return `<h3>Heatmaps of the worst samples</h3>${legendHtml()}<div class="heatmaps">${figures.join('')}</div>`;
}

/** One check's section: verdict, expectations, statistics, histogram, worst samples, heatmaps. */
export async function checkSectionHtml(
  c: CheckReport,
  maps: Heatmap[],
  o: CheckHtmlOptions,
): Promise<string> {
  const meta = [
    `<code>${esc(c.check)}</code>`,
    c.method === null ? '' : `method <code>${esc(c.method)}</code>`,
    `data <code>${esc(c.data)}</code>`,
    c.where === null
      ? ''
      : `where ${Object.entries(c.where)
          .map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`)
          .join(' ')}`,
    `${c.samples.length} samples`,
    c.location === null ? '' : `spec line ${c.location.line}`,
    c.severity === 'warn' ? 'severity warn' : '',
  ]
    .filter((s) => s !== '')
    .join(' · ');
  const errors =
    c.errors.length === 0
      ? ''
      : `<ul class="errors">${c.errors
          .slice(0, MAX_ERRORS)
          .map((e) => `<li>${esc(e)}</li>`)
          .join('')}</ul>${more(c.errors.length - MAX_ERRORS, 'errors')}`;
  const scored = c.samples.some((s) => s.score !== null);
  const hist = scored ? `<div><h3>Score distribution</h3>${histogramSvg(c, o.bins)}</div>` : '';
  return `<section class="check ${c.outcome}" id="${anchor(c.id)}"><details${c.outcome === 'pass' ? '' : ' open'}>
<summary>${badge(c.outcome)}<h2><span class="mono">${esc(c.id)}</span></h2><span class="muted">${esc(c.title)}</span></summary>
<div class="body">
<p class="message">${esc(c.message)}</p>
<p class="meta">${meta}</p>
${errors}
<div class="grid"><div><h3>Expectations</h3>${expectationsHtml(c)}</div>${statsHtml(c)}${baselineHtml(c)}${hist}${breakdownHtml(c)}</div>
${worstHtml(c, o.worst)}
${await heatmapsHtml(maps, o)}
</div></details></section>`;
}
