import { describe, expect, it } from 'vitest';
import { gradCamPlusPlus } from '../../src/methods/grad-cam++.js';
import { camCase, finish } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff } from './_fixtures.js';

describe('grad-cam++', () => {
  it('behind a GAP + Dense head (constant gradient g_q = D[t][q]/cells) has w_q = cells g^3/(2g^2 + S_q g^3 + 1e-6) for g > 0', async () => {
    const { p, model, x, n, targets, act, t, cells, K } = await camCase();
    const a = await gradCamPlusPlus.attribute(
      model,
      batchOf(x, n),
      targets,
      gradCamPlusPlus.defaults,
      ctxOf(t),
    );
    expect(a.shape).toEqual([n, 4, 4, 1]);
    const maps: number[][] = [];
    for (let i = 0; i < n; i++) {
      const A = (cell: number, q: number) => act[(i * cells + cell) * K + q];
      const w = [0, 1, 2].map((q) => {
        const g = p.D[targets[i]][q] / cells;
        const S = [0, 1, 2, 3].reduce((s, cell) => s + A(cell, q), 0);
        return g > 0 ? (cells * g ** 3) / (2 * g ** 2 + S * g ** 3 + 1e-6) : 0;
      });
      expect(w.filter((v) => v === 0).length).toBeGreaterThan(0); // negative gradients are dropped
      maps.push([0, 1, 2, 3].map((cell) => w.reduce((s, wq, q) => s + wq * A(cell, q), 0)));
    }
    expect(maxAbsDiff(a.values, finish(maps))).toBeLessThan(1e-6);
  });
});
