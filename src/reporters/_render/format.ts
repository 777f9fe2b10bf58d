import type { CheckReport, ExpectationResult, Outcome, Report } from '../../audit/report.js';

/** Numbers for people: 4 significant digits, written as JavaScript would (0.0001, 1e-7, 12.35). */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** "mean 0.31, expected >= 0.5": reads right whether it passed or not. */
export function fmtExpectation(e: ExpectationResult): string {
  return `${e.statistic} ${fmtNum(e.value)}, expected ${e.op} ${fmtNum(e.threshold)}`;
}

/** The expectation a one-line summary shows: the first failing one, else the first. */
export function headline(c: CheckReport): ExpectationResult | null {
  return c.expectations.find((e) => !e.passed) ?? c.expectations[0] ?? null;
}

export const OUTCOME_WORD: Record<Outcome, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  error: 'ERROR',
};

/** "4 checks: 1 passed, 1 failed, 1 warned, 1 errored" */
export function fmtCounts(report: Report): string {
  const c = report.summary.counts;
  const n = report.checks.length;
  return `${n} check${n === 1 ? '' : 's'}: ${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.error} errored`;
}

/** Worst samples of a check, in the order the runner ranked them. */
export function worstSamples(c: CheckReport, k: number): CheckReport['samples'] {
  const byId = new Map(c.samples.map((s) => [s.id, s]));
  return c.worst
    .slice(0, k)
    .map((id) => byId.get(id))
    .filter((s) => s !== undefined);
}

/** "spec.yaml:14:5", or just the path when the location is unknown. */
export function fmtLocation(specPath: string, c: CheckReport): string {
  return c.location === null ? specPath : `${specPath}:${c.location.line}:${c.location.col}`;
}

/**
 * What part of the audit a report covers, for every reporter but json: a shard's
 * verdicts are partial; a merged report has no heatmaps (shard reports carry no images).
 * null for an ordinary run.
 */
export function scopeNote(r: Report): string | null {
  if (r.shard !== undefined) {
    return `shard ${r.shard.index}/${r.shard.count}: partial results for this shard's samples only; \`xaudit merge\` the shards for the audit's verdict`;
  }
  if (r.merged !== undefined) {
    return `merged from ${r.merged.shards} shards; every statistic was recomputed from the samples; no heatmaps (shard reports carry no images)`;
  }
  return null;
}

/** The dataset-level statistic an expectation is about: 'flip_rate' for 'delta_vs_baseline(flip_rate)'. */
function statisticName(label: string): string {
  const m = /^(?:delta_vs_baseline|ci_lower|ci_upper)\(([^,()]+)/.exec(label);
  return m === null ? label : m[1];
}

/** The statistic a baseline comparison shows: the headline's when both runs have it, else mean. */
export function baselineStatistic(c: CheckReport): string | null {
  if (c.baseline === undefined) return null;
  const h = headline(c);
  const name = h === null ? 'mean' : statisticName(h.statistic);
  if (name in c.baseline.delta) return name;
  return 'mean' in c.baseline.delta ? 'mean' : (Object.keys(c.baseline.delta)[0] ?? null);
}

/** "baseline PASS · flip_rate 0 → 1 (Δ +1)" for a check scored on a baseline too; null otherwise. */
export function baselineNote(c: CheckReport): string | null {
  const b = c.baseline;
  const stat = baselineStatistic(c);
  if (b === undefined) return null;
  const base = `baseline ${OUTCOME_WORD[b.outcome]}`;
  if (stat === null) return base;
  const d = b.delta[stat];
  const sign = d !== null && d !== undefined && d > 0 ? '+' : '';
  return `${base} · ${stat} ${fmtNum(b.stats[stat])} → ${fmtNum(c.stats[stat])} (Δ ${sign}${fmtNum(d)})`;
}
