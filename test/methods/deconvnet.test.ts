import { describe, expect, it } from 'vitest';
import { methods } from '../../src/methods/registry.js';
import { batchOf, ctxOf, transformOf } from './_fixtures.js';
import { batchingInvariant, handNet, runsOnEveryFixture } from './_propagation.js';

const deconv = methods.deconvnet;

describe('deconvnet', () => {
  it('equals the hand-computed case: relu of the gradient, whatever the relu input', async () => {
    // h = relu(x W1), y = h W2 with W1 = [[1, -1, -1], [2, 1, -1]], W2 = [1, -2, 1]. At x = (1, 2)
    // dy/dh = (1, -2, 1); deconvnet passes relu(1, -2, 1) = (1, 0, 1) though unit 3 is off (z = -3):
    // W1 (1, 0, 1) = (0, 1). Guided backprop gives (1, 2), the gradient (3, 0).
    const model = await handNet();
    try {
      const t = transformOf([1, 1, 2]);
      const a = await deconv.attribute(
        model,
        batchOf(Float32Array.of(1, 2), 1),
        Int32Array.of(1),
        {},
        ctxOf(t),
      );
      expect([...a.values].map((v) => v + 0)).toEqual([0, 1]);
    } finally {
      model.dispose();
    }
  });

  batchingInvariant('deconvnet');
});

runsOnEveryFixture('deconvnet');
