import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jointRange, ssim } from '../../src/checks/_core/ssim.js';

interface RefCase {
  name: string;
  shape: number[];
  win_size: number | null;
  data_range: number;
  a: number[];
  b: number[];
  ssim: number;
}

// skimage.metrics.structural_similarity numbers, made by fixtures/reference/ssim/make_ssim_refs.py.
const ref = JSON.parse(readFileSync('fixtures/reference/ssim/ssim.json', 'utf8')) as { cases: RefCase[] };

describe('ssim', () => {
  it.each(ref.cases.map((c) => [c.name, c] as const))('matches skimage: %s', (_, c) => {
    const a = Float32Array.from(c.a);
    const b = Float32Array.from(c.b);
    const range = jointRange(a, b);
    expect(range).toBeCloseTo(c.data_range, 6);
    const s = ssim(a, b, c.shape, { dataRange: c.data_range, winSize: c.win_size ?? undefined });
    expect(Math.abs(s - c.ssim)).toBeLessThan(1e-9);
  });

  it('is 1 for identical arrays and symmetric', () => {
    const a = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * (i % 5));
    const b = Float32Array.from(a, (v, i) => v + 0.1 * Math.cos(3 * i));
    expect(ssim(a, a, [8, 8], { dataRange: jointRange(a, a) })).toBeCloseTo(1, 12);
    const r = jointRange(a, b);
    expect(ssim(a, b, [8, 8], { dataRange: r })).toBeCloseTo(ssim(b, a, [8, 8], { dataRange: r }), 12);
  });

  it('refuses a window larger than the array or an even window', () => {
    const a = new Float32Array(36);
    expect(() => ssim(a, a, [6, 6], { dataRange: 1 })).toThrow(/win_size 7 exceeds/);
    expect(() => ssim(a, a, [6, 6], { dataRange: 1, winSize: 4 })).toThrow(/odd/);
  });
});
