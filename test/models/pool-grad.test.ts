/** Max-pool backward: first maximum in row-major order gets the gradient; overlapping windows sum. */

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { describe, expect, it } from 'vitest';
import { avgPoolGrad, maxPoolGrad } from '../../src/models/engines/pool-grad.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import type { Padding, PoolAttrs } from '../../src/models/ir/graph.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { GraphBuilder } from './helpers/ir-build.js';

const one = { n: 1, h: 5, w: 5, c: 1 };
const pool3s2: PoolAttrs = { pool: [3, 3], strides: [2, 2], padding: 'valid' };

describe('maxPoolGrad', () => {
  it('sends a tied window to its first maximum in row-major order', () => {
    // All equal: every 3x3/2 window's first cell is its top-left corner.
    const dx = maxPoolGrad(new Float32Array(25), Float32Array.of(1, 2, 3, 4), one, pool3s2);
    const want = new Float32Array(25);
    want[0] = 1;
    want[2] = 2;
    want[10] = 3;
    want[12] = 4;
    expect([...dx]).toEqual([...want]);
  });

  it('prefers the earlier row over an earlier column in a later row', () => {
    const x = new Float32Array(25);
    x[1 * 5 + 0] = 5; // (1, 0)
    x[0 * 5 + 1] = 5; // (0, 1): first in row-major order
    const dx = maxPoolGrad(x, Float32Array.of(1, 0, 0, 0), one, pool3s2);
    expect(dx[1]).toBe(1);
    expect(dx[5]).toBe(0);
  });

  it('sums overlapping 3x3 stride-2 windows that share their maximum', () => {
    const x = new Float32Array(25);
    x[2 * 5 + 2] = 9; // the centre cell lies in all four windows
    const dx = maxPoolGrad(x, Float32Array.of(1, 2, 3, 4), one, pool3s2);
    expect(dx[12]).toBe(10);
    expect(dx.reduce((a, b) => a + b, 0)).toBe(10);
  });

  for (const [size, padding] of [
    [3, 'valid'],
    [3, 'same'],
    [2, 'valid'],
    [2, 'same'],
  ] as [number, Padding][]) {
    it(`matches tf.grad of maxPool on tie-heavy integer inputs (${size}x${size}/2, ${padding})`, async () => {
      await tf.setBackend('cpu');
      const dims = { n: 2, h: 9, w: 8, c: 3 };
      const x = seededUniform(5, 2 * 9 * 8 * 3, 0, 3).map(Math.floor); // values 0..2: many ties
      const a: PoolAttrs = { pool: [size, size], strides: [2, 2], padding };
      const ref = tf.tidy(() => {
        const xt = tf.tensor4d(x, [2, 9, 8, 3]);
        const yShape = tf.maxPool(xt, size, 2, padding).shape;
        const dy = tf.tensor(
          seededUniform(
            6,
            yShape.reduce((p, q) => p * q, 1),
            -1,
            1,
          ),
          yShape,
        );
        const g = tf.grad((t: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, 2, padding), dy)),
        )(xt);
        return { g: g.dataSync().slice() as Float32Array, dy: dy.dataSync().slice() as Float32Array };
      });
      expectClose(maxPoolGrad(x, ref.dy, dims, a), ref.g, 2, 'max-pool gradient', 1e-6);
    });
  }

  it('fuses a preceding relu: windows whose maximum is not positive pass nothing', () => {
    for (const pool of [2, 3]) {
      const dims = { n: 2, h: 7, w: 6, c: 3 };
      const a: PoolAttrs = { pool: [pool, pool], strides: [2, 2], padding: 'same' };
      // relu outputs: many exact zeros, ties among them.
      const x = seededUniform(11, 2 * 7 * 6 * 3, -2, 2).map((v) => Math.max(0, Math.round(v)));
      const dy = seededUniform(12, 2 * 4 * 3 * 3, -1, 1);
      const plain = maxPoolGrad(x, dy, dims, a);
      const masked = plain.map((g, i) => (x[i] > 0 ? g : 0));
      expect([...maxPoolGrad(x, dy, dims, a, undefined, true)]).toEqual([...masked]);
    }
  });

  it('routes ties the same way end to end on wasm', async () => {
    const b = new GraphBuilder();
    const inp = b.input([7, 7, 2]);
    const mp = b.pool('mp', 'maxpool', inp, [3, 3], [2, 2], 'valid');
    const { graph, info } = b.build(b.dense('out', b.unary('flat', 'flatten', mp), 2));
    const x = seededUniform(9, 2 * 7 * 7 * 2, 0, 2).map(Math.floor);
    const og = Float32Array.of(1, -0.5, 0.25, 2);
    const model = await TfjsModel.create(graph, info, 'wasm');
    try {
      const r = await model.gradient({ x, n: 2, outputGrad: og, layer: 'mp' });
      const want = maxPoolGrad(x, r.layerGrad!, { n: 2, h: 7, w: 7, c: 2 }, pool3s2);
      expect([...r.inputGrad]).toEqual([...want]);
      expect(r.inputGrad.some((v) => v !== 0)).toBe(true);
    } finally {
      model.dispose();
    }
  });
});

describe('avgPoolGrad', () => {
  it("matches tf.grad of 'valid' avgPool with leftover rows", async () => {
    await tf.setBackend('cpu');
    const x = seededUniform(1, 7 * 7 * 2, -1, 1);
    const dy = seededUniform(2, 3 * 3 * 2, -1, 1);
    const g = tf.tidy(
      () =>
        tf
          .grad((t: tf.Tensor) =>
            tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d(dy, [1, 3, 3, 2]))),
          )(tf.tensor4d(x, [1, 7, 7, 2]))
          .dataSync()
          .slice() as Float32Array,
    );
    const ours = avgPoolGrad(
      dy,
      { n: 1, h: 7, w: 7, c: 2 },
      { pool: [2, 2], strides: [2, 2], padding: 'valid' },
    );
    expectClose(ours, g, 1, 'avg-pool gradient', 1e-6);
  });

  it("excludes padding from the divisor under 'same' (like the forward; tfjs' own gradient does not)", () => {
    const dx = avgPoolGrad(
      Float32Array.of(1, 1, 1, 1),
      { n: 1, h: 3, w: 3, c: 1 },
      { pool: [2, 2], strides: [2, 2], padding: 'same' },
    );
    expect([...dx]).toEqual([0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1]);
  });
});
