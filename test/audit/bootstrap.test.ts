import { describe, expect, it } from 'vitest';
import { bootstrapInterval } from '../../src/audit/bootstrap.js';
import { evaluateExpect, sampleAggregates } from '../../src/audit/expect.js';
import { statView, verdict } from '../../src/audit/verdict.js';
import type { ScoredSample } from '../../src/checks/types.js';
import { rngFor } from '../../src/core/rng.js';

const meanOf = (xs: readonly number[]) => (idx: Int32Array) => {
  let s = 0;
  for (const i of idx) s += xs[i];
  return s / idx.length;
};

describe('bootstrapInterval', () => {
  it('covers a known binomial proportion at about its nominal rate over seeded repetitions', () => {
    const p = 0.3;
    const n = 120;
    const reps = 300;
    let covered = 0;
    let width = 0;
    for (let r = 0; r < reps; r++) {
      const draw = rngFor(7, 'coverage', String(r));
      const xs = Array.from({ length: n }, () => (draw.next() < p ? 1 : 0));
      const ci = bootstrapInterval(n, meanOf(xs), { seed: r, unit: 'acc', level: 0.9, resamples: 400 });
      if (ci === null) throw new Error('undefined interval');
      if (ci.lower <= p && p <= ci.upper) covered++;
      width += ci.upper - ci.lower;
    }
    // Percentile intervals undercover slightly at this n; 90% nominal, binomial sd of the rate ~1.7%.
    expect(covered / reps).toBeGreaterThan(0.84);
    expect(covered / reps).toBeLessThan(0.96);
    // Normal-theory width 2 * 1.645 * sqrt(p(1-p)/n) = 0.138.
    expect(width / reps).toBeCloseTo(0.138, 1);
  });

  it('is a pure function of the rows and the seed', () => {
    const xs = Array.from({ length: 50 }, (_, i) => (i * 7919) % 13);
    const o = { seed: 5, unit: 'u', level: 0.95, resamples: 200 };
    expect(bootstrapInterval(50, meanOf(xs), o)).toEqual(bootstrapInterval(50, meanOf(xs), o));
    expect(bootstrapInterval(50, meanOf(xs), o)).not.toEqual(
      bootstrapInterval(50, meanOf(xs), { ...o, seed: 6 }),
    );
  });

  it('is undefined when the statistic is undefined on too many resamples, and for no rows', () => {
    const o = { seed: 1, unit: 'u', level: 0.95, resamples: 200 };
    expect(bootstrapInterval(10, () => null, o)).toBeNull();
    expect(bootstrapInterval(0, () => 1, o)).toBeNull();
  });
});

describe('expect: ci_lower / ci_upper / delta_vs_baseline', () => {
  const rows = (scores: number[]): ScoredSample[] =>
    scores.map((score, i) => ({ score, label: 'a', group: i % 2 === 0 ? 'g0' : 'g1' }));
  const input = (r: ScoredSample[], b: ScoredSample[] | null = null) => ({
    rows: r,
    ids: r.map((_, i) => `s${i}`),
    baseline: b === null ? null : { rows: b, ids: b.map((_, i) => `s${i}`) },
    summarize: () => ({ stats: {} }),
    seed: 3,
    checkId: 'c',
  });

  it('gates on the ends of the interval, which bracket the point estimate', () => {
    const r = rows(Array.from({ length: 80 }, (_, i) => (i % 4 === 0 ? 0 : 1)));
    const v = verdict(
      {
        expect: { mean: { '>=': 0.7, ci_lower: { '>=': 0.7 }, ci_upper: { '<=': 0.9, level: 0.9 } } },
        max_errors: 0,
        severity: 'error',
      },
      input(r),
    );
    const [point, lower, upper] = v.expectations;
    expect(point).toMatchObject({ statistic: 'mean', value: 0.75, passed: true });
    expect(lower.statistic).toBe('ci_lower(mean, 0.95)');
    expect(upper.statistic).toBe('ci_upper(mean, 0.9)');
    expect(lower.value as number).toBeLessThan(0.75);
    expect(upper.value as number).toBeGreaterThan(0.75);
    // 80 Bernoulli(0.75) rows: the lower 95% end is ~0.75 - 1.96 * 0.048 = 0.655, below 0.7.
    expect(lower.passed).toBe(false);
    expect(v.outcome).toBe('fail');
  });

  it('bounds quantiles and fractions too (any statistic)', () => {
    const r = rows(Array.from({ length: 60 }, (_, i) => i / 60));
    const v = verdict(
      {
        expect: {
          quantile: { q: 0.9, ci_upper: { '<=': 1 } },
          fraction: { where: { '<': 0.5 }, ci_lower: { '>=': 0 } },
        },
        max_errors: 0,
        severity: 'error',
      },
      input(r),
    );
    expect(v.expectations.map((e) => e.statistic)).toEqual([
      'ci_upper(quantile(0.9), 0.95)',
      'ci_lower(fraction(< 0.5), 0.95)',
    ]);
    expect(v.outcome).toBe('pass');
  });

  it('takes current - baseline for delta_vs_baseline, and errors without a baseline', () => {
    const gate = {
      expect: { mean: { delta_vs_baseline: { '>=': -0.05 } } },
      max_errors: 0,
      severity: 'error' as const,
    };
    const current = rows([0.5, 0.7]);
    const better = verdict(gate, input(current, rows([0.55, 0.7])));
    expect(better.expectations[0]).toMatchObject({ statistic: 'delta_vs_baseline(mean)', passed: true });
    expect(better.expectations[0].value).toBeCloseTo(-0.025, 12);
    expect(verdict(gate, input(current, rows([0.9, 0.9]))).outcome).toBe('fail');
    const none = verdict(gate, input(current));
    expect(none.outcome).toBe('error');
    expect(none.message).toMatch(/needs a baseline/);
  });

  it('statView counts errors apart from scores', () => {
    const v = statView(
      [
        { score: 1, label: 'a', group: null },
        { score: null, error: 'x', label: 'a', group: null },
      ],
      { stats: { k: 2 } },
    );
    expect(v).toEqual({ scores: [1], stats: { ...sampleAggregates([1]), k: 2, n: 1, errors: 1 } });
    expect(evaluateExpect({ k: { '>': 1 } }, v)[0].passed).toBe(true);
  });
});

describe('regressions from review', () => {
  const rows = (scores: (number | null)[]): ScoredSample[] =>
    scores.map((score) =>
      score === null ? { score, error: 'x', label: 'a', group: null } : { score, label: 'a', group: null },
    );
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);
  const gate = (max_errors: number) => ({
    expect: { mean: { delta_vs_baseline: { '>=': -0.1 } } },
    max_errors,
    severity: 'error' as const,
  });

  it('delta_vs_baseline compares the samples both runs scored, not two different sets', () => {
    const current = rows([0.1, 0.2, 0.3, 0.4]);
    const base = rows([null, null, 0.4, 0.4]);
    const v = verdict(gate(2), {
      rows: current,
      ids: ids(4),
      summarize: () => ({ stats: {} }),
      seed: 1,
      checkId: 'c',
      baseline: { rows: base, ids: ids(4) },
    });
    // Paired on s2, s3: (0.3 + 0.4) / 2 - 0.4 = -0.05; unpaired it was 0.25 - 0.4 = -0.15.
    expect(v.expectations[0].value).toBeCloseTo(-0.05, 12);
    expect(v.outcome).toBe('pass');
    // More baseline errors than max_errors: the comparison is unusable, and says so.
    const strict = verdict(gate(1), {
      rows: current,
      ids: ids(4),
      summarize: () => ({ stats: {} }),
      seed: 1,
      checkId: 'c',
      baseline: { rows: base, ids: ids(4) },
    });
    expect(strict.outcome).toBe('error');
    expect(strict.message).toMatch(/^baseline: 2 sample\(s\) could not be scored on the baseline/);
  });

  it("a shard leaves a statistic it cannot compute on its slice to merge (the demo's shards exited 2)", () => {
    const input = {
      rows: rows([1, 1]),
      ids: ids(2),
      summarize: () => ({ stats: { accuracy_gap: null } }),
      seed: 1,
      checkId: 'c',
    };
    const g = {
      expect: { accuracy_gap: { ci_upper: { '<=': 0.1 } } },
      max_errors: 0,
      severity: 'error' as const,
    };
    expect(verdict(g, input).outcome).toBe('error');
    const shard = verdict(g, { ...input, partial: true });
    expect(shard.outcome).toBe('pass');
    expect(shard.message).toMatch(/left to merge/);
  });
});
