import { describe, expect, it } from 'vitest';
import { targetLogits } from '../../src/core/tensor.js';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, ctxOf, inputsOf, transformOf } from './_fixtures.js';
import { batchingInvariant, irModel, runsOnEveryFixture, setWeights } from './_propagation.js';

const dl = methods.deeplift;
const ig = methods['integrated-gradients'];

/** y = relu(h1 + h2 - 1) with h1 = relu(x1), h2 = relu(x2 - 1): the net where rescale and IG part ways. */
function kinkNet(): Promise<Model> {
  return irModel((b) => {
    const d1 = b.dense('d1', b.input([2]), 2);
    setWeights(d1, [1, 0, 0, 1], [0, -1]);
    const d2 = b.dense('d2', b.unary('r1', 'relu', d1), 1);
    setWeights(d2, [1, 1], [-1]);
    return b.unary('r2', 'relu', d2);
  });
}

describe('deeplift', () => {
  it('differs from IG on a ReLU net exactly as derived by hand', async () => {
    // x = (2, 2), baseline 0, F(x) = relu(2 + 1 - 1) = 2, F(0) = 0.
    // DeepLIFT rescale: h1 multiplier (2 - 0) / (2 - 0) = 1, h2's (1 - 0) / (1 - (-1)) = 1/2, the output
    // relu's (2 - 0) / (2 - (-1)) = 2/3, so a = (2 * 2/3 * 1, 2 * 2/3 * 1/2) = (4/3, 2/3).
    // IG: on the path a(2, 2) the output is on for a > 1/2 and h2 for a > 1/2 too, so
    // IG = (2 * 1/2, 2 * 1/2) = (1, 1). Both sum to 2.
    const model = await kinkNet();
    try {
      const t = {
        range: [0, 1] as [number, number],
        mean: [0, 0],
        std: [1, 1],
        shape: [1, 1, 2] as [number, number, number],
      };
      const batch = batchOf(Float32Array.of(2, 2), 1);
      const a = await dl.attribute(model, batch, Int32Array.of(1), { baseline: 'zeros' }, ctxOf(t));
      expect(a.values[0]).toBeCloseTo(4 / 3, 6);
      expect(a.values[1]).toBeCloseTo(2 / 3, 6);
      expect(a.outputDelta![0]).toBeCloseTo(2, 6);
      const b = await ig.attribute(
        model,
        batch,
        Int32Array.of(1),
        { ...ig.defaults, steps: 64, rule: 'riemann_middle' },
        ctxOf(t),
      );
      expect(b.values[0]).toBeCloseTo(1, 6);
      expect(b.values[1]).toBeCloseTo(1, 6);
    } finally {
      model.dispose();
    }
  });

  it('equals integrated gradients, (x - b) W, on a linear model (tiny-linear)', async () => {
    const model = await loadModel('fixtures/models/tiny-linear');
    try {
      const t = transformOf(model.info.inputShape);
      const x = inputsOf(t, 2, 9);
      const targets = Int32Array.of(0, 1);
      const a = await dl.attribute(model, batchOf(x, 2), targets, { baseline: 'black' }, ctxOf(t));
      const b = await ig.attribute(
        model,
        batchOf(x, 2),
        targets,
        { ...ig.defaults, baseline: 'black' },
        ctxOf(t),
      );
      const scale = Math.max(...Array.from(b.values, Math.abs));
      for (let j = 0; j < a.values.length; j++)
        expect(Math.abs(a.values[j] - b.values[j])).toBeLessThan(1e-5 * scale);
    } finally {
      model.dispose();
    }
  });

  it('outputDelta is F(x) - F(b) of a forward pass, for each baseline (tiny-cnn)', async () => {
    const model = await loadModel('fixtures/models/tiny-cnn');
    try {
      const t = transformOf(model.info.inputShape);
      const x = inputsOf(t, 3, 4);
      const targets = Int32Array.of(0, 1, 2);
      const fx = targetLogits((await model.forward(x, 3)).logits, targets);
      for (const baseline of ['zeros', 'black', 'white', 0.25] as const) {
        const a = await dl.attribute(model, batchOf(x, 3), targets, { baseline }, ctxOf(t));
        const fb = (await model.forward(baselineInput(t, baseline), 1)).logits;
        for (let i = 0; i < 3; i++) expect(a.outputDelta![i]).toBeCloseTo(fx[i] - fb[targets[i]], 5);
      }
    } finally {
      model.dispose();
    }
  });

  batchingInvariant('deeplift', { baseline: 'black' });
});

// Completeness (sum = F(x) - F(b) within 1e-3) on every fixture, for two baselines.
runsOnEveryFixture('deeplift');
runsOnEveryFixture('deeplift', { baseline: 'white' });
