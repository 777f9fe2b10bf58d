/**
 * ONNX models on every engine: onnxruntime reproduces PyTorch's logits within 1e-4 and `auto`
 * picks it; our reverse pass on the ONNX-imported IR (and on the IR ops added for ONNX: pad with
 * -Infinity before a max pool, concat, transpose + flatten, clip, hardsigmoid, squeeze-excite
 * mul) agrees with tf.grads on the cpu backend within 1e-4 relative.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { decodeModel, encodeModel, reencodesLosslessly } from '../../src/models/importers/onnx-proto.js';
import { type IrNode, NO_ATTRS, NO_WEIGHTS } from '../../src/models/ir/graph.js';
import { loadModel } from '../../src/models/load.js';
import type { EngineKind, Model } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { reference } from './helpers/grad-reference.js';
import { GraphBuilder } from './helpers/ir-build.js';
import { ONNX_CNN, onnxReference } from './helpers/onnx.js';

const N = 2;

describe('onnxruntime engine (fixtures/onnx/cnn)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(ONNX_CNN, { engine: 'onnxruntime' });
  });
  afterAll(() => model.dispose());

  it('is picked by auto and reports both engines', async () => {
    expect(model.engine).toMatch(/^onnxruntime-node@\d+\.\d+\.\d+\+tfjs-wasm@/);
    const auto = await loadModel(ONNX_CNN);
    expect(auto.engine).toBe(model.engine);
    auto.dispose();
  });

  it('reproduces the PyTorch logits within 1e-4 (softmax split off)', async () => {
    const ref = onnxReference();
    const { logits } = await model.forward(ref.x, ref.n);
    expectClose(logits, ref.logits, ref.n, 'logits vs PyTorch');
    expect(model.info.finalActivation).toBe('softmax');
  });

  it('captures layers and takes gradients through the tfjs engine on the same IR', async () => {
    const ref = onnxReference();
    const layer = '/Relu_1_output_0';
    const f = await model.forward(ref.x, ref.n, [layer]);
    expectClose(f.logits, ref.logits, ref.n, 'logits with a capture');
    expect(f.captured.get(layer)?.length).toBe(ref.n * 16 * 16 * 8);
    const og = seededUniform(9, ref.n * 10, -1, 1);
    const g = await model.gradient({ x: ref.x, n: ref.n, outputGrad: og });
    expectClose(g.logits, ref.logits, ref.n, 'gradient logits');
  });

  it('runs a model exported with a fixed batch of 1 in chunks', async () => {
    const m = decodeModel(readFileSync(ONNX_CNN));
    for (const v of [...m.graph!.input, ...m.graph!.output])
      v.type!.tensorType!.shape!.dim[0] = { dimValue: 1 };
    const file = join(tmpdir(), `xaudit-batch1-${process.pid}.onnx`);
    writeFileSync(file, encodeModel(m));
    const fixed = await loadModel(file, { engine: 'onnxruntime' });
    try {
      const ref = onnxReference();
      expectClose((await fixed.forward(ref.x, ref.n)).logits, ref.logits, ref.n, 'logits, batch 1 chunks');
    } finally {
      fixed.dispose();
    }
  });

  it('runs a file with fields we do not model as it is (layout changed in JS)', async () => {
    // Field 99 (varint 1): unknown to our descriptor, so the NHWC rewrite must not re-encode it away.
    const bytes = Buffer.concat([readFileSync(ONNX_CNN), Buffer.from([0x98, 0x06, 0x01])]);
    expect(reencodesLosslessly(bytes)).toBe(false);
    expect(reencodesLosslessly(readFileSync(ONNX_CNN))).toBe(true);
    const file = join(tmpdir(), `xaudit-unknown-field-${process.pid}.onnx`);
    writeFileSync(file, bytes);
    const plain = await loadModel(file, { engine: 'onnxruntime' });
    try {
      const ref = onnxReference();
      expectClose((await plain.forward(ref.x, ref.n)).logits, ref.logits, ref.n, 'logits, JS layout change');
    } finally {
      plain.dispose();
    }
  });

  it('rejects inputs of the wrong size', async () => {
    await expect(model.forward(new Float32Array(5), 1)).rejects.toThrow(/expects inputs of 32x32x3/);
  });
});

describe('reverse pass on the ONNX-imported IR against tf.grads (cpu)', () => {
  for (const engine of ['wasm', 'cpu'] as EngineKind[]) {
    it(`input and layer gradients (${engine})`, async () => {
      const { graph, info } = await importOnnx(ONNX_CNN);
      const size = 32 * 32 * 3;
      const x = seededUniform(3, N * size);
      const og = seededUniform(4, N * info.outputs, -1, 1);
      const model = await TfjsModel.create(graph, info, engine);
      try {
        for (const layer of ['/Relu_output_0', '/pool/MaxPool_output_0', '/Flatten_1_output_0']) {
          const ref = await reference(graph, x, N, og, layer);
          const r = await model.gradient({ x, n: N, outputGrad: og, layer });
          expectClose(r.logits, ref.logits, N, 'logits');
          expectClose(r.inputGrad, ref.inputGrad, N, 'input gradient');
          expectClose(r.layerGrad!, ref.layerGrad, N, `${layer} gradient`);
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('pad(-inf) + max pool, concat, transpose + flatten, clip, hardsigmoid, squeeze-excite mul', async () => {
    const b = new GraphBuilder();
    const x = b.input([6, 6, 3]);
    const c = b.conv('c', x, 4, [3, 3]);
    const pad = b.node({
      name: 'pad',
      op: 'pad',
      inputs: [c.name],
      shape: [7, 8, 4],
      attrs: {
        pads: [
          [0, 1],
          [1, 1],
        ],
        value: Number.NEGATIVE_INFINITY,
      },
      weights: NO_WEIGHTS,
    });
    const mp = b.pool('mp', 'maxpool', pad, [2, 2], [2, 2], 'valid');
    const clip = b.node(unaryWith('clip', mp, 'clip', { min: -0.3, max: 0.4 }));
    const gate = b.node(unaryWith('gate', b.gap('g', clip, true), 'hardsigmoid', { alpha: 0.5, beta: 0.5 }));
    const se = b.node({
      name: 'se',
      op: 'mul',
      inputs: [clip.name, gate.name],
      shape: [...clip.shape],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const cat = b.node({
      name: 'cat',
      op: 'concat',
      inputs: [se.name, mp.name],
      shape: [3, 4, 8],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
    const tr = b.node({
      name: 'tr',
      op: 'transpose',
      inputs: [cat.name],
      shape: [8, 3, 4],
      attrs: { perm: [2, 0, 1] },
      weights: NO_WEIGHTS,
    });
    const { graph, info } = b.build(b.dense('out', b.unary('flat', 'flatten', tr), 3));
    const xs = seededUniform(5, N * 6 * 6 * 3, -1, 2);
    const og = seededUniform(6, N * 3, -1, 1);
    for (const engine of ['wasm', 'cpu'] as EngineKind[]) {
      for (const layer of ['se', 'cat']) {
        const ref = await reference(graph, xs, N, og, layer);
        const model = await TfjsModel.create(graph, info, engine);
        try {
          const r = await model.gradient({ x: xs, n: N, outputGrad: og, layer });
          expectClose(r.logits, ref.logits, N, `${engine} logits`);
          expectClose(r.inputGrad, ref.inputGrad, N, `${engine} input gradient`);
          expectClose(r.layerGrad!, ref.layerGrad, N, `${engine} ${layer} gradient`);
        } finally {
          model.dispose();
        }
      }
    }
  });
});

function unaryWith<O extends 'clip' | 'hardsigmoid'>(
  name: string,
  x: IrNode,
  op: O,
  attrs: O extends 'clip' ? { min: number; max: number } : { alpha: number; beta: number },
): IrNode {
  return { name, op, inputs: [x.name], shape: [...x.shape], attrs, weights: NO_WEIGHTS } as IrNode;
}
