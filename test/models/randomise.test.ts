/**
 * Parameter randomisation on the IR (src/models/randomise.ts): which layers have parameters, that
 * the draw is seeded and deterministic, touches exactly the named layers, follows PyTorch's
 * reset_parameters() (uniform +-1/sqrt(fan_in), batchnorm back to identity statistics), leaves
 * the original model alone, and is the same for one network in two formats and on both engines.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { importTfjsLayers } from '../../src/models/importers/tfjs-layers.js';
import type { Conv2dNode, IrGraph, IrNode } from '../../src/models/ir/graph.js';
import { loadModel } from '../../src/models/load.js';
import type { Model, ModelInfo } from '../../src/models/model.js';
import { parametricLayers, randomiseGraph } from '../../src/models/randomise.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { ONNX_CNN } from './helpers/onnx.js';

const TINY_CNN = 'fixtures/models/tiny-cnn/model.json';
const node = (g: IrGraph, name: string): IrNode => g.nodes.find((n) => n.name === name)!;
const kernelOf = (g: IrGraph, name: string): Float32Array => {
  const n = node(g, name);
  if (n.op !== 'conv2d' && n.op !== 'dense') throw new Error(`${name} is ${n.op}`);
  return n.weights.kernel;
};

describe('parametric layers', () => {
  it('lists the layers with weights output first, under their user-facing names', async () => {
    const { graph, info } = await importTfjsLayers(TINY_CNN);
    // conv1/preact and conv3/preact are named by the relu they feed; bn2 is its own layer.
    expect(parametricLayers(graph, info)).toEqual([
      { name: 'probs', nodes: ['probs'] },
      { name: 'conv3', nodes: ['conv3/preact'] },
      { name: 'bn2', nodes: ['bn2'] },
      { name: 'conv2', nodes: ['conv2'] },
      { name: 'conv1', nodes: ['conv1/preact'] },
    ]);
    const onnx = await importOnnx(ONNX_CNN);
    const names = parametricLayers(onnx.graph, onnx.info).map((l) => l.name);
    // Every name is one `xaudit list layers` shows.
    for (const n of names) expect(onnx.info.layers.map((l) => l.name)).toContain(n);
    expect(names[0]).toBe('/fc/Gemm_output_0');
    expect(names.at(-1)).toBe('/Relu_output_0'); // the stem conv (BN folded) before its relu
  });
});

describe('randomiseGraph', () => {
  let graph: IrGraph;
  let info: ModelInfo;
  beforeAll(async () => {
    ({ graph, info } = await importTfjsLayers(TINY_CNN));
  });

  it('is seeded: the same seed gives the same weights, another seed others', () => {
    const a = randomiseGraph(graph, info, ['conv2'], 1);
    const b = randomiseGraph(graph, info, ['conv2'], 1);
    const c = randomiseGraph(graph, info, ['conv2'], 2);
    expect(kernelOf(a, 'conv2')).toEqual(kernelOf(b, 'conv2'));
    expect(kernelOf(a, 'conv2')).not.toEqual(kernelOf(c, 'conv2'));
  });

  it('changes exactly the named layers and leaves the input graph as it was', () => {
    const before = graph.nodes.map((n) =>
      JSON.stringify(n.weights, (_, v) => (ArrayBuffer.isView(v) ? [...(v as Float32Array)] : v)),
    );
    const r = randomiseGraph(graph, info, ['conv1', 'probs'], 5);
    for (const [i, n] of r.nodes.entries()) {
      const orig = graph.nodes[i];
      if (orig.name === 'conv1/preact' || orig.name === 'probs') {
        expect(n.weights, orig.name).not.toBe(orig.weights);
        expect(kernelOf(r, orig.name)).not.toEqual(kernelOf(graph, orig.name));
      } else {
        expect(n, orig.name).toBe(orig); // shared, untouched
      }
    }
    const after = graph.nodes.map((n) =>
      JSON.stringify(n.weights, (_, v) => (ArrayBuffer.isView(v) ? [...(v as Float32Array)] : v)),
    );
    expect(after).toEqual(before);
  });

  it("draws PyTorch's reset: uniform on +-1/sqrt(fan_in), biases alike", () => {
    const r = randomiseGraph(graph, info, ['conv2', 'probs'], 3);
    const conv = node(r, 'conv2') as Conv2dNode;
    const [kh, kw, cin] = conv.attrs.kernelShape;
    const bound = 1 / Math.sqrt(kh * kw * cin);
    const w = conv.weights.kernel;
    // Uniform on [-bound, bound]: within it, mean ~0, variance ~bound^2 / 3.
    const u = [...w].map((v) => v / bound);
    expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(1);
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    const variance = u.reduce((s, v) => s + (v - mean) ** 2, 0) / u.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1 / 3)).toBeLessThan(0.06);
    expect(Math.max(...u.map(Math.abs))).toBeGreaterThan(0.9);
    for (const b of conv.weights.bias ?? []) expect(Math.abs(b)).toBeLessThanOrEqual(bound);
    const dense = node(r, 'probs');
    if (dense.op !== 'dense') throw new Error('probs is not dense');
    const db = 1 / Math.sqrt(dense.attrs.kernelShape[0]);
    for (const v of dense.weights.kernel) expect(Math.abs(v)).toBeLessThanOrEqual(db);
  });

  it('resets a batchnorm to identity statistics (gamma 1, beta 0, mean 0, var 1)', () => {
    const r = randomiseGraph(graph, info, ['bn2'], 3);
    const bn = node(r, 'bn2');
    if (bn.op !== 'batchnorm') throw new Error('bn2 is not batchnorm');
    const s = 1 / Math.sqrt(1 + bn.attrs.epsilon);
    for (const v of bn.weights.scale) expect(v).toBeCloseTo(s, 7);
    for (const v of bn.weights.shift) expect(v).toBe(0);
  });

  it('keeps the zero blocks of grouped and depthwise convolutions (fan_in = kh*kw*cin/groups)', async () => {
    const onnx = await importOnnx(ONNX_CNN);
    const grouped = onnx.graph.nodes.filter(
      (n): n is Conv2dNode => n.op === 'conv2d' && (n.attrs.groups ?? 1) > 1,
    );
    expect(grouped.length).toBeGreaterThanOrEqual(2); // the depthwise and the grouped conv
    const r = randomiseGraph(
      onnx.graph,
      onnx.info,
      parametricLayers(onnx.graph, onnx.info).map((l) => l.name),
      4,
    );
    for (const g of grouped) {
      const w = kernelOf(r, g.name);
      const [kh, kw, cin, cout] = g.attrs.kernelShape;
      const groups = g.attrs.groups ?? 1;
      for (let i = 0; i < w.length; i++) {
        const co = i % cout;
        const ci = Math.floor(i / cout) % cin;
        const inBlock = Math.floor(ci / (cin / groups)) === Math.floor(co / (cout / groups));
        expect(w[i] !== 0, `${g.name}[${i}]`).toBe(inBlock);
        // The trained kernel is zero exactly outside the blocks too (the importer's layout).
        expect(g.weights.kernel[i] === 0 || inBlock).toBe(true);
        expect(Math.abs(w[i])).toBeLessThanOrEqual(1 / Math.sqrt((kh * kw * cin) / groups));
      }
    }
  });

  it("regression: a pruned model's learned zeros stayed zero after randomisation", () => {
    const pruned = structuredClone(graph);
    const conv = pruned.nodes.find((n): n is Conv2dNode => n.op === 'conv2d');
    if (conv === undefined) throw new Error('no conv');
    conv.weights.kernel.fill(0, 0, Math.floor(conv.weights.kernel.length / 2));
    const r = randomiseGraph(pruned, info, [conv.name], 2);
    const w = kernelOf(r, conv.name);
    const zeros = w.filter((v) => v === 0).length;
    expect(zeros).toBe(0);
  });

  it('refuses unknown layers (with a suggestion) and layers without parameters', () => {
    expect(() => randomiseGraph(graph, info, ['conv9'], 1)).toThrow(/no layer 'conv9'/);
    expect(() => randomiseGraph(graph, info, ['pool1'], 1)).toThrow(
      /'pool1' has no parameters.*probs, conv3/,
    );
  });
});

describe('randomised models on the engines', () => {
  const x = seededUniform(11, 2 * 16 * 16 * 3, -1, 1);
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(TINY_CNN, { engine: 'wasm' });
  });
  afterAll(() => model.dispose());

  it('leaves the original logits unchanged; is deterministic per seed', async () => {
    const before = (await model.forward(x, 2)).logits;
    expect(model.parametricLayers).toEqual(['probs', 'conv3', 'bn2', 'conv2', 'conv1']);
    const r1 = await model.randomised!(['conv1', 'conv2'], 9);
    const r2 = await model.randomised!(['conv1', 'conv2'], 9);
    const l1 = (await r1.forward(x, 2)).logits;
    expect((await r2.forward(x, 2)).logits).toEqual(l1);
    expect(l1).not.toEqual(before);
    r1.dispose();
    r2.dispose();
    expect((await model.forward(x, 2)).logits).toEqual(before);
  });

  it('randomising the top layer keeps every activation below it', async () => {
    const r = await model.randomised!(['probs'], 1);
    const a = await model.forward(x, 2, ['gap']);
    const b = await r.forward(x, 2, ['gap']);
    expect(b.captured.get('gap')).toEqual(a.captured.get('gap'));
    expect(b.logits).not.toEqual(a.logits);
    const c = await model.randomised!(['conv1'], 1);
    const before = (await model.forward(x, 2, ['pool1'])).captured.get('pool1');
    expect((await c.forward(x, 2, ['pool1'])).captured.get('pool1')).not.toEqual(before);
    r.dispose();
    c.dispose();
  });

  it('one network in two formats (Keras vs ONNX export) randomises to the same function, on both engines', async () => {
    const keras = await loadModel('fixtures/models/wolf-snow-clean/model.json', { engine: 'wasm' });
    const ort = await loadModel('fixtures/onnx/wolf-snow-clean/model.onnx', { engine: 'onnxruntime' });
    const xs = seededUniform(5, 2 * 64 * 64 * 3, 0, 1);
    expect(ort.parametricLayers).toHaveLength(4);
    expect(keras.parametricLayers).toHaveLength(4);
    for (const k of [1, 2, 4]) {
      const rk = await keras.randomised!(keras.parametricLayers!.slice(0, k), 21);
      const ro = await ort.randomised!(ort.parametricLayers!.slice(0, k), 21);
      const lk = (await rk.forward(xs, 2)).logits;
      expectClose((await ro.forward(xs, 2)).logits, lk, 2, `top ${k} layers randomised`);
      expect(lk).not.toEqual((await keras.forward(xs, 2)).logits);
      rk.dispose();
      ro.dispose();
    }
    keras.dispose();
    ort.dispose();
  });
});
