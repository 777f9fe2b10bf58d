import { describe, expect, it } from 'vitest';
import { saliency } from '../../src/methods/saliency.js';
import { smoothgrad } from '../../src/methods/smoothgrad.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { echoModel } from '../helpers/echo-model.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 4, 3];
const size = 48;
const t = transformOf(shape);
const net = () =>
  tanhNet(
    shape,
    [fixedRandom(size, 4), fixedRandom(size, 5)],
    [0.1, -0.3],
    [
      [1, -2],
      [0.5, 1],
    ],
  );

describe('smoothgrad', () => {
  it('with stdev 0 is saliency, its square (smoothgrad_sq) and 0 (vargrad), signed or abs', async () => {
    const x = inputsOf(t, 2);
    const targets = Int32Array.from([1, 0]);
    for (const abs of [true, false]) {
      const sal = await saliency.attribute(net(), batchOf(x, 2), targets, { abs }, ctxOf(t));
      const run = (type: 'smoothgrad' | 'smoothgrad_sq' | 'vargrad') =>
        smoothgrad.attribute(net(), batchOf(x, 2), targets, { samples: 7, stdev: 0, type, abs }, ctxOf(t));
      const sg = await run('smoothgrad');
      expect(sg.shape).toEqual([2, 4, 4, 3]);
      expect(maxAbsDiff(sg.values, sal.values)).toBeLessThan(1e-7);
      expect(
        maxAbsDiff(
          (await run('smoothgrad_sq')).values,
          sal.values.map((v) => v * v),
        ),
      ).toBeLessThan(1e-7);
      for (const v of (await run('vargrad')).values) expect(Math.abs(v)).toBeLessThan(1e-12);
    }
  });

  it('on a linear model (constant gradient) is |W| whatever the noise, with zero variance', async () => {
    const W = [fixedRandom(size, 1), fixedRandom(size, 2)];
    const x = inputsOf(t, 2);
    const targets = Int32Array.from([0, 1]);
    const a = await smoothgrad.attribute(
      linear(shape, W),
      batchOf(x, 2),
      targets,
      smoothgrad.defaults,
      ctxOf(t),
    );
    const v = await smoothgrad.attribute(
      linear(shape, W),
      batchOf(x, 2),
      targets,
      { ...smoothgrad.defaults, type: 'vargrad' },
      ctxOf(t),
    );
    for (let i = 0; i < 2; i++)
      for (let p = 0; p < size; p++) {
        expect(a.values[i * size + p]).toBeCloseTo(Math.abs(W[targets[i]][p]), 6);
        expect(v.values[i * size + p]).toBeCloseTo(0, 6);
      }
  });

  it('adds N(0, (stdev * range / std_c)^2) noise in normalised units (seen through an echo model)', async () => {
    const x = inputsOf(t, 1);
    const opts = { samples: 4000, stdev: 0.1, type: 'smoothgrad' as const, abs: false };
    const mean = await smoothgrad.attribute(
      echoModel(shape),
      batchOf(x, 1),
      Int32Array.from([1]),
      opts,
      ctxOf(t),
    );
    const vg = await smoothgrad.attribute(
      echoModel(shape),
      batchOf(x, 1),
      Int32Array.from([1]),
      { ...opts, type: 'vargrad' },
      ctxOf(t),
    );
    for (let ch = 0; ch < 3; ch++) {
      const sigma = 0.1 / t.std[ch];
      let varSum = 0;
      for (let p = ch; p < size; p += 3) {
        // The mean of 4000 draws is within 5 standard errors of x.
        expect(Math.abs(mean.values[p] - x[p])).toBeLessThan((5 * sigma) / Math.sqrt(4000));
        varSum += vg.values[p];
      }
      expect(varSum / 16 / sigma ** 2).toBeCloseTo(1, 1);
    }
  });

  it('is deterministic, keyed by sample id: maxBatch, batch composition and order do not matter', async () => {
    const x = inputsOf(t, 3, 9);
    const targets = Int32Array.from([0, 1, 1]);
    const opts = { ...smoothgrad.defaults, stdev: 0.2, abs: false };
    const rec = recordingCalls(net());
    const a = await smoothgrad.attribute(rec.model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
    expect(Math.max(...rec.calls)).toBe(1);
    expect(rec.calls.length).toBe(15);
    const b = await smoothgrad.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 1000));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    // Sample s2 alone (a shard) gets the same noise as inside the batch.
    const alone = await smoothgrad.attribute(
      net(),
      { x: x.subarray(2 * size), n: 1, ids: ['s2'] },
      targets.subarray(2),
      opts,
      ctxOf(t),
    );
    expect(Array.from(alone.values)).toEqual(Array.from(a.values.subarray(2 * size)));
    const other = await smoothgrad.attribute(net(), batchOf(x, 3), targets, opts, { ...ctxOf(t), seed: 2 });
    expect(maxAbsDiff(other.values, a.values)).toBeGreaterThan(1e-4);
  });
});
