import { describe, expect, it } from 'vitest';
import { firstComponent } from '../../src/methods/_core/principal.js';
import { eigenCam } from '../../src/methods/eigen-cam.js';
import { camNet } from '../helpers/analytic-models.js';
import { camCase, camParams, finish } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff, transformOf } from './_fixtures.js';

describe('eigen-cam', () => {
  it('projects the centred activations on their first principal component (hand-built SVD)', async () => {
    // A = mean + alpha v1^T + beta v2^T with alpha _|_ beta, v1 _|_ v2 unit and |alpha| > |beta|:
    // the centred matrix's first right singular vector is v1 and the projection is alpha.
    const alpha = [3, 1, -1, -3];
    const beta = [1, -1, -1, 1];
    const v1 = [2 / 3, 1 / 3, 2 / 3];
    const v2 = [Math.SQRT1_2, 0, -Math.SQRT1_2];
    const mean = [0.5, 0.2, 0.4];
    const A = alpha.map((a, p) => mean.map((m, q) => m + a * v1[q] + beta[p] * v2[q]));
    // The 'pool' layer of camNet is the 2x2 average of the input: constant blocks give A exactly.
    const x = new Float32Array(48);
    for (let y = 0; y < 4; y++)
      for (let xx = 0; xx < 4; xx++)
        for (let ch = 0; ch < 3; ch++)
          x[(y * 4 + xx) * 3 + ch] = A[Math.floor(y / 2) * 2 + Math.floor(xx / 2)][ch];
    const model = camNet(camParams([4, 4, 3]));
    const t = transformOf([4, 4, 3]);
    for (const relu of [true, false]) {
      const a = await eigenCam.attribute(
        model,
        batchOf(x, 1),
        Int32Array.from([0]),
        { layer: 'pool', relu },
        ctxOf(t),
      );
      // sum(v1) > 0, so +alpha correlates with the activations' channel sums: that is the sign kept.
      expect(maxAbsDiff(a.values, finish([alpha], relu))).toBeLessThan(1e-5);
    }
  });

  it('matches numpy (Ac @ svd(Ac).VT[0], sign fixed) with more rows than columns and the reverse', () => {
    const A1 = [0.3, -1.2, 0.8, 1.5, 0.2, -0.4, -0.7, 0.9, 1.1, 0.1, -0.5, 0.6];
    const want1 = [-0.1820097916282751, -1.3277046570422253, 1.4204596134921852, 0.0892548351783152];
    expect(maxAbsDiff(firstComponent(A1, 4, 3), want1)).toBeLessThan(1e-9);
    const A2 = [0.3, -1.2, 0.8, 2.0, -0.1, 1.5, 0.2, -0.4, 0.3, 0.9, -0.7, 0.9, 1.1, -1.0, 0.4];
    const want2 = [1.8514503102613884, 0.1342313523436644, -1.985681662605053];
    expect(maxAbsDiff(firstComponent(A2, 3, 5), want2)).toBeLessThan(1e-9);
    expect(Array.from(firstComponent([1, 2, 1, 2], 2, 2))).toEqual([0, 0]); // rows identical: no component
  });

  it('ignores the target (class-agnostic)', async () => {
    const { model, x, n, t } = await camCase();
    const a = await eigenCam.attribute(
      model,
      batchOf(x, n),
      Int32Array.from([0, 0, 0]),
      eigenCam.defaults,
      ctxOf(t),
    );
    const b = await eigenCam.attribute(
      model,
      batchOf(x, n),
      Int32Array.from([1, 1, 1]),
      eigenCam.defaults,
      ctxOf(t),
    );
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });
});
