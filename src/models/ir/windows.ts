/** Sliding-window geometry with TensorFlow's padding rules (shared by shape inference and backward rules). */

import type { Padding } from './graph.js';

export interface Axis1d {
  out: number;
  /** Padding before the first element (top or left). */
  before: number;
  /** Padding after the last element (bottom or right). */
  after: number;
}

/** One spatial axis: `size` input, window `k` (already dilated), `stride`. */
export function windowAxis(size: number, k: number, stride: number, padding: Padding): Axis1d {
  if (padding === 'valid') {
    return { out: Math.max(0, Math.floor((size - k) / stride) + 1), before: 0, after: 0 };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + k - size);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

export function dilatedSize(k: number, dilation: number): number {
  return (k - 1) * dilation + 1;
}
