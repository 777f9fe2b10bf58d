import { describe, expect, it } from 'vitest';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { featureMasks, gridMask } from '../../src/methods/_core/features.js';
import { type KernelShapOptions, kernelShap } from '../../src/methods/kernel-shap.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { functionModel } from '../helpers/function-model.js';
import { blockyInputs, featureContributions, spreadMap } from './_features.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

// A game on M = 5 features: a [2, 5, 1] input cut into 5 columns (grid [1, 5]);
// the "player" j is column j, present = x, absent = 0 (baseline 'zeros').
const M = 5;
const gt = transformOf([2, M, 1]);
const cols = (x: Float32Array) => Array.from({ length: M }, (_, j) => x[j] + x[M + j]);
/** Interactions of every order: pairs, a triple, a saturating term. */
const game = (x: Float32Array) => {
  const s = cols(x);
  return [
    0.7 * s[0] -
      0.4 * s[1] +
      1.5 * s[0] * s[2] -
      0.8 * s[1] * s[3] * s[4] +
      Math.tanh(s[2] + s[4]) +
      0.2 * s[3],
    -s[0] + s[1] * s[2],
  ];
};
const gameModel = () => functionModel([2, M, 1], 2, game);

/** Exact Shapley values by enumeration: phi_j = sum_S |S|! (M-|S|-1)! / M! (v(S + j) - v(S)). */
function exactShapley(x: Float32Array, target: number): Float64Array {
  const v = (set: number) => {
    const xs = new Float32Array(2 * M);
    for (let j = 0; j < M; j++)
      if ((set >> j) & 1) {
        xs[j] = x[j];
        xs[M + j] = x[M + j];
      }
    return game(xs)[target];
  };
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Float64Array(M);
  for (let j = 0; j < M; j++)
    for (let set = 0; set < 2 ** M; set++) {
      if ((set >> j) & 1) continue;
      let size = 0;
      for (let q = 0; q < M; q++) size += (set >> q) & 1;
      phi[j] += ((fact(size) * fact(M - size - 1)) / fact(M)) * (v(set | (1 << j)) - v(set));
    }
  return phi;
}

const gameInputs = (n: number) => Float32Array.from(fixedRandom(n * 2 * M, 13), (v) => v + 0.5);
const gameOpts = (o: Partial<KernelShapOptions>): KernelShapOptions => ({
  ...kernelShap.defaults,
  features: 'grid',
  grid: [1, M],
  ...o,
});
const perFeature = (values: Float32Array, i: number) =>
  Float64Array.from({ length: M }, (_, j) => values[i * 2 * M + j]);

describe('kernel-shap', () => {
  it('enumerating all coalitions gives the exact Shapley values of a game with interactions', async () => {
    const x = gameInputs(3);
    const targets = Int32Array.from([0, 1, 0]);
    const a = await kernelShap.attribute(gameModel(), batchOf(x, 3), targets, gameOpts({}), ctxOf(gt));
    for (let i = 0; i < 3; i++) {
      const want = exactShapley(x.subarray(i * 2 * M), targets[i]);
      expect(maxAbsDiff(perFeature(a.values, i), want)).toBeLessThan(1e-5);
      // Both pixels of a column carry the column's value.
      for (let j = 0; j < M; j++) expect(a.values[i * 2 * M + M + j]).toBe(a.values[i * 2 * M + j]);
    }
  });

  it('converges to the exact Shapley values when sampling coalitions, and keeps sum(phi) = F(x) - F(b) exactly', async () => {
    const x = gameInputs(2);
    const targets = Int32Array.from([0, 1]);
    const err = async (samples: number, paired = true) => {
      const a = await kernelShap.attribute(
        gameModel(),
        batchOf(x, 2),
        targets,
        gameOpts({ exact_up_to: 0, samples, paired }),
        ctxOf(gt),
      );
      let worst = 0;
      for (let i = 0; i < 2; i++) {
        const want = exactShapley(x.subarray(i * 2 * M), targets[i]);
        const got = perFeature(a.values, i);
        const fx = game(x.subarray(i * 2 * M))[targets[i]];
        const fb = game(new Float32Array(2 * M))[targets[i]];
        expect(got.reduce((p, v) => p + v, 0)).toBeCloseTo(fx - fb, 5);
        worst = Math.max(worst, maxAbsDiff(got, want) / Math.max(...want.map(Math.abs)));
      }
      return worst;
    };
    // Error relative to the largest value (seed 1): paired 1.0% at 50 coalitions and 0.22% at 1000;
    // unpaired (Captum's sampler) 5.9% at 50 and 0.54% at 20000.
    const paired = [await err(50), await err(1000)];
    const unpaired = [await err(50, false), await err(20000, false)];
    expect(paired[1]).toBeLessThan(0.005);
    expect(paired[1]).toBeLessThan(paired[0]);
    expect(unpaired[1]).toBeLessThan(0.01);
    expect(paired[0]).toBeLessThan(unpaired[0]);
  });

  it('on a linear model recovers sum over each feature of W_t (x - b), exactly in both modes', async () => {
    const shape: [number, number, number] = [6, 8, 3];
    const t = transformOf(shape);
    const size = 6 * 8 * 3;
    const W = [fixedRandom(size, 81), fixedRandom(size, 82)];
    const model = linear(shape, W, [0.1, 0.2]);
    const x = inputsOf(t, 2, 4);
    const targets = Int32Array.from([1, 0]);
    for (const opts of [
      {
        ...kernelShap.defaults,
        features: 'grid' as const,
        grid: [2, 4] as [number, number],
        baseline: 'black' as const,
      },
      {
        ...kernelShap.defaults,
        features: 'grid' as const,
        grid: [3, 4] as [number, number],
        exact_up_to: 0,
        samples: 60,
      },
    ]) {
      const a = await kernelShap.attribute(model, batchOf(x, 2), targets, opts, ctxOf(t));
      const mask = gridMask(6, 8, opts.grid[0], opts.grid[1]);
      for (let i = 0; i < 2; i++) {
        const want = featureContributions(
          mask,
          x.subarray(i * size),
          baselineInput(t, opts.baseline),
          W[targets[i]],
          3,
        );
        expect(
          maxAbsDiff(a.values.subarray(i * size, (i + 1) * size), spreadMap(mask, want, 3)),
        ).toBeLessThan(1e-4);
      }
    }
    // SLIC superpixels (more than exact_up_to of them, so sampled).
    const xs = blockyInputs(t, 2);
    const opts = { ...kernelShap.defaults, segments: 12, samples: 80 };
    const masks = featureMasks(batchOf(xs, 2), ctxOf(t), opts);
    const a = await kernelShap.attribute(model, batchOf(xs, 2), targets, opts, ctxOf(t));
    for (let i = 0; i < 2; i++) {
      const want = featureContributions(
        masks[i],
        xs.subarray(i * size),
        baselineInput(t, 'zeros'),
        W[targets[i]],
        3,
      );
      expect(
        maxAbsDiff(a.values.subarray(i * size, (i + 1) * size), spreadMap(masks[i], want, 3)),
      ).toBeLessThan(1e-4);
    }
  });

  it('is deterministic for a seed, differs across seeds, and does not depend on maxBatch', async () => {
    const shape: [number, number, number] = [6, 8, 3];
    const t = transformOf(shape);
    const size = 6 * 8 * 3;
    const net = () =>
      tanhNet(
        shape,
        [fixedRandom(size, 90), fixedRandom(size, 91)],
        [0.2, -0.1],
        [
          [1, -2],
          [0.5, 1],
        ],
      );
    const x = inputsOf(t, 3, 9);
    const targets = Int32Array.from([0, 1, 0]);
    const opts = {
      ...kernelShap.defaults,
      features: 'grid' as const,
      grid: [3, 4] as [number, number],
      exact_up_to: 0,
      samples: 40,
    };
    const rec = recordingCalls(net());
    const a = await kernelShap.attribute(rec.model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
    const b = await kernelShap.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 1000));
    const again = await kernelShap.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 7));
    expect(Buffer.from(a.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    expect(Buffer.from(again.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    // 40 sampled coalitions plus the full and the empty one, per sample, one at a time.
    expect(rec.calls).toEqual(new Array(3 * 42).fill(1));
    const other = await kernelShap.attribute(net(), batchOf(x, 3), targets, opts, { ...ctxOf(t), seed: 2 });
    expect(maxAbsDiff(other.values, b.values)).toBeGreaterThan(0);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      kernelShap.attribute(
        gameModel(),
        batchOf(gameInputs(1), 1),
        Int32Array.from([0]),
        gameOpts({}),
        ctxOf(gt, 4, ac.signal),
      ),
    ).rejects.toThrow(/abort/i);
  });
});
