/** The ONNX fixtures (fixtures/onnx/<name>, made by fixtures/train/export_onnx.py) and their PyTorch references. */

import { readFileSync } from 'node:fs';

export const ONNX_CNN = 'fixtures/onnx/cnn/model.onnx';
export const ONNX_MOBILE = 'fixtures/onnx/mobile/model.onnx';

export interface OnnxReference {
  n: number;
  inputShape: [number, number, number];
  x: Float32Array;
  /** PyTorch's pre-softmax outputs. */
  logits: Float32Array;
}

export function onnxReference(name: 'cnn' | 'mobile' = 'cnn'): OnnxReference {
  const r = JSON.parse(readFileSync(`fixtures/onnx/${name}/reference.json`, 'utf8')) as {
    n: number;
    inputShape: [number, number, number];
    inputsNhwc255: number[];
    logits: number[];
  };
  return {
    n: r.n,
    inputShape: r.inputShape,
    x: Float32Array.from(r.inputsNhwc255, (v) => v / 255),
    logits: Float32Array.from(r.logits),
  };
}
