/**
 * The onnxruntime backward graph (engines/onnx-backward.ts): its plain input gradient agrees with
 * the tfjs reverse pass within 1e-4 relative on every ONNX fixture and on hand-built graphs that
 * cover every op it writes (max-pool ties, overlapping 3x3 stride-2 windows, strided and dilated
 * convolutions, depthwise kernels, ...); fixed-batch files; an op it cannot write falls back to tfjs.
 */

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BACKWARD_INPUT,
  BACKWARD_INPUT_GRAD,
  BACKWARD_LOGITS,
  BACKWARD_OUTPUT_GRAD,
  BackwardUnsupported,
  emitBackwardModel,
} from '../../src/models/engines/onnx-backward.js';
import { OnnxRuntimeModel } from '../../src/models/engines/onnxruntime.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { decodeModel, encodeModel } from '../../src/models/importers/onnx-proto.js';
import { type IrGraph, type IrNode, NO_ATTRS, NO_WEIGHTS, sizeOf } from '../../src/models/ir/graph.js';
import type { ModelInfo } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { GraphBuilder } from './helpers/ir-build.js';

const FIXTURES = readdirSync('fixtures/onnx', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join('fixtures/onnx', d.name, 'model.onnx'));

/** Random images, a constant image (every pooling window ties) and 2x2-blocky images (ties in 2x2 windows). */
function inputs(shape: readonly number[], seed: number): { x: Float32Array; n: number } {
  const per = sizeOf(shape);
  const n = 5;
  const x = new Float32Array(n * per);
  x.set(seededUniform(seed, 2 * per), 0);
  x.fill(0.5, 2 * per, 3 * per);
  if (shape.length === 3) {
    const [h, w, c] = shape;
    for (let s = 3; s < 5; s++) {
      const v = seededUniform(seed + s, per, s === 3 ? 0 : -1, 1);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let k = 0; k < c; k++) x[s * per + (i * w + j) * c + k] = v[((i & ~1) * w + (j & ~1)) * c + k];
    }
  } else {
    x.set(seededUniform(seed + 3, 2 * per, -1, 1), 3 * per);
  }
  return { x, n };
}

async function tfjsGradient(graph: IrGraph, info: ModelInfo, x: Float32Array, n: number, og: Float32Array) {
  const m = await TfjsModel.create(graph, info, 'wasm');
  try {
    return await m.gradient({ x, n, outputGrad: og });
  } finally {
    m.dispose();
  }
}

async function ortGradient(graph: IrGraph, x: Float32Array, n: number, og: Float32Array, threads?: number) {
  const s = await ort.InferenceSession.create(emitBackwardModel(graph, { threads }));
  try {
    const shape = graph.nodes[0].shape;
    const k = og.length / n;
    const out = await s.run({
      [BACKWARD_INPUT]: new ort.Tensor('float32', x, [n, ...shape]),
      [BACKWARD_OUTPUT_GRAD]: new ort.Tensor('float32', og, [n, k]),
    });
    return {
      logits: out[BACKWARD_LOGITS].data as Float32Array,
      inputGrad: out[BACKWARD_INPUT_GRAD].data as Float32Array,
    };
  } finally {
    await s.release();
  }
}

async function expectAgree(graph: IrGraph, info: ModelInfo, what: string, seed = 1, threads?: number) {
  const { x, n } = inputs(graph.nodes[0].shape, seed);
  const og = seededUniform(seed + 50, n * info.outputs, -1, 1);
  const ref = await tfjsGradient(graph, info, x, n, og);
  const got = await ortGradient(graph, x, n, og, threads);
  expectClose(got.logits, ref.logits, n, `${what}: logits`);
  expectClose(got.inputGrad, ref.inputGrad, n, `${what}: input gradient`);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('onnxruntime backward graph: every ONNX fixture', () => {
  for (const file of FIXTURES) {
    it(`${file}: the onnxruntime engine's input gradient is the tfjs reverse pass's`, async () => {
      const imported = await importOnnx(file);
      const model = await OnnxRuntimeModel.open(ort, imported, 2);
      const spy = vi.spyOn(TfjsModel.prototype, 'gradient');
      try {
        const { x, n } = inputs(imported.graph.nodes[0].shape, 7);
        const og = seededUniform(9, n * model.info.outputs, -1, 1);
        const got = await model.gradient({ x, n, outputGrad: og, rules: 'gradient' });
        expect(spy).not.toHaveBeenCalled();
        expect(model.backwardFallback).toBeUndefined();
        spy.mockRestore();
        const ref = await tfjsGradient(imported.graph, imported.info, x, n, og);
        expectClose(got.logits, ref.logits, n, `${file}: logits`);
        expectClose(got.inputGrad, ref.inputGrad, n, `${file}: input gradient`);
        // The forward session's logits too (the original file).
        expectClose((await model.forward(x, n)).logits, ref.logits, n, `${file}: forward logits`);
        // Other rules and layer requests still go to tfjs.
        const spy2 = vi.spyOn(TfjsModel.prototype, 'gradient');
        await model.gradient({
          x: x.subarray(0, x.length / n),
          n: 1,
          outputGrad: og.subarray(0, model.info.outputs),
          rules: 'guided-backprop',
        });
        expect(spy2).toHaveBeenCalledTimes(1);
      } finally {
        model.dispose();
      }
    });
  }

  it('a file with a fixed batch size: any number of samples (the backward graph has a free batch axis)', async () => {
    const m = decodeModel(readFileSync('fixtures/onnx/cnn/model.onnx'));
    for (const v of [...m.graph!.input, ...m.graph!.output])
      v.type!.tensorType!.shape!.dim[0] = { dimValue: 3 };
    const file = join(tmpdir(), `xaudit-backward-fixed-${process.pid}.onnx`);
    writeFileSync(file, encodeModel(m));
    const imported = await importOnnx(file);
    expect(imported.onnxBatch).toBe(3);
    const model = await OnnxRuntimeModel.open(ort, imported, 1);
    try {
      const { x, n } = inputs(imported.graph.nodes[0].shape, 3); // 5 samples: not a multiple of 3
      const og = seededUniform(4, n * model.info.outputs, -1, 1);
      const got = await model.gradient({ x, n, outputGrad: og });
      expect(model.backwardFallback).toBeUndefined();
      const ref = await tfjsGradient(imported.graph, imported.info, x, n, og);
      expectClose(got.logits, ref.logits, n, 'fixed batch: logits');
      expectClose(got.inputGrad, ref.inputGrad, n, 'fixed batch: input gradient');
    } finally {
      model.dispose();
    }
  });

  it('a dense layer on a spatial input is refused (BackwardUnsupported), never emitted wrongly', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 2, 3]);
    const d = b.dense('d', x, 4);
    const f = b.unary('f', 'flatten', d);
    const { graph } = b.build(f);
    expect(() => emitBackwardModel(graph)).toThrow(BackwardUnsupported);
  });
});

describe('onnxruntime backward graph: each op against the tfjs reverse pass', () => {
  it('max pools: 3x3 stride 2 (overlapping, same and valid), 2x2, -inf pad + pool, ties', async () => {
    const b = new GraphBuilder();
    const x = b.input([9, 9, 3]);
    const c1 = b.conv('c1', x, 4, [3, 3], { bias: false });
    const r1 = b.unary('r1', 'relu', c1);
    const p1 = b.pool('p1', 'maxpool', r1, [3, 3], [2, 2], 'same');
    const p2 = b.pool('p2', 'maxpool', p1, [3, 3], [2, 2], 'valid');
    const pad = b.node({
      name: 'pad',
      op: 'pad',
      inputs: [p1.name],
      shape: [7, 7, 4],
      attrs: {
        pads: [
          [1, 1],
          [1, 1],
        ],
        value: Number.NEGATIVE_INFINITY,
      },
      weights: NO_WEIGHTS,
    });
    const p3 = b.pool('p3', 'maxpool', pad, [3, 3], [2, 2], 'valid');
    const p4 = b.pool('p4', 'maxpool', p3, [2, 2], [1, 1], 'valid');
    // Non-overlapping windows (MaxUnpool), 'same' on an odd size (a padded last window), after a
    // relu that feeds only the pool (its mask applied to the pooled gradient).
    const r5 = b.unary('r5', 'relu', b.conv('c5', x, 3, [3, 3], {}));
    const p5 = b.pool('p5', 'maxpool', r5, [2, 2], [2, 2], 'same');
    const g5 = b.gap('g5', p5, false);
    const g2 = b.gap('g2', p2, false);
    const g4 = b.gap('g4', p4, false);
    const s = b.add('s', [g2, g4]);
    // Windows that tile the input exactly (first maxima found from strided slices, no MaxPool
    // indices): 2x2 after a relu, then 2x2 without one; 3x3 and 3x1 on 9x9. A constant image
    // makes every interior window tie.
    const r6 = b.unary('r6', 'relu', b.conv('c6', x, 3, [2, 2], { padding: 'valid' }));
    const p7 = b.pool(
      'p7',
      'maxpool',
      b.pool('p6', 'maxpool', r6, [2, 2], [2, 2], 'valid'),
      [2, 2],
      [2, 2],
      'same',
    );
    const c8 = b.conv('c8', x, 3, [3, 3], {});
    const p8 = b.pool('p8', 'maxpool', c8, [3, 3], [3, 3], 'valid');
    const p9 = b.pool('p9', 'maxpool', c8, [3, 1], [3, 1], 'same');
    const s2 = b.add('s2', [b.gap('g7', p7, false), b.gap('g8', p8, false), b.gap('g9', p9, false)]);
    const cat = b.node({
      name: 'cat',
      op: 'concat',
      inputs: [s.name, g5.name, s2.name],
      shape: [10],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const d = b.dense('d', cat, 3);
    const { graph, info } = b.build(d);
    await expectAgree(graph, info, 'max pools');
  });

  // 6 channels on 2 threads: stride-1 input gradients as ConvTranspose (fewer than 8 input
  // channels, 1-2 threads); otherwise as a Conv with the flipped filter.
  it.each([
    [6, 2],
    [6, 16],
    [8, 2],
  ])('convolutions (%i channels, %i threads): strided valid (output_padding), strided same, dilated, depthwise, grouped; avg pools', async (ch, threads) => {
    const b = new GraphBuilder();
    const x = b.input([12, 11, 4]);
    const c1 = b.conv('c1', x, ch, [3, 3], { strides: [2, 2], padding: 'valid' });
    const c2 = b.conv('c2', c1, ch, [3, 2], { strides: [2, 1], padding: 'same' });
    const c3 = b.conv('c3', c2, ch, [3, 3], { dilation: [2, 2], padding: 'same' });
    // Depthwise (block-diagonal, one group per channel) and 2 groups.
    const dw = b.conv('dw', c3, ch, [3, 3], {});
    blockDiagonal(dw, ch);
    const gc = b.conv('gc', dw, 4, [1, 1], {});
    blockDiagonal(gc, 2);
    const a1 = b.pool('a1', 'avgpool', gc, [3, 3], [2, 2], 'same');
    const a2 = b.pool('a2', 'avgpool', gc, [2, 2], [2, 2], 'valid');
    const f1 = b.unary('f1', 'flatten', a1);
    const f2 = b.unary('f2', 'flatten', a2);
    const cat = b.node({
      name: 'cat',
      op: 'concat',
      inputs: [f1.name, f2.name],
      shape: [f1.shape[0] + f2.shape[0]],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const d = b.dense('d', cat, 5);
    const { graph, info } = b.build(d);
    await expectAgree(graph, info, 'convolutions', 1, threads);
  });

  it('activations, batchnorm, mul gate, concat, transpose + flatten, softmax output', async () => {
    const b = new GraphBuilder();
    const x = b.input([6, 5, 3]);
    const c = b.conv('c', x, 4, [3, 3], {});
    const bn = b.batchnorm('bn', c);
    const acts: IrNode[] = [
      b.unary('r6', 'relu6', bn),
      b.leaky('lk', bn, 0.1),
      b.unary('sg', 'sigmoid', bn),
      b.unary('th', 'tanh', bn),
      b.node({
        name: 'cl',
        op: 'clip',
        inputs: [bn.name],
        shape: [6, 5, 4],
        attrs: { min: -0.2, max: 0.3 },
        weights: NO_WEIGHTS,
      }),
    ];
    const hs = b.node({
      name: 'hs',
      op: 'hardsigmoid',
      inputs: [bn.name],
      shape: [6, 5, 4],
      attrs: { alpha: 1 / 6, beta: 0.5 },
      weights: NO_WEIGHTS,
    });
    const hswish = b.node({
      name: 'hsw',
      op: 'mul',
      inputs: [bn.name, hs.name],
      shape: [6, 5, 4],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const gap = b.gap('gap', hswish, true);
    const gate = b.unary('gate', 'sigmoid', gap);
    const se = b.node({
      name: 'se',
      op: 'mul',
      inputs: [hswish.name, gate.name],
      shape: [6, 5, 4],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const cat = b.node({
      name: 'cat',
      op: 'concat',
      inputs: [...acts.map((a) => a.name), se.name],
      shape: [6, 5, 24],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const t = b.node({
      name: 't',
      op: 'transpose',
      inputs: [cat.name],
      shape: [24, 6, 5],
      attrs: { perm: [2, 0, 1] },
      weights: NO_WEIGHTS,
    });
    const f = b.unary('f', 'flatten', t);
    const bn2 = b.batchnorm('bn2', f);
    const d = b.dense('d', bn2, 4);
    const id = b.unary('id', 'identity', d);
    const sm = b.unary('sm', 'softmax', id);
    const { graph, info } = b.build(sm);
    await expectAgree(graph, info, 'activations');
    // The same graph with a Keras-style flatten (NHWC order, no transpose) and reshape.
    const b2 = new GraphBuilder();
    const x2 = b2.input([4, 4, 2]);
    const c2 = b2.conv('c', x2, 3, [2, 2], {});
    const f2 = b2.unary('f', 'flatten', c2);
    const r2 = b2.reshape('r', f2, [4, 12]);
    const f3 = b2.unary('f3', 'flatten', r2);
    const d2 = b2.dense('d', f3, 3);
    const built = b2.build(d2);
    await expectAgree(built.graph, built.info, 'keras flatten');
  });
});

/**
 * Zeroes the conv's kernel outside `groups` diagonal blocks and records `groups` (what the
 * importer makes of a grouped Conv; the emitter writes a grouped Conv from the attribute).
 */
function blockDiagonal(node: IrNode, groups: number): void {
  if (node.op !== 'conv2d') throw new Error('not a conv');
  node.attrs.groups = groups;
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const k = node.weights.kernel;
  for (let i = 0; i < kh * kw; i++)
    for (let ci = 0; ci < cin; ci++)
      for (let co = 0; co < cout; co++)
        if (Math.floor(ci / (cin / groups)) !== Math.floor(co / (cout / groups)))
          k[(i * cin + ci) * cout + co] = 0;
}
