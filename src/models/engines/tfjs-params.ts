/**
 * Per-node weight tensors, created once on the model's backend, including the
 * tensors the reverse pass needs (rotated conv filters, transposed dense kernels).
 */

import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dNode, IrGraph } from '../ir/graph.js';

export interface NodeParams {
  kernel?: tf.Tensor;
  bias?: tf.Tensor1D;
  /** conv2d, stride 1: filter rotated 180° with in/out swapped, [kh, kw, cout, cin]. */
  kernelFlipped?: tf.Tensor4D;
  /** dense: kernel transposed, [cout, cin]. */
  kernelT?: tf.Tensor2D;
  /** batchnorm folded to y = x * scale + shift. */
  scale?: tf.Tensor1D;
  shift?: tf.Tensor1D;
}

export function createParams(graph: IrGraph): Map<string, NodeParams> {
  const out = new Map<string, NodeParams>();
  for (const node of graph.nodes) {
    if (node.op === 'conv2d') {
      const p: NodeParams = { kernel: tf.tensor4d(node.weights.kernel, node.attrs.kernelShape) };
      if (node.weights.bias) p.bias = tf.tensor1d(node.weights.bias);
      if (node.attrs.strides[0] === 1 && node.attrs.strides[1] === 1) p.kernelFlipped = flippedFilter(node);
      out.set(node.name, p);
    } else if (node.op === 'dense') {
      const [cin, cout] = node.attrs.kernelShape;
      const p: NodeParams = { kernel: tf.tensor2d(node.weights.kernel, [cin, cout]) };
      if (node.weights.bias) p.bias = tf.tensor1d(node.weights.bias);
      p.kernelT = tf.tidy(() => tf.transpose(p.kernel as tf.Tensor2D));
      out.set(node.name, p);
    } else if (node.op === 'batchnorm') {
      out.set(node.name, { scale: tf.tensor1d(node.weights.scale), shift: tf.tensor1d(node.weights.shift) });
    }
  }
  return out;
}

export function disposeParams(params: Map<string, NodeParams>): void {
  for (const p of params.values()) {
    for (const t of [p.kernel, p.bias, p.kernelFlipped, p.kernelT, p.scale, p.shift]) t?.dispose();
  }
  params.clear();
}

/** W[kh, kw, cin, cout] -> R[i, j, co, ci] = W[kh-1-i, kw-1-j, ci, co]: backprop-input as a forward conv. */
function flippedFilter(node: Conv2dNode): tf.Tensor4D {
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const w = node.weights.kernel;
  const r = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout;
      const dst = (i * kw + j) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) r[dst + co * cin + ci] = w[src + ci * cout + co];
      }
    }
  }
  return tf.tensor4d(r, [kh, kw, cout, cin]);
}
