import { describe, expect, it } from 'vitest';
import { xgradCam } from '../../src/methods/xgrad-cam.js';
import { camCase, finish } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff } from './_fixtures.js';

describe('xgrad-cam', () => {
  it('behind a GAP + Dense head has w_q = g_q S_q / (S_q + 1e-7), i.e. the gradient itself', async () => {
    const { p, model, x, n, targets, act, t, cells, K } = await camCase();
    for (const relu of [true, false]) {
      const a = await xgradCam.attribute(model, batchOf(x, n), targets, { layer: 'act', relu }, ctxOf(t));
      const maps: number[][] = [];
      for (let i = 0; i < n; i++) {
        const A = (cell: number, q: number) => act[(i * cells + cell) * K + q];
        const w = [0, 1, 2].map((q) => {
          const S = [0, 1, 2, 3].reduce((s, cell) => s + A(cell, q), 0);
          return ((p.D[targets[i]][q] / cells) * S) / (S + 1e-7);
        });
        maps.push([0, 1, 2, 3].map((cell) => w.reduce((s, wq, q) => s + wq * A(cell, q), 0)));
      }
      expect(maxAbsDiff(a.values, finish(maps, relu))).toBeLessThan(1e-6);
    }
  });
});
