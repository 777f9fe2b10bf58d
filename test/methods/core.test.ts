import { describe, expect, it } from 'vitest';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { QUADRATURE_RULES, quadrature } from '../../src/methods/_core/quadrature.js';
import { resizeBilinear } from '../../src/methods/_core/resize.js';
import { windowStarts } from '../../src/methods/occlusion.js';
import { maxAbsDiff, transformOf } from './_fixtures.js';

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

describe('quadrature rules (Captum approximation_methods)', () => {
  it('gausslegendre equals numpy leggauss(5) mapped to [0, 1]', () => {
    const { alphas, weights } = quadrature('gausslegendre', 5);
    // 0.5 * (1 + leggauss(5)[0]) and 0.5 * leggauss(5)[1], from numpy 2.4.
    expect(
      maxAbsDiff(
        alphas,
        [0.04691007703066802, 0.23076534494715845, 0.5, 0.7692346550528415, 0.9530899229693319],
      ),
    ).toBeLessThan(1e-14);
    expect(
      maxAbsDiff(
        weights,
        [
          0.11846344252809464, 0.23931433524968315, 0.28444444444444433, 0.23931433524968315,
          0.11846344252809464,
        ],
      ),
    ).toBeLessThan(1e-14);
  });

  it('gausslegendre integrates polynomials of degree 2n-1 exactly, up to n = 200', () => {
    for (const n of [1, 2, 3, 8, 50, 64, 200]) {
      const { alphas, weights } = quadrature('gausslegendre', n);
      const d = Math.min(2 * n - 1, 9);
      let s = 0;
      for (let i = 0; i < n; i++) s += weights[i] * alphas[i] ** d;
      expect(s).toBeCloseTo(1 / (d + 1), 12);
      expect(sum(weights)).toBeCloseTo(1, 12);
      for (let i = 1; i < n; i++) expect(alphas[i]).toBeGreaterThan(alphas[i - 1]);
    }
  });

  it("riemann_trapezoid is Captum's quirk: linspace(0, 1, n), weights 1/n with both ends halved", () => {
    const { alphas, weights } = quadrature('riemann_trapezoid', 4);
    expect(maxAbsDiff(alphas, [0, 1 / 3, 2 / 3, 1])).toBeLessThan(1e-15);
    expect(Array.from(weights)).toEqual([0.125, 0.25, 0.25, 0.125]);
    for (const n of [2, 7, 32, 50])
      expect(sum(quadrature('riemann_trapezoid', n).weights)).toBeCloseTo((n - 1) / n, 14);
  });

  it('trapezoid is the textbook rule: weights sum to 1', () => {
    const { alphas, weights } = quadrature('trapezoid', 4);
    expect(maxAbsDiff(alphas, [0, 1 / 3, 2 / 3, 1])).toBeLessThan(1e-15);
    expect(maxAbsDiff(weights, [1 / 6, 1 / 3, 1 / 3, 1 / 6])).toBeLessThan(1e-15);
  });

  it('riemann left/right/middle use Captum linspace endpoints and weights 1/n', () => {
    expect(maxAbsDiff(quadrature('riemann_left', 4).alphas, [0, 0.25, 0.5, 0.75])).toBeLessThan(1e-15);
    expect(maxAbsDiff(quadrature('riemann_right', 4).alphas, [0.25, 0.5, 0.75, 1])).toBeLessThan(1e-15);
    expect(maxAbsDiff(quadrature('riemann_middle', 4).alphas, [0.125, 0.375, 0.625, 0.875])).toBeLessThan(
      1e-15,
    );
    for (const r of ['riemann_left', 'riemann_right', 'riemann_middle'] as const)
      expect(Array.from(quadrature(r, 4).weights)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('matches torch.linspace(0, 1, 7) to float32 precision', () => {
    const torch = [
      0.0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666269302368, 0.8333333134651184, 1.0,
    ];
    expect(maxAbsDiff(quadrature('riemann_trapezoid', 7).alphas, torch)).toBeLessThan(1e-7);
  });

  it('rejects one step for rules that need two', () => {
    for (const r of QUADRATURE_RULES.filter((r) => r !== 'gausslegendre'))
      expect(() => quadrature(r, 1)).toThrow(/at least 2/);
    expect(quadrature('gausslegendre', 1).alphas[0]).toBeCloseTo(0.5, 15);
  });
});

describe('bilinear resize (torch F.interpolate, align_corners=False)', () => {
  it('2x2 -> 4x4 matches the hand-computed torch values', () => {
    const out = resizeBilinear(Float32Array.from([1, 2, 3, 4]), 1, 2, 2, 1, 4, 4);
    // Half-pixel centres: output column d samples input (d + 0.5) / 2 - 0.5, clamped at 0 and at the edge.
    expect(Array.from(out)).toEqual([
      1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4,
    ]);
  });

  it('2x3 -> 5x7 (non-integer scales) matches torch 2.13 output', () => {
    const out = resizeBilinear(Float32Array.from([0, 1, 2, 3, 4, 5]), 1, 2, 3, 1, 5, 7);
    const torch = [
      [0.0, 0.1428571492433548, 0.5714285969734192, 1.0, 1.4285714626312256, 1.8571429252624512, 2.0],
      [
        0.30000001192092896, 0.44285717606544495, 0.8714286684989929, 1.2999999523162842, 1.7285714149475098,
        2.1571428775787354, 2.3000001907348633,
      ],
      [1.5, 1.6428571939468384, 2.0714285373687744, 2.5, 2.9285714626312256, 3.357142925262451, 3.5],
      [
        2.700000047683716, 2.8428573608398438, 3.2714285850524902, 3.700000047683716, 4.128571510314941,
        4.557142734527588, 4.699999809265137,
      ],
      [3.0, 3.142857313156128, 3.5714285373687744, 4.0, 4.428571701049805, 4.857142925262451, 5.0],
    ].flat();
    expect(maxAbsDiff(out, torch)).toBeLessThan(1e-6);
  });

  it('resizes every sample and channel independently', () => {
    // Two samples, two channels: channel 1 is channel 0 times -2, sample 1 is sample 0 plus 10.
    const src = new Float32Array(2 * 2 * 2 * 2);
    const base = [1, 2, 3, 4];
    for (let i = 0; i < 2; i++)
      for (let p = 0; p < 4; p++) {
        src[(i * 4 + p) * 2] = base[p] + 10 * i;
        src[(i * 4 + p) * 2 + 1] = -2 * (base[p] + 10 * i);
      }
    const out = resizeBilinear(src, 2, 2, 2, 2, 4, 4);
    const single = resizeBilinear(Float32Array.from(base), 1, 2, 2, 1, 4, 4);
    for (let i = 0; i < 2; i++)
      for (let p = 0; p < 16; p++) {
        expect(out[(i * 16 + p) * 2]).toBeCloseTo(single[p] + 10 * i, 5);
        expect(out[(i * 16 + p) * 2 + 1]).toBeCloseTo(-2 * (single[p] + 10 * i), 5);
      }
  });
});

describe('baselines', () => {
  const t = transformOf([2, 2, 3]);
  it("'zeros' is 0 after normalisation; black/white are range ends normalised per channel", () => {
    expect(Array.from(baselineInput(t, 'zeros'))).toEqual(new Array(12).fill(0));
    const black = baselineInput(t, 'black');
    const white = baselineInput(t, 'white');
    for (let k = 0; k < 3; k++) {
      expect(black[k]).toBeCloseTo(-t.mean[k] / t.std[k], 6);
      expect(white[9 + k]).toBeCloseTo((1 - t.mean[k]) / t.std[k], 6);
    }
  });
  it('a number is a pixel value, clipped to the range', () => {
    expect(baselineInput(t, 0.5)[1]).toBeCloseTo((0.5 - 0.456) / 0.224, 6);
    expect(Array.from(baselineInput(t, 7))).toEqual(Array.from(baselineInput(t, 'white')));
    expect(Array.from(baselineInput(t, -1))).toEqual(Array.from(baselineInput(t, 'black')));
  });
});

describe("occlusion window starts (Captum's shift counts)", () => {
  it('ceil((size - window) / stride) + 1 starts; the last may overhang and is cropped', () => {
    expect(windowStarts(8, 2, 2)).toEqual([0, 2, 4, 6]);
    expect(windowStarts(6, 3, 2)).toEqual([0, 2, 4]);
    expect(windowStarts(10, 4, 4)).toEqual([0, 4, 8]);
    expect(windowStarts(8, 8, 4)).toEqual([0]);
    expect(windowStarts(5, 1, 1)).toEqual([0, 1, 2, 3, 4]);
  });
});
