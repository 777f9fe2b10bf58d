import type { CheckReport } from '../../audit/report.js';
import { escapeMarkup } from './escape.js';
import { fmtNum } from './format.js';

const W = 420;
const H = 150;
const PAD = { left: 34, right: 10, top: 12, bottom: 30 };

// Statistics whose threshold is in score units, so it can be drawn on the score axis.
const SCORE_UNIT = /^(mean|median|min|max|quantile\()/;

interface Line {
  x: number;
  label: string;
  passed: boolean;
}

function thresholdsOf(c: CheckReport): Line[] {
  const out: Line[] = [];
  for (const e of c.expectations) {
    if (SCORE_UNIT.test(e.statistic)) {
      out.push({ x: e.threshold, label: `${e.statistic} ${e.op} ${fmtNum(e.threshold)}`, passed: e.passed });
    }
    // fraction(<= 0.05): the per-sample bound is in score units.
    const m = /^fraction\(\s*(>=|<=|>|<)\s*(-?[\d.eE+-]+)\s*\)$/.exec(e.statistic);
    if (m !== null && Number.isFinite(Number(m[2]))) {
      out.push({ x: Number(m[2]), label: `per-sample bound ${m[1]} ${m[2]}`, passed: e.passed });
    }
  }
  return out;
}

/** Score histogram of a check as inline SVG, with the score-unit thresholds drawn as dashed lines. */
export function histogramSvg(c: CheckReport, bins: number): string {
  const scores = c.samples.map((s) => s.score).filter((v): v is number => v !== null && Number.isFinite(v));
  if (scores.length === 0) return '<p class="muted">No scored samples.</p>';
  const lines = thresholdsOf(c);
  // A loop, not Math.min(...scores): spreading a large audit's scores overflows the call stack.
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of scores) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  for (const l of lines) {
    if (l.x < lo) lo = l.x;
    if (l.x > hi) hi = l.x;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  for (const v of scores) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  const top = Math.max(...counts);
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const xOf = (v: number) => PAD.left + ((v - lo) / (hi - lo)) * pw;
  const bw = pw / bins;
  const parts: string[] = [];
  counts.forEach((n, i) => {
    if (n === 0) return;
    const h = (n / top) * ph;
    const from = lo + (i * (hi - lo)) / bins;
    const to = lo + ((i + 1) * (hi - lo)) / bins;
    parts.push(
      `<rect class="bar" x="${(PAD.left + i * bw + 0.5).toFixed(1)}" y="${(PAD.top + ph - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${n} sample${n === 1 ? '' : 's'} in [${fmtNum(from)}, ${fmtNum(to)})</title></rect>`,
    );
  });
  for (const l of lines) {
    const x = xOf(l.x).toFixed(1);
    parts.push(
      `<line class="thr${l.passed ? '' : ' bad'}" x1="${x}" x2="${x}" y1="${PAD.top - 4}" y2="${PAD.top + ph}"><title>${escapeMarkup(l.label)}</title></line>`,
    );
  }
  const base = PAD.top + ph;
  parts.push(`<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${base}" y2="${base}"/>`);
  parts.push(`<text x="${PAD.left}" y="${base + 14}" text-anchor="start">${fmtNum(lo)}</text>`);
  parts.push(`<text x="${W - PAD.right}" y="${base + 14}" text-anchor="end">${fmtNum(hi)}</text>`);
  parts.push(
    `<text x="${PAD.left + pw / 2}" y="${base + 26}" text-anchor="middle">score (${c.scoreDirection} is better)</text>`,
  );
  parts.push(`<text x="${PAD.left - 6}" y="${PAD.top + 8}" text-anchor="end">${top}</text>`);
  parts.push(`<text x="${PAD.left - 6}" y="${base}" text-anchor="end">0</text>`);
  const unscored = c.samples.length - scores.length;
  const note = unscored > 0 ? `; ${unscored} unscored` : '';
  const legend =
    lines.length === 0
      ? ''
      : `<p class="thr-legend">Dashed: ${lines.map((l) => `<span class="${l.passed ? '' : 'bad'}">${escapeMarkup(l.label)}</span>`).join(' · ')}</p>`;
  return `<svg class="hist" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Histogram of ${scores.length} scores${note}">${parts.join('')}</svg>${legend}`;
}
