/**
 * The engines' memory budget (issue #5, engines/memory-budget.ts): the per-sample estimates on a
 * graph counted by hand, and calls split into chunks under a tiny budget returning exactly (bit
 * for bit) what one call returns, on a resnet-like graph for every result field.
 */

import { describe, expect, it } from 'vitest';
import {
  budgetBytes,
  DEFAULT_MEMORY_MB,
  forwardBytesPerSample,
  forwardInChunks,
  gradientBytesPerSample,
  gradientInChunks,
  SAFETY_FACTOR,
  samplesPerCall,
} from '../../src/models/engines/memory-budget.js';
import { createOnnxModel, loadOrt, type OnnxRuntimeModel } from '../../src/models/engines/onnxruntime.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import type { IrGraph, IrNode } from '../../src/models/ir/graph.js';
import type {
  EngineKind,
  GradientRequest,
  GradientResult,
  Model,
  ModelInfo,
} from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { GraphBuilder } from './helpers/ir-build.js';
import { ONNX_CNN } from './helpers/onnx.js';
import { tfjsNodeInstalled } from './helpers/tfjs-node.js';

/** input [4,4,1] -> conv 3x3 (2 channels) -> relu -> flatten [32] -> dense [3]. */
function smallGraph(): IrGraph {
  const b = new GraphBuilder();
  const x = b.input([4, 4, 1]);
  const c = b.conv('conv', x, 2, [3, 3]);
  const r = b.unary('relu', 'relu', c);
  const f = b.unary('flatten', 'flatten', r);
  return b.build(b.dense('dense', f, 3)).graph;
}

describe('per-sample estimates', () => {
  // Bytes per sample: input 64, conv 128, relu 128, flatten 128, dense 12.
  it('counts the forward peak: live activations plus the new output and one temporary', () => {
    // At relu: conv (128) is live (the input was freed after conv) + relu 128 + temporary 128.
    expect(forwardBytesPerSample(smallGraph())).toBe(384 * SAFETY_FACTOR);
  });

  it('counts the reverse pass: kept activations, pending gradients, one step of temporaries', () => {
    // All activations 460. Step 'flatten': activations up to it 448, the pending gradient of
    // flatten 128, temporaries 2 x (relu 128 + flatten 128) = 512: 1088.
    expect(gradientBytesPerSample(smallGraph())).toBe(1088 * SAFETY_FACTOR);
    // DeepLIFT keeps the reference's activations too (896 at 'flatten') and its steps make
    // 8 temporaries: 896 + 128 + 8 x 256 = 3072.
    expect(gradientBytesPerSample(smallGraph(), { rules: 'deeplift', reference: true })).toBe(
      3072 * SAFETY_FACTOR,
    );
  });

  it('turns a budget into samples per call, at least one', () => {
    expect(budgetBytes(undefined)).toBe(DEFAULT_MEMORY_MB * 2 ** 20);
    expect(budgetBytes(0.5)).toBe(2 ** 19);
    expect(() => budgetBytes(0)).toThrow(/positive number of MiB/);
    expect(() => budgetBytes(Number.NaN)).toThrow(/positive number of MiB/);
    expect(samplesPerCall(1000, 300)).toBe(3);
    expect(samplesPerCall(100, 300)).toBe(1);
  });
});

describe('chunk helpers', () => {
  it('split requests by rows and call once when the request fits', async () => {
    const seen: number[] = [];
    const x = Float32Array.from({ length: 10 }, (_, i) => i);
    const r = await forwardInChunks(x, 5, ['a'], 2, async (xc, n) => {
      seen.push(n);
      return { logits: xc.map((v) => v * 10), captured: new Map([['a', xc.slice()]]) };
    });
    expect(seen).toEqual([2, 2, 1]);
    expect([...r.logits]).toEqual([...x].map((v) => v * 10));
    expect([...r.captured.get('a')!]).toEqual([...x]);
    const one = await forwardInChunks(x, 5, [], 5, async (xc) => ({ logits: xc, captured: new Map() }));
    expect(one.logits).toBe(x);
  });

  it('leave inputGrad empty when every chunk returns it empty', async () => {
    const req: GradientRequest = {
      x: new Float32Array(6),
      n: 3,
      outputGrad: new Float32Array(3),
      layer: 'l',
      inputGrad: false,
    };
    const r = await gradientInChunks(req, 2, async (c) => ({
      logits: c.outputGrad.slice(),
      inputGrad: new Float32Array(0),
      layerActivation: new Float32Array(c.n * 4),
      layerGrad: new Float32Array(c.n * 4),
      layerShape: [2, 2, 1],
    }));
    expect(r.inputGrad.length).toBe(0);
    expect(r.layerActivation!.length).toBe(12);
    expect(r.layerShape).toEqual([2, 2, 1]);
    expect(r.referenceLogits).toBeUndefined();
  });
});

/**
 * A small resnet at 48x48: strided stem with batch norm, max pool, an identity block, a strided
 * projection block, global average pool, dense.
 */
function resnetLike(): { graph: IrGraph; info: ModelInfo } {
  const b = new GraphBuilder();
  const x = b.input([48, 48, 3]);
  const stem = b.unary(
    'stem_relu',
    'relu',
    b.batchnorm('stem_bn', b.conv('stem', x, 8, [5, 5], { strides: [2, 2] })),
  );
  const pool = b.pool('pool', 'maxpool', stem, [3, 3], [2, 2], 'same');
  const block = (name: string, input: IrNode, cout: number, stride: 1 | 2): IrNode => {
    const s: [number, number] = [stride, stride];
    const a = b.unary(
      `${name}_relu1`,
      'relu',
      b.batchnorm(`${name}_bn1`, b.conv(`${name}_c1`, input, cout, [3, 3], { strides: s })),
    );
    const c = b.batchnorm(`${name}_bn2`, b.conv(`${name}_c2`, a, cout, [3, 3]));
    const skip = stride === 1 ? input : b.conv(`${name}_proj`, input, cout, [1, 1], { strides: s });
    return b.unary(`${name}_out`, 'relu', b.add(`${name}_add`, [c, skip]));
  };
  const b2 = block('b2', block('b1', pool, 8, 1), 16, 2);
  return b.build(b.dense('logits', b.gap('gap', b2, false), 5));
}

/** Byte-for-byte equality of two float arrays (so -0 and 0 differ), with the first difference named. */
function expectSameBits(a: Float32Array | undefined, b: Float32Array | undefined, what: string): void {
  expect(a, what).toBeDefined();
  expect(b, what).toBeDefined();
  expect(a!.length, what).toBe(b!.length);
  const ua = new Uint32Array(a!.buffer, a!.byteOffset, a!.length);
  const ub = new Uint32Array(b!.buffer, b!.byteOffset, b!.length);
  const first = ua.findIndex((v, i) => v !== ub[i]);
  expect(first, `${what}: first differing index (${a![first]} vs ${b![first]})`).toBe(-1);
}

/**
 * Bit for bit where `exact`; else (tfjs-node: TensorFlow's native kernels block their loops by
 * batch size, so any two batch sizes differ in the last bits) within 1e-5 per sample.
 */
function expectSame(
  a: Float32Array | undefined,
  b: Float32Array | undefined,
  what: string,
  exact: boolean,
  n: number,
): void {
  if (exact || b === undefined || b.length === 0) expectSameBits(a, b, what);
  else expectClose(a!, b, n, what, 1e-5);
}

function expectSameResult(a: GradientResult, b: GradientResult, exact = true, n = 1): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  expectSame(a.logits, b.logits, 'logits', exact, n);
  expectSame(a.inputGrad, b.inputGrad, 'inputGrad', exact, n);
  if (b.referenceLogits !== undefined) {
    expectSame(a.referenceLogits, b.referenceLogits, 'referenceLogits', exact, n);
  }
  if (b.layerGrad !== undefined) {
    expectSame(a.layerActivation, b.layerActivation, 'layerActivation', exact, n);
    expectSame(a.layerGrad, b.layerGrad, 'layerGrad', exact, n);
    expect(a.layerShape).toEqual(b.layerShape);
  }
}

/** tfjs-node runs only where the user installed it (never a dependency). */
const tfjsNode = tfjsNodeInstalled();

/** A budget, in MiB, that gives `samples` per call for `perSample` bytes. */
const mbFor = (samples: number, perSample: number) => ((samples + 0.5) * perSample) / 2 ** 20;

describe('chunked calls return what one call returns', () => {
  const n = 7;
  const { graph, info } = resnetLike();
  const per = 48 * 48 * 3;
  const x = seededUniform(11, n * per);
  const reference = seededUniform(12, n * per, 0, 0.2);
  const outputGrad = seededUniform(13, n * 5, -1, 1);
  const layer = 'b1_out';

  for (const kind of ['wasm', 'cpu', 'tfjs-node'] as EngineKind[]) {
    const exact = kind !== 'tfjs-node';
    it.skipIf(kind === 'tfjs-node' && !tfjsNode)(
      `${kind}: forward with captures, gradient with a layer, deeplift, lrp, layer only`,
      async () => {
        const whole = await TfjsModel.create(graph, info, kind, { memoryMb: 1e6 });
        const fwdChunked = await TfjsModel.create(graph, info, kind, {
          memoryMb: mbFor(3, forwardBytesPerSample(graph)),
        });
        // 2 samples per plain reverse pass; DeepLIFT's estimate is larger: 1 per call.
        const gradChunked = await TfjsModel.create(graph, info, kind, {
          memoryMb: mbFor(2, gradientBytesPerSample(graph)),
        });
        expect(whole.samplesPerCall('gradient')).toBeGreaterThanOrEqual(n);
        expect(fwdChunked.samplesPerCall('forward')).toBe(3);
        expect(gradChunked.samplesPerCall('gradient')).toBe(2);
        expect(gradChunked.samplesPerCall('gradient', 'deeplift', true)).toBe(1);

        const capture = ['stem_relu', layer, 'gap'];
        const f0 = await whole.forward(x, n, capture);
        const f1 = await fwdChunked.forward(x, n, capture);
        expectSame(f1.logits, f0.logits, 'forward logits', exact, n);
        for (const c of capture)
          expectSame(f1.captured.get(c), f0.captured.get(c), `captured ${c}`, exact, n);

        const lrp = {
          conv: 'gamma',
          dense: 'epsilon',
          epsilon: 1e-6,
          gamma: 0.25,
          alpha: 1,
          beta: 0,
        } as const;
        const requests: GradientRequest[] = [
          { x, n, outputGrad, layer },
          { x, n, outputGrad, rules: 'deeplift', reference, layer: 'stem_relu' },
          { x, n, outputGrad, rules: 'lrp', lrp: { ...lrp } },
          { x, n, outputGrad, rules: 'guided-backprop', layer, inputGrad: false },
        ];
        for (const req of requests)
          expectSameResult(await gradChunked.gradient(req), await whole.gradient(req), exact, n);

        // A randomised copy keeps the budget.
        const copy = await gradChunked.randomised(['logits'], 3);
        expect(copy.memoryMb).toBe(gradChunked.memoryMb);
        expect(copy.samplesPerCall('gradient')).toBe(2);
        for (const m of [whole, fwdChunked, gradChunked, copy]) m.dispose();
      },
    );
  }

  it('onnxruntime: forward, backward graph and the tfjs engine beside it under one budget', async () => {
    // A dependency whose binaries ship in the package: its absence is a failure here.
    expect(await loadOrt()).not.toBeInstanceOf(Error);
    const imported = await importOnnx(ONNX_CNN);
    const { inputShape, outputs } = imported.info;
    const size = inputShape[0] * inputShape[1] * inputShape[2];
    const m = 5;
    const xs = seededUniform(21, m * size);
    const og = seededUniform(22, m * outputs, -1, 1);
    const open = (memoryMb: number): Promise<Model> =>
      createOnnxModel(imported, 'onnxruntime', { threads: 1, memoryMb });
    const whole = await open(1e6);
    const tiny = await open(1e-6);
    const spatial = imported.info.layers.filter((l) => l.spatial);
    const req: GradientRequest = { x: xs, n: m, outputGrad: og };
    const withLayer: GradientRequest = { ...req, layer: spatial[spatial.length - 1].name };
    expectSameBits((await tiny.forward(xs, m)).logits, (await whole.forward(xs, m)).logits, 'ort forward');
    expectSameResult(await tiny.gradient(req), await whole.gradient(req));
    // Chunked in onnxruntime's backward graph, not in a fallback to tfjs.
    expect((tiny as OnnxRuntimeModel).backwardFallback).toBeUndefined();
    // The tfjs-wasm engine beside onnxruntime runs under the same budget.
    const tfjs = await (tiny as unknown as { reference(): Promise<TfjsModel> }).reference();
    expect(tfjs.samplesPerCall('gradient')).toBe(1);
    expectSameResult(await tiny.gradient(withLayer), await whole.gradient(withLayer));
    const copy = (await tiny.randomised!([tiny.parametricLayers![0]], 1)) as TfjsModel;
    expect(copy.memoryMb).toBe(1e-6);
    for (const model of [whole, tiny, copy]) model.dispose();
  });

  it('wasm and cpu engines made for ONNX files take the budget too', async () => {
    const imported = await importOnnx(ONNX_CNN);
    const model = (await createOnnxModel(imported, 'wasm', { memoryMb: 64 })) as TfjsModel;
    expect(model.memoryMb).toBe(64);
    model.dispose();
  });
});
