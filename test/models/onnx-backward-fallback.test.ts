/** An op the backward-graph emitter cannot write: the onnxruntime model takes the tfjs reverse pass. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { OnnxRuntimeModel } from '../../src/models/engines/onnxruntime.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { expectClose, seededUniform } from './helpers/close.js';

vi.mock('../../src/models/engines/onnx-backward.js', async (original) => {
  const real = await original<typeof import('../../src/models/engines/onnx-backward.js')>();
  return {
    ...real,
    emitBackwardModel: () => {
      throw new real.BackwardUnsupported("op 'conv2d' (node 'conv1') cannot be written");
    },
  };
});

describe('onnxruntime gradient fallback', () => {
  it('falls back to tfjs, says why, and agrees with the tfjs reverse pass', async () => {
    const imported = await importOnnx('fixtures/onnx/cnn/model.onnx');
    const model = await OnnxRuntimeModel.open(ort, imported, 1);
    const spy = vi.spyOn(TfjsModel.prototype, 'gradient');
    try {
      const [h, w, c] = imported.info.inputShape;
      const n = 3;
      const x = seededUniform(5, n * h * w * c);
      const og = seededUniform(6, n * model.info.outputs, -1, 1);
      const got = await model.gradient({ x, n, outputGrad: og });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(model.backwardFallback).toMatch(/conv2d/);
      const ref = await TfjsModel.create(imported.graph, imported.info, 'wasm');
      try {
        const want = await ref.gradient({ x, n, outputGrad: og });
        expectClose(got.inputGrad, want.inputGrad, n, 'fallback: input gradient');
      } finally {
        ref.dispose();
      }
    } finally {
      spy.mockRestore();
      model.dispose();
    }
  });
});
