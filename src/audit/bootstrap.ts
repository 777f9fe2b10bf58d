import { rngFor } from '../core/rng.js';
import { quantileSorted } from './expect.js';

export interface Interval {
  lower: number;
  upper: number;
}

/** Defaults of `ci_lower` / `ci_upper`: a 95% percentile interval from 1000 resamples. */
export const BOOTSTRAP_DEFAULTS = { level: 0.95, resamples: 1000 } as const;

/** Share of resamples on which the statistic must be defined for the interval to be. */
const MIN_DEFINED = 0.9;

/**
 * Seeded percentile bootstrap of a statistic of n rows. Resample b draws row
 * indices from the stream (seed, unit, 'bootstrap') at draws b*n .. b*n+n-1, so
 * the interval is a pure function of the rows and the seed: an unsharded run
 * and a merge of its shards give the same bytes. Resamples on which the
 * statistic is undefined (e.g. a group drawn empty) are dropped; with fewer
 * than 90% defined, the interval is undefined (null).
 */
export function bootstrapInterval(
  n: number,
  statOf: (indices: Int32Array) => number | null,
  o: { seed: number; unit: string; level: number; resamples: number },
): Interval | null {
  if (n === 0) return null;
  const rng = rngFor(o.seed, o.unit, 'bootstrap');
  const values: number[] = [];
  const idx = new Int32Array(n);
  for (let b = 0; b < o.resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng.at(b * n + i) * n);
    const v = statOf(idx);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length < MIN_DEFINED * o.resamples) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - o.level) / 2;
  return { lower: quantileSorted(values, tail), upper: quantileSorted(values, 1 - tail) };
}
