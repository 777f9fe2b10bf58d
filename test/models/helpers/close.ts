import { expect } from 'vitest';

/** Seeded uniform values in [lo, hi) (mulberry32), for reproducible test inputs. */
export function seededUniform(seed: number, n: number, lo = 0, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** The design's agreement rule: per sample, max|a-b| <= rel * max|b| (a tiny absolute floor for all-zero b). */
export function expectClose(a: Float32Array, b: Float32Array, n: number, what: string, rel = 1e-4): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  const size = b.length / n;
  for (let s = 0; s < n; s++) {
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = s * size; i < (s + 1) * size; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      maxRef = Math.max(maxRef, Math.abs(b[i]));
    }
    const bound = rel * Math.max(maxRef, 1e-6);
    expect(maxDiff, `${what}: sample ${s} max|a-b|=${maxDiff} > ${bound}`).toBeLessThanOrEqual(bound);
  }
}
