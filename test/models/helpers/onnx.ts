/** The ONNX fixture (fixtures/onnx/cnn, made by fixtures/train/export_onnx.py) and its PyTorch reference. */

import { readFileSync } from 'node:fs';

export const ONNX_CNN = 'fixtures/onnx/cnn/model.onnx';

export interface OnnxReference {
  n: number;
  inputShape: [number, number, number];
  x: Float32Array;
  logits: Float32Array;
  probabilities: Float32Array;
}

export function onnxReference(): OnnxReference {
  const r = JSON.parse(readFileSync('fixtures/onnx/cnn/reference.json', 'utf8')) as {
    n: number;
    inputShape: [number, number, number];
    inputsNhwc255: number[];
    logits: number[];
    probabilities: number[];
  };
  return {
    n: r.n,
    inputShape: r.inputShape,
    x: Float32Array.from(r.inputsNhwc255, (v) => v / 255),
    logits: Float32Array.from(r.logits),
    probabilities: Float32Array.from(r.probabilities),
  };
}
