/**
 * fixtures/onnx/mobile (MobileNetV3-style: HardSwish, depthwise 5x5, squeeze-excite HardSigmoid
 * gate times x, Sigmoid, constant Mul/Add, AveragePool with count_include_pad, MatMul + Add, no
 * final softmax): PyTorch's logits within 1e-4 on tfjs-wasm and onnxruntime, and our reverse
 * pass against tf.grads on the cpu backend.
 */

import { describe, expect, it } from 'vitest';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { loadModel } from '../../src/models/load.js';
import type { EngineKind } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { reference } from './helpers/grad-reference.js';
import { ONNX_MOBILE, onnxReference } from './helpers/onnx.js';

describe('ONNX importer and engines (fixtures/onnx/mobile)', () => {
  it('imports the squeeze-excite product and hardswish as mul nodes, keeps no softmax', async () => {
    const { graph, info } = await importOnnx(ONNX_MOBILE);
    const ops = graph.nodes.map((n) => n.op);
    expect(ops.filter((o) => o === 'mul').length).toBe(4);
    expect(ops.filter((o) => o === 'hardsigmoid').length).toBe(4);
    expect(info.finalActivation).toBeNull();
    expect(info.outputs).toBe(5);
    // MatMul + Add became one dense layer with a bias, named after the Add.
    const out = graph.nodes.find((n) => n.name === graph.output)!;
    expect(out.op).toBe('dense');
  });

  for (const engine of ['wasm', 'onnxruntime'] as EngineKind[]) {
    it(`reproduces the PyTorch logits within 1e-4 (${engine})`, async () => {
      const ref = onnxReference('mobile');
      const model = await loadModel(ONNX_MOBILE, { engine });
      try {
        expectClose(
          (await model.forward(ref.x, ref.n)).logits,
          ref.logits,
          ref.n,
          `${engine} logits vs PyTorch`,
        );
      } finally {
        model.dispose();
      }
    });
  }

  it('input and layer gradients match tf.grads (wasm)', async () => {
    const { graph, info } = await importOnnx(ONNX_MOBILE);
    const n = 2;
    const x = seededUniform(11, n * 32 * 32 * 3);
    const og = seededUniform(12, n * info.outputs, -1, 1);
    const model = await TfjsModel.create(graph, info, 'wasm');
    try {
      for (const layer of [info.layers[2].name, info.layers.filter((l) => l.spatial).at(-1)!.name]) {
        const ref = await reference(graph, x, n, og, layer);
        const r = await model.gradient({ x, n, outputGrad: og, layer });
        expectClose(r.logits, ref.logits, n, 'logits');
        expectClose(r.inputGrad, ref.inputGrad, n, 'input gradient');
        expectClose(r.layerGrad!, ref.layerGrad, n, `${layer} gradient`);
      }
    } finally {
      model.dispose();
    }
  });
});
