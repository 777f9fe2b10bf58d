/**
 * Regression: relu6's gradient at exactly x == 6 was 1 on the tfjs reverse pass (tfjs' own rule)
 * and 0 on the onnxruntime backward graph. Both now give 0 at 0 and at 6, like TF's Relu6Grad and
 * PyTorch's hardtanh backward, so an engine switch cannot change an attribution at the kink.
 */

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  BACKWARD_INPUT,
  BACKWARD_INPUT_GRAD,
  BACKWARD_OUTPUT_GRAD,
  emitBackwardModel,
} from '../../src/models/engines/onnx-backward.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { GraphBuilder } from './helpers/ir-build.js';

function relu6Net() {
  const b = new GraphBuilder();
  const x = b.input([1, 1, 4]);
  const r = b.unary('flat', 'flatten', b.unary('r6', 'relu6', x));
  const d = b.dense('d', r, 1);
  return { ...b.build(d), kernel: (d.weights as { kernel: Float32Array }).kernel };
}

/** -0 (a masked negative weight) reads as 0. */
const plusZero = (v: number) => v + 0;

// Below the range, at 0, inside, at 6 exactly.
const X = Float32Array.of(-1, 0, 3, 6);

describe('relu6 gradient at the ends of its range', () => {
  it('is the open-interval mask on the tfjs reverse pass (wasm and cpu)', async () => {
    const { graph, info, kernel } = relu6Net();
    for (const kind of ['wasm', 'cpu'] as const) {
      const m = await TfjsModel.create(graph, info, kind);
      const g = (await m.gradient({ x: X, n: 1, outputGrad: Float32Array.of(1) })).inputGrad;
      expect(Array.from(g, plusZero), kind).toEqual([0, 0, kernel[2], 0]);
      m.dispose();
    }
  });

  it('is the same mask on the onnxruntime backward graph', async () => {
    const { graph } = relu6Net();
    const s = await ort.InferenceSession.create(emitBackwardModel(graph));
    const out = await s.run({
      [BACKWARD_INPUT]: new ort.Tensor('float32', X, [1, 1, 1, 4]),
      [BACKWARD_OUTPUT_GRAD]: new ort.Tensor('float32', Float32Array.of(1), [1, 1]),
    });
    const { kernel } = relu6Net();
    expect(Array.from(out[BACKWARD_INPUT_GRAD].data as Float32Array, plusZero)).toEqual([0, 0, kernel[2], 0]);
    await s.release();
  });
});
