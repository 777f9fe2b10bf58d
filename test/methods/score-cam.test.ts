import { describe, expect, it } from 'vitest';
import { targetLogits } from '../../src/core/tensor.js';
import { scoreCam } from '../../src/methods/score-cam.js';
import { recordingCalls } from '../helpers/analytic-models.js';
import { camCase, finish } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff } from './_fixtures.js';

// torch UpsamplingBilinear2d (align_corners=True) from 2 to 4 along one axis, as a matrix.
const U = [
  [1, 0],
  [2 / 3, 1 / 3],
  [1 / 3, 2 / 3],
  [0, 1],
];

describe('score-cam', () => {
  it('weighs channels by the softmax of the target logit of the input masked by each min-max normalised channel', async () => {
    const { model, x, n, targets, act, t, cells, K } = await camCase();
    const a = await scoreCam.attribute(model, batchOf(x, n), targets, scoreCam.defaults, ctxOf(t));
    const maps: number[][] = [];
    for (let i = 0; i < n; i++) {
      const A = (cell: number, q: number) => act[(i * cells + cell) * K + q];
      const scores: number[] = [];
      for (let q = 0; q < K; q++) {
        const up: number[] = [];
        for (let y = 0; y < 4; y++)
          for (let xx = 0; xx < 4; xx++) {
            let s = 0;
            for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) s += U[y][r] * U[xx][c] * A(r * 2 + c, q);
            up.push(s);
          }
        const lo = Math.min(...up);
        const hi = Math.max(...up);
        const masked = new Float32Array(32);
        for (let pix = 0; pix < 16; pix++)
          for (let ch = 0; ch < 2; ch++)
            masked[pix * 2 + ch] = x[i * 32 + pix * 2 + ch] * ((up[pix] - lo) / (hi - lo + 1e-8));
        const out = await model.forward(masked, 1);
        scores.push(targetLogits(out.logits, targets.subarray(i, i + 1))[0]);
      }
      const e = scores.map((s) => Math.exp(s));
      const w = e.map((v) => v / e.reduce((s2, u) => s2 + u, 0));
      maps.push([0, 1, 2, 3].map((cell) => w.reduce((s, wq, q) => s + wq * A(cell, q), 0)));
    }
    expect(maxAbsDiff(a.values, finish(maps))).toBeLessThan(1e-5);
  });

  it('sends at most min(batch, maxBatch) masked inputs per forward pass, with the same numbers', async () => {
    const { model, x, n, targets, t } = await camCase(3);
    const rec = recordingCalls(model);
    const a = await scoreCam.attribute(
      rec.model,
      batchOf(x, n),
      targets,
      { ...scoreCam.defaults, batch: 2 },
      ctxOf(t),
    );
    // One activation capture for the 3 samples, then 3 x 3 masked inputs in twos.
    expect(rec.calls).toEqual([3, 2, 2, 2, 2, 1]);
    const rec1 = recordingCalls(model);
    const b = await scoreCam.attribute(rec1.model, batchOf(x, n), targets, scoreCam.defaults, ctxOf(t, 1));
    expect(Math.max(...rec1.calls)).toBe(1);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });
});
