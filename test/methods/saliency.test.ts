import { describe, expect, it } from 'vitest';
import { saliency } from '../../src/methods/saliency.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, inputsOf, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 5, 3];
const size = 60;
const t = transformOf(shape);
const W = [fixedRandom(size, 1), fixedRandom(size, 2), fixedRandom(size, 3)];

describe('saliency', () => {
  it('on a linear model is |W_target| (abs: true, the default) and W_target with abs: false', async () => {
    const x = inputsOf(t, 3);
    const targets = Int32Array.from([2, 0, 1]);
    const model = linear(shape, W, [0.1, -0.2, 0.3]);
    const abs = await saliency.attribute(model, batchOf(x, 3), targets, saliency.defaults, ctxOf(t));
    const signed = await saliency.attribute(model, batchOf(x, 3), targets, { abs: false }, ctxOf(t));
    expect(abs.shape).toEqual([3, 4, 5, 3]);
    expect(abs.outputDelta).toBeUndefined();
    for (let i = 0; i < 3; i++)
      for (let p = 0; p < size; p++) {
        expect(abs.values[i * size + p]).toBe(Math.abs(W[targets[i]][p]));
        expect(signed.values[i * size + p]).toBe(W[targets[i]][p]);
      }
  });

  it('gives the same numbers for any maxBatch, and never sends more than maxBatch inputs', async () => {
    const x = inputsOf(t, 5);
    const targets = Int32Array.from([0, 1, 0, 1, 1]);
    const net = tanhNet(
      shape,
      [fixedRandom(size, 4), fixedRandom(size, 5)],
      [0.1, -0.3],
      [
        [1, -2],
        [0.5, 1],
      ],
    );
    const small = recordingCalls(net);
    const a = await saliency.attribute(small.model, batchOf(x, 5), targets, { abs: false }, ctxOf(t, 2));
    const b = await saliency.attribute(net, batchOf(x, 5), targets, { abs: false }, ctxOf(t, 1000));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(small.calls).toEqual([2, 2, 1]);
  });

  it('stops when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const x = inputsOf(t, 2);
    await expect(
      saliency.attribute(
        linear(shape, W),
        batchOf(x, 2),
        Int32Array.from([0, 1]),
        saliency.defaults,
        ctxOf(t, 1, ac.signal),
      ),
    ).rejects.toThrow(/abort/i);
  });
});
