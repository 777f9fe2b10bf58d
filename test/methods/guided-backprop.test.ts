import { describe, expect, it } from 'vitest';
import { methods } from '../../src/methods/registry.js';
import { linear } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, transformOf } from './_fixtures.js';
import { batchingInvariant, handNet, runsOnEveryFixture } from './_propagation.js';

const gb = methods['guided-backprop'];
const t = transformOf([1, 1, 2]);

describe('guided-backprop', () => {
  it('equals the hand-computed case: only positive gradients through active relus', async () => {
    // h = relu(x W1), y = h W2 with W1 = [[1, -1, -1], [2, 1, -1]], W2 = [1, -2, 1]. At x = (1, 2),
    // z = (5, 1, -3) and dy/dh = (1, -2, 1): guided keeps unit 1 only, so the map is W1[:, 0] = (1, 2)
    // where the gradient is (3, 0).
    const model = await handNet();
    try {
      const a = await gb.attribute(model, batchOf(Float32Array.of(1, 2), 1), Int32Array.of(1), {}, ctxOf(t));
      expect([...a.values]).toEqual([1, 2]);
      expect(a.shape).toEqual([1, 1, 1, 2]);
    } finally {
      model.dispose();
    }
  });

  it('is the plain gradient on a model without relus', async () => {
    const w = [Float32Array.of(0.5, -2), Float32Array.of(3, 1)];
    const a = await gb.attribute(
      linear([1, 1, 2], w),
      batchOf(Float32Array.of(1, 1), 1),
      Int32Array.of(1),
      {},
      ctxOf(t),
    );
    expect([...a.values]).toEqual([3, 1]);
  });

  batchingInvariant('guided-backprop');
});

runsOnEveryFixture('guided-backprop');
