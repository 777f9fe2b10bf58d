import { describe, expect, it } from 'vitest';
import { rngFor } from '../../src/core/rng.js';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { composite, gridMask } from '../../src/methods/_core/features.js';
import { type LimeOptions, lime } from '../../src/methods/lime.js';
import { methods } from '../../src/methods/registry.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { functionModel } from '../helpers/function-model.js';
import { featureContributions, spreadMap } from './_features.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [6, 8, 3];
const size = 6 * 8 * 3;
const t = transformOf(shape);
const net = () =>
  tanhNet(
    shape,
    [fixedRandom(size, 70), fixedRandom(size, 71)],
    [0.3, -0.2],
    [
      [1.5, -1],
      [0.5, 2],
    ],
  );
const gridOpts = (o: Partial<LimeOptions>): LimeOptions => ({ ...lime.defaults, features: 'grid', ...o });

/** Gaussian elimination with partial pivoting (the test's own solver, independent of the method's Cholesky). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[piv][col])) piv = r;
    [M[col], M[piv]] = [M[piv], M[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[r][col] / M[col][col];
      for (let c = col; c <= n; c++) M[r][c] -= f * M[col][c];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

describe('lime', () => {
  it('on a linear model recovers sum over each grid cell of W_t (x - b) (ridge shrinkage below 1e-3)', async () => {
    const W = [fixedRandom(size, 72), fixedRandom(size, 73)];
    const model = linear(shape, W, [0.4, -0.1]);
    const x = inputsOf(t, 2, 6);
    const targets = Int32Array.from([0, 1]);
    const mask = gridMask(6, 8, 3, 4);
    for (const [alpha, tol] of [
      [0, 1e-5],
      [0.01, 1e-3],
    ]) {
      const opts = gridOpts({ grid: [3, 4], samples: 500, alpha, baseline: 'white' });
      const a = await lime.attribute(model, batchOf(x, 2), targets, opts, ctxOf(t));
      for (let i = 0; i < 2; i++) {
        const want = featureContributions(
          mask,
          x.subarray(i * size),
          baselineInput(t, 'white'),
          W[targets[i]],
          3,
        );
        const scale = Math.max(...want.map(Math.abs));
        expect(
          maxAbsDiff(a.values.subarray(i * size, (i + 1) * size), spreadMap(mask, want, 3)) / scale,
        ).toBeLessThan(tol);
      }
    }
  });

  it('equals a plain reimplementation: Bernoulli(0.5) patterns from the RNG, cosine kernel, weighted ridge with intercept', async () => {
    const x = inputsOf(t, 2, 11);
    const targets = Int32Array.from([1, 0]);
    const opts = gridOpts({ grid: [2, 2], samples: 30, kernel_width: 0.5, alpha: 0.3, baseline: 'black' });
    const ctx = ctxOf(t);
    const a = await lime.attribute(net(), batchOf(x, 2), targets, opts, ctx);
    const mask = gridMask(6, 8, 2, 2);
    const b = baselineInput(t, 'black');
    for (let i = 0; i < 2; i++) {
      const xi = x.subarray(i * size, (i + 1) * size);
      const rng = rngFor(ctx.seed, ctx.unitId, `s${i}`);
      // Normal equations of sum_k w_k (y_k - b0 - z_k phi)^2 + alpha |phi|^2 over [b0, phi].
      const A = Array.from({ length: 5 }, () => new Array(5).fill(0));
      const rhs = new Array(5).fill(0);
      for (let r = 0; r < 30; r++) {
        const z = Uint8Array.from({ length: 4 }, (_, f) => (rng.at(r * 4 + f) < 0.5 ? 1 : 0));
        const pert = new Float32Array(size);
        composite(xi, b, mask, z, 3, pert);
        const y = (await net().forward(pert, 1)).logits[targets[i]];
        let dot = 0;
        let nx = 0;
        let np = 0;
        for (let q = 0; q < size; q++) {
          dot += xi[q] * pert[q];
          nx += xi[q] * xi[q];
          np += pert[q] * pert[q];
        }
        const d = 1 - dot / Math.sqrt(nx * np);
        const w = Math.exp(-(d * d) / (2 * 0.5 ** 2));
        const row = [1, ...z];
        for (let p = 0; p < 5; p++) {
          rhs[p] += w * row[p] * y;
          for (let q = 0; q < 5; q++) A[p][q] += w * row[p] * row[q];
        }
      }
      for (let p = 1; p < 5; p++) A[p][p] += 0.3;
      const coef = solve(A, rhs).slice(1);
      const got = a.values.subarray(i * size, (i + 1) * size);
      expect(maxAbsDiff(got, spreadMap(mask, coef, 3)) / Math.max(...coef.map(Math.abs))).toBeLessThan(1e-4);
    }
  });

  it('is deterministic for a seed, differs across seeds, and does not depend on maxBatch', async () => {
    const x = inputsOf(t, 3, 12);
    const targets = Int32Array.from([0, 1, 1]);
    const opts = gridOpts({ grid: [3, 3], samples: 25 });
    const rec = recordingCalls(net());
    const a = await lime.attribute(rec.model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
    const b = await lime.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 1000));
    const again = await lime.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 4));
    expect(Buffer.from(a.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    expect(Buffer.from(again.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    expect(rec.calls).toEqual(new Array(3 * 25).fill(1));
    const other = await lime.attribute(net(), batchOf(x, 3), targets, opts, { ...ctxOf(t), seed: 5 });
    expect(maxAbsDiff(other.values, b.values)).toBeGreaterThan(0);
  });

  it('refuses more features than a surrogate fit can take (lime and kernel-shap)', async () => {
    const big = transformOf([40, 40, 1]);
    const model = functionModel([40, 40, 1], 2, () => [0, 0]);
    for (const m of [methods.lime, methods['kernel-shap']]) {
      const run = m.attribute(
        model,
        batchOf(inputsOf(big, 1), 1),
        Int32Array.from([0]),
        { ...m.defaults, features: 'grid', grid: [40, 40] },
        ctxOf(big),
      );
      await expect(run).rejects.toMatchObject({
        code: 'SPEC_INVALID',
        message: /1600 features are more than/,
      });
    }
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      lime.attribute(
        net(),
        batchOf(inputsOf(t, 1), 1),
        Int32Array.from([0]),
        gridOpts({}),
        ctxOf(t, 4, ac.signal),
      ),
    ).rejects.toThrow(/abort/i);
  });
});
