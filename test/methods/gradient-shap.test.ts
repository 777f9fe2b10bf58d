import { describe, expect, it } from 'vitest';
import { targetLogits } from '../../src/core/tensor.js';
import { constantInput } from '../../src/data/input.js';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { gradientShap } from '../../src/methods/gradient-shap.js';
import { fixedRandom, linear, recordingCalls } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, curvedNet, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 4, 3];
const size = 48;
const t = transformOf(shape);
const W = [fixedRandom(size, 11), fixedRandom(size, 12)];
const net = () => curvedNet(shape);

describe('gradient-shap', () => {
  it('on a linear model with one baseline is exactly (x - b) * W_target (the gradient is constant)', async () => {
    const x = inputsOf(t, 2);
    const targets = Int32Array.from([1, 0]);
    for (const baseline of ['black', 'white', 'zeros', 0.3] as const) {
      const a = await gradientShap.attribute(
        linear(shape, W, [0.5, -1]),
        batchOf(x, 2),
        targets,
        { samples: 3, stdev: 0, baseline },
        ctxOf(t),
      );
      expect(a.shape).toEqual([2, 4, 4, 3]);
      expect(a.outputDelta).toBeUndefined();
      const b = baselineInput(t, baseline);
      for (let i = 0; i < 2; i++)
        for (let p = 0; p < size; p++)
          expect(a.values[i * size + p]).toBeCloseTo((x[i * size + p] - b[p]) * W[targets[i]][p], 6);
    }
  });

  it("on a linear model averages over the baseline distribution: 'uniform' -> (x - mid-grey) * W, 'dataset' -> (x - mean reference) * W", async () => {
    const x = inputsOf(t, 1);
    const run = (baseline: 'uniform' | 'dataset', samples: number, ctx = ctxOf(t)) =>
      gradientShap.attribute(
        linear(shape, W),
        batchOf(x, 1),
        Int32Array.from([0]),
        { samples, stdev: 0, baseline },
        ctx,
      );
    const grey = constantInput(t, 0.5);
    const u = await run('uniform', 4000);
    for (let p = 0; p < size; p++) {
      // One uniform value has stdev (1/sqrt(12)) / std_c; 5 standard errors of the mean of 4000.
      const tol = (5 * Math.abs(W[0][p]) * (1 / Math.sqrt(12) / t.std[p % 3])) / Math.sqrt(4000);
      expect(Math.abs(u.values[p] - (x[p] - grey[p]) * W[0][p])).toBeLessThan(tol);
    }
    // A single reference input: exact.
    const ref = inputsOf(t, 1, 31);
    const one = await run('dataset', 5, { ...ctxOf(t), baselines: { x: ref, n: 1 } });
    for (let p = 0; p < size; p++) expect(one.values[p]).toBeCloseTo((x[p] - ref[p]) * W[0][p], 6);
    // Two: the draws pick each about half the time.
    const two = inputsOf(t, 2, 32);
    const d = await run('dataset', 4000, { ...ctxOf(t), baselines: { x: two, n: 2 } });
    let err = 0;
    let scale = 0;
    for (let p = 0; p < size; p++) {
      err = Math.max(err, Math.abs(d.values[p] - (x[p] - (two[p] + two[size + p]) / 2) * W[0][p]));
      scale = Math.max(scale, Math.abs((two[p] - two[size + p]) * W[0][p]));
    }
    expect(err).toBeLessThan((5 * scale) / 2 / Math.sqrt(4000));
    const missing = await run('dataset', 5, { ...ctxOf(t), baselines: undefined }).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringMatching(/baseline: dataset/),
    });
  });

  it('with a random alpha per draw converges to Integrated Gradients: sums to F(x) - F(b) on a non-linear model', async () => {
    const x = inputsOf(t, 2, 9);
    const targets = Int32Array.from([0, 1]);
    const a = await gradientShap.attribute(
      net(),
      batchOf(x, 2),
      targets,
      { samples: 4000, stdev: 0, baseline: 'black' },
      ctxOf(t),
    );
    const b = baselineInput(t, 'black');
    const fx = targetLogits((await net().forward(x, 2)).logits, targets);
    const fb = (await net().forward(b, 1)).logits;
    for (let i = 0; i < 2; i++) {
      const delta = fx[i] - fb[targets[i]];
      const sum = a.values.subarray(i * size, (i + 1) * size).reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - delta) / Math.abs(delta)).toBeLessThan(0.03);
    }
  });

  it('is deterministic and keyed by sample id: maxBatch and batch composition do not matter', async () => {
    const x = inputsOf(t, 3, 5);
    const targets = Int32Array.from([0, 1, 1]);
    const opts = { samples: 4, stdev: 0.1, baseline: 'uniform' as const };
    const rec = recordingCalls(net());
    const a = await gradientShap.attribute(rec.model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
    expect(rec.calls).toEqual(Array(12).fill(1));
    const b = await gradientShap.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 1000));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const alone = await gradientShap.attribute(
      net(),
      { x: x.subarray(size, 2 * size), n: 1, ids: ['s1'] },
      targets.subarray(1, 2),
      opts,
      ctxOf(t, 3),
    );
    expect(Array.from(alone.values)).toEqual(Array.from(a.values.subarray(size, 2 * size)));
    const other = await gradientShap.attribute(net(), batchOf(x, 3), targets, opts, {
      ...ctxOf(t),
      unitId: 'other',
    });
    expect(maxAbsDiff(other.values, a.values)).toBeGreaterThan(1e-4);
  });
});
