import { describe, expect, it } from 'vitest';
import { targetLogits } from '../../src/core/tensor.js';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { methods } from '../../src/methods/registry.js';
import type { RunContext } from '../../src/methods/types.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';
import { batchingInvariant, runsOnEveryFixture } from './_propagation.js';

const ds = methods['deep-shap'];
const dl = methods.deeplift;

describe('deep-shap', () => {
  let model: Model;
  const setup = async () => {
    model ??= await loadModel('fixtures/models/tiny-cnn');
    const t = transformOf(model.info.inputShape);
    return { t, x: inputsOf(t, 2, 8), targets: Int32Array.of(2, 0) };
  };

  it("'black-white' is the mean of DeepLIFT against black and against white", async () => {
    const { t, x, targets } = await setup();
    const a = await ds.attribute(
      model,
      batchOf(x, 2),
      targets,
      { baseline: 'black-white', samples: 10 },
      ctxOf(t),
    );
    const b = await dl.attribute(model, batchOf(x, 2), targets, { baseline: 'black' }, ctxOf(t));
    const w = await dl.attribute(model, batchOf(x, 2), targets, { baseline: 'white' }, ctxOf(t));
    const want = b.values.map((v, j) => (v + w.values[j]) / 2);
    expect(maxAbsDiff(a.values, want)).toBeLessThan(1e-6 * Math.max(...Array.from(want, Math.abs)));
    for (let i = 0; i < 2; i++)
      expect(a.outputDelta![i]).toBeCloseTo((b.outputDelta![i] + w.outputDelta![i]) / 2, 5);
    // And F(x) - mean F(b) from forward passes.
    const fx = targetLogits((await model.forward(x, 2)).logits, targets);
    const fb = (await model.forward(baselineInput(t, 'black'), 1)).logits;
    const fw = (await model.forward(baselineInput(t, 'white'), 1)).logits;
    for (let i = 0; i < 2; i++) {
      expect(a.outputDelta![i]).toBeCloseTo(fx[i] - (fb[targets[i]] + fw[targets[i]]) / 2, 5);
    }
  });

  it("'uniform' baselines are keyed by seed, explanation id and sample id, not by batch position", async () => {
    const { t, x, targets } = await setup();
    const opts = { baseline: 'uniform', samples: 4 };
    const ctx = (unitId: string, seed = 1): RunContext => ({ ...ctxOf(t), unitId, seed });
    const a = await ds.attribute(model, batchOf(x, 2), targets, opts, ctx('u'));
    const again = await ds.attribute(model, batchOf(x, 2), targets, opts, ctx('u'));
    expect([...again.values]).toEqual([...a.values]);
    const other = await ds.attribute(model, batchOf(x, 2), targets, opts, ctx('v'));
    expect(maxAbsDiff(other.values, a.values)).toBeGreaterThan(0);
    const reseeded = await ds.attribute(model, batchOf(x, 2), targets, opts, ctx('u', 2));
    expect(maxAbsDiff(reseeded.values, a.values)).toBeGreaterThan(0);
    // Sample s1 alone, under its own id, gets the same baselines as inside the batch.
    const size = x.length / 2;
    const one = await ds.attribute(
      model,
      { x: x.subarray(size), n: 1, ids: ['s1'] },
      targets.subarray(1),
      opts,
      ctx('u'),
    );
    expect(maxAbsDiff(one.values, a.values.subarray(size))).toBeLessThan(1e-6);
  });

  it("'dataset' uses every reference input the runner supplies, and says so when there are none", async () => {
    const { t, x, targets } = await setup();
    const size = x.length / 2;
    const refs = inputsOf(t, 3, 44);
    const ctx: RunContext = { ...ctxOf(t), baselines: { x: refs, n: 3 } };
    expect(ds.usesDataBaselines?.({ baseline: 'dataset', samples: 10 })).toBe(true);
    expect(ds.usesDataBaselines?.({ baseline: 'uniform', samples: 10 })).toBe(false);
    const a = await ds.attribute(model, batchOf(x, 2), targets, { baseline: 'dataset', samples: 10 }, ctx);
    // The mean of DeepLIFT against each reference, one by one (a number baseline cannot express them).
    const want = new Float64Array(x.length);
    for (let q = 0; q < 3; q++) {
      const r = await model.gradient({
        x,
        n: 2,
        outputGrad: Float32Array.from({ length: 2 * model.info.outputs }, (_, j) =>
          j % model.info.outputs === targets[Math.floor(j / model.info.outputs)] ? 1 : 0,
        ),
        rules: 'deeplift',
        reference: Float32Array.from({ length: x.length }, (_, j) => refs[q * size + (j % size)]),
      });
      for (let j = 0; j < x.length; j++)
        want[j] += ((x[j] - refs[q * size + (j % size)]) * r.inputGrad[j]) / 3;
    }
    expect(maxAbsDiff(a.values, want)).toBeLessThan(1e-5 * Math.max(...Array.from(want, Math.abs)));
    await expect(
      ds.attribute(
        model,
        batchOf(x, 2),
        targets,
        { baseline: 'dataset', samples: 10 },
        { ...ctxOf(t), baselines: undefined },
      ),
    ).rejects.toMatchObject({ code: 'SPEC_INVALID' });
  });

  batchingInvariant('deep-shap', { samples: 3 });
});

runsOnEveryFixture('deep-shap', { samples: 3 });
runsOnEveryFixture('deep-shap', { baseline: 'black-white' });
runsOnEveryFixture('deep-shap', { baseline: 'dataset' });
