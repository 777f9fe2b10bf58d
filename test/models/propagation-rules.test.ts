/**
 * The engine's non-gradient rule tables (guided backprop, deconvnet, DeepLIFT,
 * LRP) against hand-computed cases on small IR graphs, and the fused
 * relu -> maxpool rules against their unfused per-op rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IrNode } from '../../src/models/ir/graph.js';
import { loadModel } from '../../src/models/load.js';
import type { BackwardRules, LrpConfig, Model } from '../../src/models/model.js';
import { biasFreeCnn, handNet, irModel } from '../methods/_propagation.js';
import { expectClose, seededUniform } from './helpers/close.js';
import type { GraphBuilder } from './helpers/ir-build.js';

describe('guided backprop and deconvnet rules', () => {
  let model: Model;
  beforeAll(async () => {
    model = await handNet();
  });
  afterAll(() => model.dispose());

  const at = async (rules: BackwardRules) => [
    ...(await model.gradient({ x: Float32Array.of(1, 2), n: 1, outputGrad: Float32Array.of(1), rules }))
      .inputGrad,
  ];

  it('gradient: W1 (dy/dh * relu mask) = W1 (1, -2, 0) = (3, 0)', async () => {
    expect((await at('gradient')).map((v) => v + 0)).toEqual([3, 0]);
  });

  it('guided backprop keeps positive gradients of active units only: W1 (1, 0, 0) = (1, 2)', async () => {
    expect((await at('guided-backprop')).map((v) => v + 0)).toEqual([1, 2]);
  });

  it('deconvnet clamps the gradient whatever the input: W1 (1, 0, 1) = (0, 1)', async () => {
    expect((await at('deconvnet')).map((v) => v + 0)).toEqual([0, 1]);
  });
});

describe('fused relu -> maxpool rules equal the per-op rules (tiny-cnn)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel('fixtures/models/tiny-cnn');
  });
  afterAll(() => model.dispose());

  for (const rules of ['gradient', 'guided-backprop', 'deconvnet'] as const) {
    it(rules, async () => {
      const layers = model.info.layers;
      const pool = layers.findIndex((l) => l.op === 'maxpool');
      const relu = layers[pool - 1];
      expect(relu.op).toBe('relu');
      const n = 2;
      const x = seededUniform(5, n * 16 * 16 * 3, -2, 2);
      const outputGrad = Float32Array.of(1, 0, 0, 0, 0, 1).subarray(0, n * model.info.outputs);
      const fused = await model.gradient({ x, n, outputGrad, rules });
      // Capturing the relu turns the fusion off there (the relu needs its own gradient).
      const plain = await model.gradient({ x, n, outputGrad, rules, layer: relu.name });
      expectClose(fused.inputGrad, plain.inputGrad, n, rules, 1e-5);
    });
  }
});

describe('DeepLIFT rules', () => {
  it('needs reference inputs, returns their logits, and reads pre-relu activations', async () => {
    const model = await handNet();
    try {
      await expect(
        model.gradient({ x: Float32Array.of(1, 2), n: 1, outputGrad: Float32Array.of(1), rules: 'deeplift' }),
      ).rejects.toMatchObject({ code: 'INTERNAL' });
      // x = (1, 2) against x0 = (0, 0): z = (5, 1, -3) vs 0; relu multipliers 1, 1, and the
      // gradient (0) where z0 = z... unit 3 has dz = -3, dy = 0: multiplier 0.
      const r = await model.gradient({
        x: Float32Array.of(1, 2),
        n: 1,
        outputGrad: Float32Array.of(1),
        rules: 'deeplift',
        reference: Float32Array.of(0, 0),
      });
      expect([...r.referenceLogits!]).toEqual([0]);
      expect([...r.inputGrad].map((v) => v + 0)).toEqual([3, 0]);
      // Against x0 = (-1, 1): z0 = (1, 2, 0), so unit 2's multiplier is (1 - 2) / (1 - 2) = 1, unit 1's
      // (5 - 1) / (5 - 1) = 1, unit 3's (0 - 0) / (-3 - 0) = 0: the same multipliers here.
      const s = await model.gradient({
        x: Float32Array.of(1, 2),
        n: 1,
        outputGrad: Float32Array.of(1),
        rules: 'deeplift',
        reference: Float32Array.of(-1, 1),
      });
      expect([...s.referenceLogits!]).toEqual([1 - 4]);
      expect([...s.inputGrad].map((v) => v + 0)).toEqual([3, 0]);
    } finally {
      model.dispose();
    }
  });
});

/**
 * Every nonlinearity DeepLIFT rescales, with biases, batchnorm, relu -> an overlapping 3x3/2
 * max-pool, a three-way add, a strided conv, average pooling and a dense + relu pair that the
 * forward pass would fuse.
 */
function allOps(b: GraphBuilder): IrNode {
  const inp = b.input([9, 9, 2]);
  const r1 = b.unary('r1', 'relu', b.batchnorm('bn', b.conv('c1', inp, 4, [3, 3])));
  const p1 = b.pool('p1', 'maxpool', r1, [3, 3], [2, 2], 'valid');
  const s2 = b.unary('s2', 'sigmoid', b.conv('c2', p1, 4, [3, 3]));
  const t2 = b.unary('t2', 'tanh', b.conv('c2b', p1, 4, [3, 3]));
  const c3 = b.conv('c3', b.add('sum', [p1, s2, t2]), 4, [2, 2], { strides: [2, 2], padding: 'valid' });
  const lk = b.leaky('lk', b.pool('a1', 'avgpool', b.unary('r6', 'relu6', c3), [2, 2], [1, 1], 'valid'), 0.2);
  const d1 = b.unary('r2', 'relu', b.dense('d1', b.unary('flat', 'flatten', lk), 5));
  return b.dense('out', d1, 3);
}

describe('DeepLIFT summation to delta', () => {
  it('sum(m * (x - x0)) = F(x) - F(x0) through every rescaled op', async () => {
    const model = await irModel(allOps);
    try {
      const n = 3;
      const size = 9 * 9 * 2;
      const x = seededUniform(31, n * size, -2, 2);
      const x0 = seededUniform(32, n * size, -2, 2);
      const outputGrad = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
      const r = await model.gradient({ x, n, outputGrad, rules: 'deeplift', reference: x0 });
      const ref = await model.forward(x0, n);
      expectClose(r.referenceLogits!, ref.logits, n, 'reference logits', 1e-6);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let p = 0; p < size; p++) s += r.inputGrad[i * size + p] * (x[i * size + p] - x0[i * size + p]);
        const delta = r.logits[i * 3 + i] - ref.logits[i * 3 + i];
        expect(Math.abs(s - delta) / Math.max(Math.abs(delta), 1e-6), `sample ${i}`).toBeLessThan(1e-4);
      }
    } finally {
      model.dispose();
    }
  });
});

describe('DeepLIFT softmax rule', () => {
  it("is Captum's: rescaled multipliers minus their mean, taken per sample", async () => {
    let d1: IrNode | undefined;
    let d2: IrNode | undefined;
    const model = await irModel((b) => {
      d1 = b.dense('d1', b.input([3]), 3);
      d2 = b.dense('d2', b.unary('sm', 'softmax', d1), 2);
      return d2;
    });
    try {
      if (d1?.op !== 'dense' || d2?.op !== 'dense') throw new Error('net');
      const n = 2;
      const x = Float32Array.of(0.5, -1, 2, 1.5, 0.25, -0.5);
      const x0 = Float32Array.of(0, 0.5, -1, -1, 1, 0.75);
      const r = await model.gradient({
        x,
        n,
        outputGrad: Float32Array.of(1, 0, 0, 1),
        rules: 'deeplift',
        reference: x0,
        layer: 'd1',
      });
      const W1 = d1.weights.kernel;
      const b1 = d1.weights.bias!;
      const W2 = d2.weights.kernel;
      const pre = (v: Float32Array, i: number) =>
        [0, 1, 2].map((o) => b1[o] + [0, 1, 2].reduce((s, k) => s + v[i * 3 + k] * W1[k * 3 + o], 0));
      const softmax = (z: number[]) => {
        const e = z.map((v) => Math.exp(v - Math.max(...z)));
        return e.map((v) => v / e.reduce((s, u) => s + u, 0));
      };
      for (let i = 0; i < n; i++) {
        const z = pre(x, i);
        const z0 = pre(x0, i);
        const [s, s0] = [softmax(z), softmax(z0)];
        const u = [0, 1, 2].map((o) => (W2[o * 2 + i] * (s[o] - s0[o])) / (z[o] - z0[o]));
        const mean = (u[0] + u[1] + u[2]) / 3;
        for (let o = 0; o < 3; o++) expect(r.layerGrad![i * 3 + o]).toBeCloseTo(u[o] - mean, 5);
      }
    } finally {
      model.dispose();
    }
  });
});

const lrp0: LrpConfig = { conv: 'epsilon', dense: 'epsilon', epsilon: 0, gamma: 0, alpha: 1, beta: 0 };

describe('LRP rules', () => {
  let model: Model;
  beforeAll(async () => {
    model = await irModel(biasFreeCnn);
  });
  afterAll(() => model.dispose());

  it('LRP-0 on a bias-free ReLU net is gradient x input and conserves the unit seed', async () => {
    const n = 3;
    const x = seededUniform(11, n * 8 * 8 * 3, -1, 2);
    const outputGrad = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    const g = await model.gradient({ x, n, outputGrad });
    const r = await model.gradient({ x, n, outputGrad, rules: 'lrp', lrp: lrp0 });
    // Relevance seeded with the one-hot row is gradient x input divided by the target logit.
    const gx = new Float32Array(x.length);
    const size = 8 * 8 * 3;
    for (let i = 0; i < n; i++) {
      const logit = g.logits[i * 3 + i];
      for (let p = 0; p < size; p++) gx[i * size + p] = (x[i * size + p] * g.inputGrad[i * size + p]) / logit;
    }
    expectClose(r.inputGrad, gx, n, 'LRP-0 vs gradient x input / logit', 1e-4);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = 0; p < size; p++) s += r.inputGrad[i * size + p];
      expect(s).toBeCloseTo(1, 4);
    }
  });

  it('needs an lrp config', async () => {
    await expect(
      model.gradient({ x: new Float32Array(192), n: 1, outputGrad: Float32Array.of(1, 0, 0), rules: 'lrp' }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
