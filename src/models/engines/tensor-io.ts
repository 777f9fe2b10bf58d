/**
 * Zero-copy access to tensor data for the backward rules written in JS. On wasm,
 * dataSync() copies out of the heap and tf.tensor() copies back in; for the
 * pooling rules those copies cost as much as the loops, so we read and write the
 * heap directly. Views are valid only until the next wasm allocation: take them
 * after allocating the output and use them before any other tf call.
 */

import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/** Runs `fill(dx, ...inputs)` over a fresh zeroed float32 output of `shape` and returns the output tensor. */
export function withHeapViews(
  shape: number[],
  inputs: tf.Tensor[],
  fill: (out: Float32Array, ...views: Float32Array[]) => void,
): tf.Tensor {
  const backend = tf.backend();
  if (backend instanceof BackendWasm) {
    const out = tf.zeros(shape);
    const view = (t: tf.Tensor): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
    fill(view(out), ...inputs.map(view));
    return out;
  }
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(out, ...inputs.map((t) => t.dataSync() as Float32Array));
  return tf.tensor(out, shape);
}
