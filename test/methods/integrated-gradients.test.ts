import { describe, expect, it } from 'vitest';
import { type BaselineSpec, baselineInput } from '../../src/methods/_core/baselines.js';
import { QUADRATURE_RULES, type QuadratureRule } from '../../src/methods/_core/quadrature.js';
import { integratedGradients as ig } from '../../src/methods/integrated-gradients.js';
import type { Model } from '../../src/models/model.js';
import { fixedRandom, linear, recordingCalls } from '../helpers/analytic-models.js';
import { batchOf, completenessError, ctxOf, curvedNet, inputsOf, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 4, 3];
const size = 48;
const t = transformOf(shape);
const W = [fixedRandom(size, 11), fixedRandom(size, 12)];
const BASELINES: BaselineSpec[] = ['zeros', 'black', 'white', 0.5];

const net = () => curvedNet(shape);

async function run(
  model: Model,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  opts: Partial<typeof ig.defaults>,
  maxBatch = 1000,
) {
  return ig.attribute(model, batchOf(x, n), targets, { ...ig.defaults, ...opts }, ctxOf(t, maxBatch));
}

describe('integrated-gradients', () => {
  it('on a linear model is (x - b) * W_target for every rule and baseline, and complete', async () => {
    const x = inputsOf(t, 2);
    const targets = Int32Array.from([1, 0]);
    const model = linear(shape, W, [0.3, -0.7]);
    for (const rule of QUADRATURE_RULES) {
      for (const baseline of BASELINES) {
        const a = await run(model, x, 2, targets, { rule, baseline, steps: 7 });
        const b = baselineInput(t, baseline);
        // Captum's riemann_trapezoid weights sum to (n - 1)/n: its IG of a linear model is scaled by that.
        const scale = rule === 'riemann_trapezoid' ? 6 / 7 : 1;
        expect(a.shape).toEqual([2, 4, 4, 3]);
        for (let i = 0; i < 2; i++) {
          let delta = 0;
          for (let p = 0; p < size; p++) {
            const want = (x[i * size + p] - b[p]) * W[targets[i]][p];
            delta += want;
            expect(a.values[i * size + p]).toBeCloseTo(scale * want, 5);
          }
          expect(a.outputDelta?.[i]).toBeCloseTo(delta, 4);
          const err = completenessError(a.values.subarray(i * size, (i + 1) * size), a.outputDelta![i]);
          expect(err, `${rule} ${baseline}`).toBeLessThan(rule === 'riemann_trapezoid' ? 1 / 7 + 1e-5 : 1e-5);
          if (rule === 'riemann_trapezoid') expect(err).toBeGreaterThan(1 / 7 - 1e-5);
        }
      }
    }
  });

  it('converges on a non-linear model: completeness error falls with steps; Gauss-Legendre at 64 < 1e-3', async () => {
    const x = inputsOf(t, 2, 9);
    const targets = Int32Array.from([0, 1]);
    const model = net();
    const errors = async (rule: QuadratureRule, steps: number) => {
      const a = await run(model, x, 2, targets, { rule, steps, baseline: 'black' });
      return [0, 1].map((i) =>
        completenessError(a.values.subarray(i * size, (i + 1) * size), a.outputDelta![i]),
      );
    };
    for (const rule of ['riemann_trapezoid', 'trapezoid'] as const) {
      const [e4, e16, e64] = [await errors(rule, 4), await errors(rule, 16), await errors(rule, 64)];
      for (let i = 0; i < 2; i++) {
        expect(e16[i], `${rule} 16 vs 4`).toBeLessThan(e4[i]);
        expect(e64[i], `${rule} 64 vs 16`).toBeLessThan(e16[i]);
      }
    }
    // Left/right sums are first order (16x the steps: ~16x less error), the midpoint rule second
    // order (~256x); at very few steps their errors can cross zero, so compare well-resolved grids.
    for (const rule of ['riemann_left', 'riemann_right', 'riemann_middle'] as const) {
      const [e64, e1024] = [await errors(rule, 64), await errors(rule, 1024)];
      const factor = rule === 'riemann_middle' ? 100 : 8;
      for (let i = 0; i < 2; i++) expect(e1024[i], rule).toBeLessThan(e64[i] / factor);
    }
    // The textbook trapezoid is second order: a 4x finer grid cuts the error by ~16x.
    const [t16, t64] = [await errors('trapezoid', 16), await errors('trapezoid', 64)];
    for (let i = 0; i < 2; i++) expect(t64[i]).toBeLessThan(t16[i] / 8);
    for (const e of await errors('gausslegendre', 64)) expect(e).toBeLessThan(1e-3);
    for (const e of await errors('gausslegendre', 16)) expect(e).toBeLessThan(1e-3);
  });

  it("riemann_trapezoid (Captum's) and trapezoid (textbook) differ, by about 1/n on a linear model", async () => {
    const x = inputsOf(t, 1);
    const model = linear(shape, W);
    const a = await run(model, x, 1, Int32Array.from([0]), { rule: 'riemann_trapezoid', steps: 32 });
    const b = await run(model, x, 1, Int32Array.from([0]), { rule: 'trapezoid', steps: 32 });
    for (let p = 0; p < size; p++) expect(a.values[p]).toBeCloseTo((b.values[p] * 31) / 32, 6);
    const n = net();
    const c = await run(n, x, 1, Int32Array.from([0]), { rule: 'riemann_trapezoid', steps: 32 });
    const d = await run(n, x, 1, Int32Array.from([0]), { rule: 'trapezoid', steps: 32 });
    const sc = c.values.reduce((s, v) => s + v, 0);
    const sd = d.values.reduce((s, v) => s + v, 0);
    expect(Math.abs(sc - sd) / Math.abs(sd)).toBeGreaterThan(0.01);
  });

  it('batches steps x n points under maxBatch with identical results', async () => {
    const x = inputsOf(t, 3, 5);
    const targets = Int32Array.from([0, 1, 1]);
    const rec = recordingCalls(net());
    const a = await run(rec.model, x, 3, targets, { steps: 5 }, 1);
    const b = await run(net(), x, 3, targets, { steps: 5 }, 1000);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.outputDelta!)).toEqual(Array.from(b.outputDelta!));
    expect(Math.max(...rec.calls)).toBe(1);
    expect(rec.calls.length).toBe(15 + 4); // 15 gradient points, then x (3) and the baseline
    const rec4 = recordingCalls(net());
    await run(rec4.model, x, 3, targets, { steps: 5 }, 4);
    expect(rec4.calls).toEqual([4, 4, 4, 3, 4]);
  });

  it('stops between batches when aborted', async () => {
    const ac = new AbortController();
    const inner = net();
    let calls = 0;
    const model: Model = {
      ...inner,
      info: inner.info,
      engine: inner.engine,
      forward: (x, n, c) => inner.forward(x, n, c),
      async gradient(req) {
        if (++calls === 2) ac.abort();
        return inner.gradient(req);
      },
    };
    const x = inputsOf(t, 2);
    await expect(
      ig.attribute(model, batchOf(x, 2), Int32Array.from([0, 1]), ig.defaults, ctxOf(t, 1, ac.signal)),
    ).rejects.toThrow(/abort/i);
    expect(calls).toBe(2);
  });
});
