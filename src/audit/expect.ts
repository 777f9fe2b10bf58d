import type { Comparison, ExpectationResult } from './report.js';

export const COMPARISONS: readonly Comparison[] = ['>=', '<=', '>', '<'];

/** Statistics every check offers over its per-sample scores. */
export const SAMPLE_STATISTICS = ['mean', 'median', 'min', 'max', 'quantile', 'fraction'] as const;

export type Bound = Partial<Record<Comparison, number>>;

/** `{<statistic>: {<op>: value}}`; quantile takes `q`, fraction takes a per-sample `where` bound. */
export type ExpectSpec = Record<string, Bound & { q?: number; where?: Bound }>;

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

/**
 * Evaluate every expectation. `scores` are the scored samples; `stats` holds
 * the aggregates and the check's own dataset-level values.
 */
export function evaluateExpect(
  expect: ExpectSpec,
  scores: readonly number[],
  stats: Record<string, number | null>,
): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const sorted = [...scores].sort((a, b) => a - b);
  for (const [statistic, spec] of Object.entries(expect)) {
    let value: number | null;
    let label = statistic;
    if (statistic === 'quantile') {
      const q = spec.q ?? 0.5;
      value = sorted.length > 0 ? quantileSorted(sorted, q) : null;
      label = `quantile(${q})`;
    } else if (statistic === 'fraction') {
      const where = spec.where ?? {};
      value = scores.length > 0 ? scores.filter((s) => meetsBound(s, where)).length / scores.length : null;
      label = `fraction(${formatBound(where)})`;
    } else {
      value = stats[statistic] ?? null;
    }
    for (const op of COMPARISONS) {
      const threshold = spec[op];
      if (threshold === undefined) continue;
      const ok = value !== null && Number.isFinite(value) && compare(value, op, threshold);
      results.push({ statistic: label, op, threshold, value, passed: ok });
    }
  }
  return results;
}
