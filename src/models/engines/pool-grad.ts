/**
 * Pooling backward rules in plain JS over NHWC arrays. wasm's MaxPoolGrad costs
 * ~30x its forward; these loops cost about one forward pass.
 */

import type { PoolAttrs } from '../ir/graph.js';
import { windowAxis } from '../ir/windows.js';

export interface PoolDims {
  n: number;
  h: number;
  w: number;
  c: number;
}

/**
 * Each window's gradient goes to its first maximum in row-major order (as tfjs
 * and PyTorch do); overlapping windows sum. Padding never wins (it is -inf).
 */
export function maxPoolGrad(x: Float32Array, dy: Float32Array, d: PoolDims, a: PoolAttrs): Float32Array {
  const { n, h, w, c } = d;
  const ay = windowAxis(h, a.pool[0], a.strides[0], a.padding);
  const ax = windowAxis(w, a.pool[1], a.strides[1], a.padding);
  const dx = new Float32Array(n * h * w * c);
  const best = new Float32Array(c);
  const arg = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c;
    for (let oy = 0; oy < ay.out; oy++) {
      const y0 = Math.max(0, oy * a.strides[0] - ay.before);
      const y1 = Math.min(h, oy * a.strides[0] - ay.before + a.pool[0]);
      for (let ox = 0; ox < ax.out; ox++) {
        const x0 = Math.max(0, ox * a.strides[1] - ax.before);
        const x1 = Math.min(w, ox * a.strides[1] - ax.before + a.pool[1]);
        best.fill(Number.NEGATIVE_INFINITY);
        arg.fill(-1);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const base = xb + (iy * w + ix) * c;
            for (let k = 0; k < c; k++) {
              // Strict '>' keeps the first maximum; the arg < 0 test admits an all -inf window.
              const v = x[base + k];
              if (v > best[k] || arg[k] < 0) {
                best[k] = v;
                arg[k] = base + k;
              }
            }
          }
        }
        const o = ((b * ay.out + oy) * ax.out + ox) * c;
        for (let k = 0; k < c; k++) if (arg[k] >= 0) dx[arg[k]] += dy[o + k];
      }
    }
  }
  return dx;
}

/** Average pooling: padding cells are excluded from the divisor (TensorFlow 'same' semantics). */
export function avgPoolGrad(dy: Float32Array, d: PoolDims, a: PoolAttrs): Float32Array {
  const { n, h, w, c } = d;
  const ay = windowAxis(h, a.pool[0], a.strides[0], a.padding);
  const ax = windowAxis(w, a.pool[1], a.strides[1], a.padding);
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c;
    for (let oy = 0; oy < ay.out; oy++) {
      const y0 = Math.max(0, oy * a.strides[0] - ay.before);
      const y1 = Math.min(h, oy * a.strides[0] - ay.before + a.pool[0]);
      for (let ox = 0; ox < ax.out; ox++) {
        const x0 = Math.max(0, ox * a.strides[1] - ax.before);
        const x1 = Math.min(w, ox * a.strides[1] - ax.before + a.pool[1]);
        const inv = 1 / ((y1 - y0) * (x1 - x0));
        const o = ((b * ay.out + oy) * ax.out + ox) * c;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const base = xb + (iy * w + ix) * c;
            for (let k = 0; k < c; k++) dx[base + k] += dy[o + k] * inv;
          }
        }
      }
    }
  }
  return dx;
}
