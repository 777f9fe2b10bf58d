import type { Comparison, ExpectationResult } from './report.js';

export const COMPARISONS: readonly Comparison[] = ['>=', '<=', '>', '<'];

/** Statistics every check offers over its per-sample scores. */
export const SAMPLE_STATISTICS = ['mean', 'median', 'min', 'max', 'quantile', 'fraction'] as const;

export type Bound = Partial<Record<Comparison, number>>;

/** `ci_lower` / `ci_upper`: a bound on the bootstrap interval of the statistic. */
export interface CiBound extends Bound {
  /** Confidence level of the two-sided percentile interval (default 0.95). */
  level?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

/**
 * One statistic's expectations: bounds on its value, on the ends of its
 * bootstrap interval, and on its difference to the baseline (current - baseline).
 * quantile takes `q`, fraction takes a per-sample `where` bound.
 */
export interface ExpectEntry extends Bound {
  q?: number;
  where?: Bound;
  ci_lower?: CiBound;
  ci_upper?: CiBound;
  delta_vs_baseline?: Bound;
}

export type ExpectSpec = Record<string, ExpectEntry>;

/** What statistics are computed from: the scored samples' scores and the dataset-level values. */
export interface StatView {
  scores: readonly number[];
  stats: Record<string, number | null>;
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '>=':
      return value >= threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '<':
      return value < threshold;
  }
}

export function meetsBound(value: number, bound: Bound): boolean {
  return COMPARISONS.every((op) => bound[op] === undefined || compare(value, op, bound[op] as number));
}

export function formatBound(bound: Bound): string {
  return COMPARISONS.filter((op) => bound[op] !== undefined)
    .map((op) => `${op} ${bound[op]}`)
    .join(' and ');
}

/** numpy's default ('linear') quantile of sorted values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** mean / median / min / max of the scored samples; null when there are none. */
export function sampleAggregates(scores: readonly number[]): Record<string, number | null> {
  if (scores.length === 0) return { mean: null, median: null, min: null, max: null };
  const sorted = [...scores].sort((a, b) => a - b);
  let sum = 0;
  for (const s of scores) sum += s;
  return {
    mean: sum / scores.length,
    median: quantileSorted(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/** The statistic an entry names (quantile and fraction read their parameters), with its label. */
export function statisticOf(
  statistic: string,
  entry: ExpectEntry,
  view: StatView,
): { label: string; value: number | null } {
  const { scores } = view;
  if (statistic === 'quantile') {
    const q = entry.q ?? 0.5;
    const sorted = [...scores].sort((a, b) => a - b);
    return { label: `quantile(${q})`, value: sorted.length > 0 ? quantileSorted(sorted, q) : null };
  }
  if (statistic === 'fraction') {
    const where = entry.where ?? {};
    const value =
      scores.length > 0 ? scores.filter((s) => meetsBound(s, where)).length / scores.length : null;
    return { label: `fraction(${formatBound(where)})`, value };
  }
  return { label: statistic, value: view.stats[statistic] ?? null };
}

export interface ExpectExtras {
  /** The statistic's bootstrap interval at the given level (null: undefined). */
  interval?(statistic: string, entry: ExpectEntry, ci: CiBound): { lower: number; upper: number } | null;
  /**
   * For delta_vs_baseline: the statistics of both runs over the samples both scored
   * (null: no baseline), so a difference is never one of different sample sets.
   */
  paired?: { current: StatView; baseline: StatView } | null;
}

/** Evaluate every expectation of a check on its statistics. */
export function evaluateExpect(
  expect: ExpectSpec,
  view: StatView,
  extras: ExpectExtras = {},
): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const push = (label: string, bound: Bound, value: number | null) => {
    for (const op of COMPARISONS) {
      const threshold = bound[op];
      if (threshold === undefined) continue;
      const ok = value !== null && Number.isFinite(value) && compare(value, op, threshold);
      results.push({ statistic: label, op, threshold, value, passed: ok });
    }
  };
  for (const [statistic, entry] of Object.entries(expect)) {
    const { label, value } = statisticOf(statistic, entry, view);
    push(label, entry, value);
    for (const end of ['ci_lower', 'ci_upper'] as const) {
      const ci = entry[end];
      if (ci === undefined) continue;
      const level = ci.level ?? 0.95;
      const interval = extras.interval?.(statistic, entry, ci) ?? null;
      const v = interval === null ? null : end === 'ci_lower' ? interval.lower : interval.upper;
      push(`${end}(${label}, ${level})`, ci, v);
    }
    const delta = entry.delta_vs_baseline;
    if (delta !== undefined) {
      const p = extras.paired ?? null;
      const now = p === null ? null : statisticOf(statistic, entry, p.current).value;
      const base = p === null ? null : statisticOf(statistic, entry, p.baseline).value;
      push(`delta_vs_baseline(${label})`, delta, now === null || base === null ? null : now - base);
    }
  }
  return results;
}
