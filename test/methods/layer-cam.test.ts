import { describe, expect, it } from 'vitest';
import { layerCam } from '../../src/methods/layer-cam.js';
import { camCase, finish } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff } from './_fixtures.js';

describe('layer-cam', () => {
  it('is sum_q relu(g_q) A_q per cell: with a constant gradient, Grad-CAM over the positive-gradient channels', async () => {
    const { p, model, x, n, targets, act, t, cells, K } = await camCase();
    const a = await layerCam.attribute(model, batchOf(x, n), targets, layerCam.defaults, ctxOf(t));
    const maps: number[][] = [];
    for (let i = 0; i < n; i++) {
      const g = p.D[targets[i]].map((v) => Math.max(0, v / cells));
      maps.push(
        [0, 1, 2, 3].map((cell) => g.reduce((s, gq, q) => s + gq * act[(i * cells + cell) * K + q], 0)),
      );
    }
    expect(maxAbsDiff(a.values, finish(maps))).toBeLessThan(1e-6);
  });
});
