import { describe, expect, it } from 'vitest';
import { inputXGradient } from '../../src/methods/input-x-gradient.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, inputsOf, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 5, 3];
const size = 60;
const t = transformOf(shape);
const W = [fixedRandom(size, 1), fixedRandom(size, 2), fixedRandom(size, 3)];

describe('input-x-gradient', () => {
  it('on a linear model is x * W_target (normalised input units), signed', async () => {
    const x = inputsOf(t, 3);
    const targets = Int32Array.from([2, 0, 1]);
    const a = await inputXGradient.attribute(
      linear(shape, W, [1, 2, 3]),
      batchOf(x, 3),
      targets,
      {},
      ctxOf(t),
    );
    expect(a.shape).toEqual([3, 4, 5, 3]);
    expect(a.outputDelta).toBeUndefined();
    for (let i = 0; i < 3; i++)
      for (let p = 0; p < size; p++)
        expect(a.values[i * size + p]).toBe(Math.fround(x[i * size + p] * W[targets[i]][p]));
  });

  it('gives the same numbers for any maxBatch', async () => {
    const x = inputsOf(t, 5);
    const targets = Int32Array.from([0, 1, 0, 1, 1]);
    const net = tanhNet(shape, [fixedRandom(size, 4)], [0.1], [[1], [-2]]);
    const rec = recordingCalls(net);
    const a = await inputXGradient.attribute(rec.model, batchOf(x, 5), targets, {}, ctxOf(t, 2));
    const b = await inputXGradient.attribute(net, batchOf(x, 5), targets, {}, ctxOf(t, 1000));
    expect(rec.calls).toEqual([2, 2, 1]);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });
});
