import { describe, expect, it } from 'vitest';
import { targetLogits } from '../../src/core/tensor.js';
import { normalisedBounds } from '../../src/data/input.js';
import { LRP_RULES, type LrpOptions } from '../../src/methods/lrp.js';
import { methods } from '../../src/methods/registry.js';
import type { IrNode } from '../../src/models/ir/graph.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, ctxOf, inputsOf, transformOf } from './_fixtures.js';
import { batchingInvariant, biasFreeCnn, irModel, runsOnEveryFixture, setWeights } from './_propagation.js';

const lrp = methods.lrp;
const opts = (o: Partial<LrpOptions>): LrpOptions => ({ ...lrp.defaults, ...o });

const sum = (v: ArrayLike<number>) => Array.from(v).reduce((s, e) => s + e, 0);

describe('lrp on a bias-free ReLU CNN', () => {
  const t = transformOf([8, 8, 3]);
  const n = 3;
  const x = inputsOf(t, n, 12);
  const targets = Int32Array.of(0, 1, 2);
  const size = 8 * 8 * 3;
  let model: Model;
  const get = async () => (model ??= await irModel(biasFreeCnn));

  it('LRP-0 (epsilon 0) equals gradient x input and sums to the target logit', async () => {
    const m = await get();
    const a = await lrp.attribute(m, batchOf(x, n), targets, opts({ epsilon: 0 }), ctxOf(t));
    const ixg = await methods['input-x-gradient'].attribute(m, batchOf(x, n), targets, {}, ctxOf(t));
    const fx = targetLogits((await m.forward(x, n)).logits, targets);
    for (let i = 0; i < n; i++) {
      const ai = a.values.subarray(i * size, (i + 1) * size);
      const bi = ixg.values.subarray(i * size, (i + 1) * size);
      const scale = Math.max(...Array.from(bi, Math.abs));
      for (let p = 0; p < size; p++) expect(Math.abs(ai[p] - bi[p])).toBeLessThan(1e-4 * scale);
      expect(sum(ai)).toBeCloseTo(fx[i], 4);
    }
  });

  // alpha2-beta1 alone does not conserve (its two parts need not both exist).
  for (const rule of LRP_RULES.filter((r) => !r.includes('alpha2'))) {
    it(`'${rule}' conserves relevance: sum = F(x)`, async () => {
      const m = await get();
      const a = await lrp.attribute(m, batchOf(x, n), targets, opts({ rule }), ctxOf(t));
      const fx = targetLogits((await m.forward(x, n)).logits, targets);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(sum(a.values.subarray(i * size, (i + 1) * size)) - fx[i])).toBeLessThan(
          1e-3 * Math.abs(fx[i]),
        );
      }
    });
  }
});

describe('lrp rules on one linear layer, in closed form', () => {
  // Input [1, 2, 2] (two channels) -> flatten -> dense to 2 logits; or the same weights as one
  // 1x2 conv covering the input (stride 1, and stride 2 for the transposed-conv path).
  const t = transformOf([1, 2, 2]);
  const W = [0.5, -1, -2, 0.25, 1.5, 0.75, -0.5, -1.25]; // [4 inputs][2 outputs]
  const b = [0.3, -0.2];
  const x = Float32Array.of(0.8, -0.6, 1.2, 0.4);
  const dense = (bias?: number[]) =>
    irModel((g) => {
      const d = g.dense('d', g.unary('flat', 'flatten', g.input([1, 2, 2])), 2);
      setWeights(d, W, bias);
      return d;
    });
  const conv = (strides: [number, number]) =>
    irModel((g) => {
      const c = g.conv('c', g.input([1, 2, 2]), 2, [1, 2], { padding: 'valid', strides });
      setWeights(c, W);
      return g.unary('flat', 'flatten', c);
    });
  const pos = (v: number) => Math.max(v, 0);
  const neg = (v: number) => Math.min(v, 0);
  const { lo, hi } = normalisedBounds(t);

  /** Closed forms for target 0 (bias-free; z > 0) or with bias for epsilon. */
  const expected = (rule: string, bias: number[] | undefined, target: number): number[] => {
    const w = [0, 1, 2, 3].map((i) => W[i * 2 + target]);
    const z = sum(w.map((wi, i) => wi * x[i])) + (bias?.[target] ?? 0);
    const share = (part: number[]) => part.map((v) => v / sum(part));
    const up = w.map((wi, i) => pos(x[i]) * pos(wi) + neg(x[i]) * neg(wi));
    const down = w.map((wi, i) => pos(x[i]) * neg(wi) + neg(x[i]) * pos(wi));
    switch (rule) {
      case 'epsilon':
        return w.map((wi, i) => wi * x[i]);
      case 'zplus':
        return share(up).map((s) => s * z);
      case 'alpha2-beta1':
        return up.map((_, i) => (2 * share(up)[i] - share(down)[i]) * z);
      case 'gamma': {
        const g = 0.25;
        const part =
          z > 0
            ? w.map((wi, i) => pos(x[i]) * (wi + g * pos(wi)) + neg(x[i]) * (wi + g * neg(wi)))
            : w.map((wi, i) => pos(x[i]) * (wi + g * neg(wi)) + neg(x[i]) * (wi + g * pos(wi)));
        return share(part).map((s) => s * z);
      }
      case 'epsilon-plus-flat':
        return w.map(() => z / 4);
      case 'epsilon-gamma-box': {
        const part = w.map((wi, i) => x[i] * wi - lo[i % 2] * pos(wi) - hi[i % 2] * neg(wi));
        return share(part).map((s) => s * z);
      }
      default:
        throw new Error(rule);
    }
  };

  const rules = [
    'epsilon',
    'zplus',
    'alpha2-beta1',
    'gamma',
    'epsilon-plus-flat',
    'epsilon-gamma-box',
  ] as const;
  for (const rule of rules) {
    it(`'${rule}' on dense, stride-1 conv and stride-2 conv`, async () => {
      for (const [what, make] of [
        ['dense', () => dense()],
        ['conv', () => conv([1, 1])],
        ['strided conv', () => conv([1, 2])],
      ] as const) {
        const m = await make();
        try {
          for (const target of [0, 1]) {
            const a = await lrp.attribute(m, batchOf(x, 1), Int32Array.of(target), opts({ rule }), ctxOf(t));
            const want = expected(rule, undefined, target);
            for (let i = 0; i < 4; i++)
              expect(a.values[i], `${what} target ${target} [${i}]`).toBeCloseTo(want[i], 4);
          }
        } finally {
          m.dispose();
        }
      }
    });
  }

  it('epsilon: the bias keeps its share (R_i = x_i w_i), and epsilon damps: R_i = x_i w_i z / (z + eps)', async () => {
    const m = await dense(b);
    try {
      const a = await lrp.attribute(m, batchOf(x, 1), Int32Array.of(0), opts({ rule: 'epsilon' }), ctxOf(t));
      const want = expected('epsilon', b, 0);
      for (let i = 0; i < 4; i++) expect(a.values[i]).toBeCloseTo(want[i], 4);
      const z = sum(want) + b[0];
      const damped = await lrp.attribute(
        m,
        batchOf(x, 1),
        Int32Array.of(0),
        opts({ rule: 'epsilon', epsilon: 0.5 }),
        ctxOf(t),
      );
      for (let i = 0; i < 4; i++)
        expect(damped.values[i]).toBeCloseTo((want[i] * z) / (z + 0.5 * Math.sign(z)), 5);
    } finally {
      m.dispose();
    }
  });
});

describe('lrp fold_batchnorm folds a batchnorm into the conv before it (zennit SequentialMergeBatchNorm)', () => {
  const t = transformOf([6, 6, 2]);
  const x = inputsOf(t, 2, 17);
  /** conv -> bn -> relu -> flatten -> dense, and the same with bn folded into the conv by hand. */
  const nets = async (): Promise<[Model, Model]> => {
    let conv: IrNode | undefined;
    let bn: IrNode | undefined;
    let dense: IrNode | undefined;
    const a = await irModel((g) => {
      conv = g.conv('c', g.input([6, 6, 2]), 3, [3, 3]);
      bn = g.batchnorm('bn', conv);
      dense = g.dense('d', g.unary('flat', 'flatten', g.unary('r', 'relu', bn)), 2);
      return dense;
    });
    if (conv?.op !== 'conv2d' || bn?.op !== 'batchnorm' || dense?.op !== 'dense') throw new Error('nets');
    const { scale, shift } = bn.weights;
    const k = conv.weights.kernel.map((v, i) => v * scale[i % 3]);
    const bias = conv.weights.bias!.map((v, i) => v * scale[i] + shift[i]);
    const denseWeights = dense.weights;
    const b = await irModel((g) => {
      const c = g.conv('c', g.input([6, 6, 2]), 3, [3, 3]);
      setWeights(c, [...k], [...bias]);
      const d = g.dense('d', g.unary('flat', 'flatten', g.unary('r', 'relu', c)), 2);
      d.weights = denseWeights;
      return d;
    });
    return [a, b];
  };

  for (const rule of ['zplus', 'gamma', 'epsilon-gamma-box', 'epsilon-alpha2-beta1-flat'] as const) {
    it(rule, async () => {
      const [a, b] = await nets();
      try {
        const targets = Int32Array.of(0, 1);
        const la = (await a.forward(x, 2)).logits;
        const lb = (await b.forward(x, 2)).logits;
        for (let i = 0; i < 4; i++) expect(la[i]).toBeCloseTo(lb[i], 5);
        const ra = await lrp.attribute(
          a,
          batchOf(x, 2),
          targets,
          opts({ rule, fold_batchnorm: true }),
          ctxOf(t),
        );
        const rb = await lrp.attribute(b, batchOf(x, 2), targets, opts({ rule }), ctxOf(t));
        const scale = Math.max(...Array.from(rb.values, Math.abs));
        for (let j = 0; j < ra.values.length; j++)
          expect(Math.abs(ra.values[j] - rb.values[j])).toBeLessThan(1e-4 * scale);
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  }
});

describe('lrp', () => {
  batchingInvariant('lrp', { rule: 'epsilon-gamma-box' });
});

for (const rule of LRP_RULES) runsOnEveryFixture('lrp', { rule });
