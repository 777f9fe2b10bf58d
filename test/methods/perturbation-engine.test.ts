import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetLogits } from '../../src/core/tensor.js';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

// The perturbation and sampling methods on the reference engine (tfjs-wasm)
// with the committed fixture CNN: they run, batch invariantly, and agree with
// the engine's own forward passes where the answer is known.
let model: Model;
const t = transformOf([16, 16, 3]);
const size = 16 * 16 * 3;
const targets = Int32Array.from([0, 2, 1]);
let x: Float32Array;

/** Small budgets: these check plumbing on a real graph, not convergence. */
const small: Record<string, Record<string, unknown>> = {
  'feature-ablation': { grid: [4, 4] },
  lime: { samples: 40, segments: 12 },
  'kernel-shap': { samples: 40, segments: 12 },
  rise: { masks: 48 },
};

beforeAll(async () => {
  model = await loadModel('fixtures/models/tiny-cnn');
  x = inputsOf(t, 3, 31);
});
afterAll(() => model?.dispose());

describe('perturbation and sampling methods on the tfjs-wasm engine (fixtures/models/tiny-cnn)', () => {
  for (const [id, o] of Object.entries(small)) {
    it(`${id}: finite maps of the input's shape, the same for maxBatch 1 and 1000`, async () => {
      const m = methods[id];
      const opts = { ...m.defaults, ...o };
      const a = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
      const b = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 1000));
      expect(a.shape).toEqual([3, 16, 16, 3]);
      for (const v of a.values) expect(Number.isFinite(v)).toBe(true);
      expect(
        maxAbsDiff(a.values, b.values) / Math.max(...Array.from(b.values, Math.abs), 1e-12),
      ).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(b.values, Math.abs))).toBeGreaterThan(0);
    });
  }

  it('feature-ablation and kernel-shap with one feature give F(x) - F(baseline) everywhere', async () => {
    const fx = targetLogits((await model.forward(x, 3)).logits, targets);
    const fb = (await model.forward(baselineInput(t, 'white'), 1)).logits;
    for (const id of ['feature-ablation', 'kernel-shap']) {
      const m = methods[id];
      const opts = { ...m.defaults, features: 'grid', grid: [1, 1], baseline: 'white' };
      const a = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 16));
      for (let i = 0; i < 3; i++)
        for (let p = 0; p < size; p += 37)
          expect(a.values[i * size + p], id).toBeCloseTo(fx[i] - fb[targets[i]], 4);
    }
  });

  it('kernel-shap with exact enumeration sums to F(x) - F(baseline) over the features', async () => {
    const m = methods['kernel-shap'];
    const opts = { ...m.defaults, features: 'grid', grid: [2, 3], baseline: 'black' };
    const a = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 64));
    const fx = targetLogits((await model.forward(x, 3)).logits, targets);
    const fb = (await model.forward(baselineInput(t, 'black'), 1)).logits;
    for (let i = 0; i < 3; i++) {
      // One value per cell: read each cell's top-left pixel (cells are 8 x 5/6 px).
      let sum = 0;
      for (const [y, xx] of [
        [0, 0],
        [0, 6],
        [0, 11],
        [8, 0],
        [8, 6],
        [8, 11],
      ])
        sum += a.values[i * size + (y * 16 + xx) * 3];
      expect(sum).toBeCloseTo(fx[i] - fb[targets[i]], 4);
    }
  });
});
