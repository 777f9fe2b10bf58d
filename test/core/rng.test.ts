import { describe, expect, it } from 'vitest';
import { rngFor } from '../../src/core/rng.js';

describe('counter-based rng', () => {
  it('is a pure function of (seed, unit, sample, index)', () => {
    const a = rngFor(1, 'u', 's');
    const b = rngFor(1, 'u', 's');
    const drawsA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, (_, i) => b.at(i))).toEqual(drawsA);
    expect(rngFor(2, 'u', 's').at(0)).not.toBe(drawsA[0]);
    expect(rngFor(1, 'v', 's').at(0)).not.toBe(drawsA[0]);
    expect(rngFor(1, 'u', 't').at(0)).not.toBe(drawsA[0]);
  });

  it('is roughly uniform and normal', () => {
    const r = rngFor(42, 'test', 'x');
    let sum = 0;
    let sq = 0;
    const n = 20000;
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      buckets[Math.floor(u * 10)]++;
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(0.06 * (n / 10));
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });
});
