import { describe, expect, it } from 'vitest';
import { linearImputation } from '../../src/checks/_core/imputation.js';
import { rngFor } from '../../src/core/rng.js';
import { neighbourMean } from '../helpers/neighbour-mean.js';

/** Direct 1/6, diagonal 1/12. */
const weight = (dr: number, dc: number) => (dr === 0 || dc === 0 ? 1 / 6 : 1 / 12);

function randomImage(h: number, w: number, c: number, key: string): Float32Array {
  const rng = rngFor(3, 'imputation-test', key);
  return Float32Array.from({ length: h * w * c }, () => rng.next());
}

/** The system written out densely and solved by Gaussian elimination with partial pivoting, in doubles. */
function denseReference(x: Float32Array, h: number, w: number, c: number, removed: Uint8Array): Float64Array {
  const unknowns: number[] = [];
  for (let p = 0; p < h * w; p++) if (removed[p]) unknowns.push(p);
  const m = unknowns.length;
  const index = new Map(unknowns.map((p, i) => [p, i]));
  const out = Float64Array.from(x);
  for (let ch = 0; ch < c; ch++) {
    const a = Array.from({ length: m }, () => new Float64Array(m + 1));
    for (const [i, p] of unknowns.entries()) {
      const r = Math.floor(p / w);
      const col = p % w;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = col + dc;
          if ((dr === 0 && dc === 0) || rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
          const q = rr * w + cc;
          a[i][i] += weight(dr, dc);
          const j = index.get(q);
          if (j === undefined) a[i][m] += weight(dr, dc) * x[q * c + ch];
          else a[i][j] -= weight(dr, dc);
        }
    }
    for (let k = 0; k < m; k++) {
      let piv = k;
      for (let i = k + 1; i < m; i++) if (Math.abs(a[i][k]) > Math.abs(a[piv][k])) piv = i;
      [a[k], a[piv]] = [a[piv], a[k]];
      for (let i = k + 1; i < m; i++) {
        const f = a[i][k] / a[k][k];
        if (f !== 0) for (let t = k; t <= m; t++) a[i][t] -= f * a[k][t];
      }
    }
    const v = new Float64Array(m);
    for (let i = m - 1; i >= 0; i--) {
      let s = a[i][m];
      for (let t = i + 1; t < m; t++) s -= a[i][t] * v[t];
      v[i] = s / a[i][i];
    }
    for (const [i, p] of unknowns.entries()) out[p * c + ch] = v[i];
  }
  return out;
}

/** One rectangular blob [r0, r1) x [c0, c1), plus scattered pixels with probability `scatter`. */
function mask(
  h: number,
  w: number,
  blob: [number, number, number, number] | null,
  scatter: number,
  key: string,
) {
  const rng = rngFor(3, 'imputation-mask', key);
  const removed = Uint8Array.from({ length: h * w }, () => (rng.next() < scatter ? 1 : 0));
  if (blob) {
    const [r0, r1, c0, c1] = blob;
    for (let r = r0; r < r1; r++) for (let col = c0; col < c1; col++) removed[r * w + col] = 1;
  }
  return removed;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('linearImputation (direct Cholesky solve)', () => {
  it('matches a dense Gaussian-elimination solve of the same system: scattered pixels, large blobs, tall and wide images', () => {
    const cases: [number, number, [number, number, number, number] | null, number][] = [
      [9, 7, null, 0.3], // tall: row-major numbering
      [7, 12, null, 0.5], // wide: column-major numbering
      [12, 10, [1, 11, 1, 9], 0.1], // 60% of the image in one region plus scattered pixels
      [10, 14, [0, 10, 2, 14], 0], // a blob touching three borders
      [8, 8, null, 0.97], // nearly everything removed
    ];
    for (const [k, [h, w, blob, scatter]] of cases.entries()) {
      const c = 3;
      const x = randomImage(h, w, c, `dense-${k}`);
      const removed = mask(h, w, blob, scatter, `dense-${k}`);
      if (removed.every((v) => v === 1)) removed[0] = 0;
      const got = linearImputation(x, h, w, c, removed);
      const want = denseReference(x, h, w, c, removed);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
      for (let p = 0; p < h * w; p++)
        if (!removed[p]) for (let q = 0; q < c; q++) expect(got[p * c + q]).toBe(x[p * c + q]);
    }
  });

  it('matches the dense solve on 200 random small masks (every shape of envelope the blocked factorisation meets)', () => {
    const rng = rngFor(3, 'imputation-test', 'random-masks');
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const h = 2 + Math.floor(rng.next() * 11);
      const w = 2 + Math.floor(rng.next() * 11);
      const c = 1 + Math.floor(rng.next() * 4);
      const density = rng.next();
      const removed = Uint8Array.from({ length: h * w }, () => (rng.next() < density ? 1 : 0));
      removed[Math.floor(rng.next() * h * w)] = 0;
      const x = randomImage(h, w, c, `random-${t}`);
      worst = Math.max(
        worst,
        maxAbsDiff(linearImputation(x, h, w, c, removed), denseReference(x, h, w, c, removed)),
      );
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('a 64x64 image with 60% removed in one region: every imputed value is the weighted mean of its neighbours', () => {
    const h = 64;
    const w = 64;
    const c = 3;
    const x = randomImage(h, w, c, 'large');
    const removed = mask(h, w, [5, 55, 4, 53], 0, 'large'); // 50 x 49 = 2450 pixels, 59.8%
    const out = linearImputation(x, h, w, c, removed);
    let worst = 0;
    for (let p = 0; p < h * w; p++) {
      if (!removed[p]) continue;
      const r = Math.floor(p / w);
      const col = p % w;
      for (let q = 0; q < c; q++) {
        worst = Math.max(worst, Math.abs(out[p * c + q] - neighbourMean(out, h, w, c, r, col, q)));
      }
    }
    // Float32 rounding of the stored result, not solver error.
    expect(worst).toBeLessThan(1e-6);
  });

  it('reproduces a plane exactly inside a large interior blob (96x80, 70% removed)', () => {
    const h = 96;
    const w = 80;
    const c = 2;
    const x = new Float32Array(h * w * c);
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++) {
        x[(r * w + col) * c] = 0.2 + 0.004 * r - 0.003 * col;
        x[(r * w + col) * c + 1] = -1 + 0.01 * col;
      }
    const removed = mask(h, w, [2, 94, 4, 77], 0, 'plane');
    const poisoned = x.slice();
    for (let p = 0; p < h * w; p++) if (removed[p]) poisoned.fill(7, p * c, p * c + c);
    expect(maxAbsDiff(linearImputation(poisoned, h, w, c, removed), x)).toBeLessThan(1e-5);
  });

  it('is equivariant under transposition, so both unknown numberings (row- and column-major) agree', () => {
    const h = 13;
    const w = 21;
    const c = 2;
    const x = randomImage(h, w, c, 'transpose');
    const removed = mask(h, w, [2, 11, 3, 17], 0.4, 'transpose');
    const xt = new Float32Array(x.length);
    const removedT = new Uint8Array(removed.length);
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++) {
        removedT[col * h + r] = removed[r * w + col];
        for (let q = 0; q < c; q++) xt[(col * h + r) * c + q] = x[(r * w + col) * c + q];
      }
    const out = linearImputation(x, h, w, c, removed);
    const outT = linearImputation(xt, w, h, c, removedT);
    let worst = 0;
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++)
        for (let q = 0; q < c; q++)
          worst = Math.max(worst, Math.abs(out[(r * w + col) * c + q] - outT[(col * h + r) * c + q]));
    expect(worst).toBeLessThan(1e-6);
  });

  it('returns a copy when nothing is removed and refuses to remove every pixel', () => {
    const x = randomImage(4, 5, 3, 'edge');
    const none = linearImputation(x, 4, 5, 3, new Uint8Array(20));
    expect(none).toEqual(x);
    expect(none).not.toBe(x);
    expect(() => linearImputation(x, 4, 5, 3, new Uint8Array(20).fill(1))).toThrow(/at least one kept pixel/);
  });
});
