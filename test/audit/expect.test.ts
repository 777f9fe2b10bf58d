import { describe, expect, it } from 'vitest';
import { evaluateExpect, quantileSorted, sampleAggregates } from '../../src/audit/expect.js';

describe('expect grammar', () => {
  it('computes numpy-style linear quantiles', () => {
    const v = [1, 2, 3, 4];
    expect(quantileSorted(v, 0)).toBe(1);
    expect(quantileSorted(v, 0.5)).toBe(2.5);
    expect(quantileSorted(v, 0.95)).toBeCloseTo(3.85, 12);
    expect(quantileSorted(v, 1)).toBe(4);
  });

  it('aggregates', () => {
    expect(sampleAggregates([3, 1, 2])).toEqual({ mean: 2, median: 2, min: 1, max: 3 });
    expect(sampleAggregates([])).toEqual({ mean: null, median: null, min: null, max: null });
  });

  it('evaluates each bound of each statistic', () => {
    const scores = [0.1, 0.2, 0.9];
    const r = evaluateExpect(
      {
        mean: { '>=': 0.4 },
        quantile: { q: 0.5, '<=': 0.2 },
        fraction: { where: { '<': 0.5 }, '>=': 0.6 },
        accuracy: { '>': 0.9, '<': 1 },
      },
      { scores, stats: { ...sampleAggregates(scores), accuracy: 0.95 } },
    );
    expect(r.map((e) => [e.statistic, e.op, e.passed])).toEqual([
      ['mean', '>=', true],
      ['quantile(0.5)', '<=', true],
      ['fraction(< 0.5)', '>=', true],
      ['accuracy', '>', true],
      ['accuracy', '<', true],
    ]);
    expect(r[2].value).toBeCloseTo(2 / 3, 12);
  });

  it('fails a bound that is not met and one that cannot be computed', () => {
    const r = evaluateExpect(
      { min: { '>': 0.5 }, flip_rate: { '<=': 0.1 } },
      { scores: [0.5], stats: { min: 0.5 } },
    );
    expect(r[0].passed).toBe(false);
    expect(r[1]).toMatchObject({ value: null, passed: false });
  });
});
