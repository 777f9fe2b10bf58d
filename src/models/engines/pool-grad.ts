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
export function maxPoolGrad(
  x: Float32Array,
  dy: Float32Array,
  d: PoolDims,
  a: PoolAttrs,
  /** Zeroed output to accumulate into (e.g. a view on the wasm heap); allocated when absent. */
  dx: Float32Array = new Float32Array(d.n * d.h * d.w * d.c),
  /**
   * Drop windows whose maximum is <= 0: with x = relu(z) this is the relu's backward mask
   * (z > 0 iff relu(z) > 0) fused in, giving the gradient with respect to z.
   */
  reluMask = false,
): Float32Array {
  const { n, h, w, c } = d;
  const [ph, pw] = a.pool;
  const [sh, sw] = a.strides;
  const ay = windowAxis(h, ph, sh, a.padding);
  const ax = windowAxis(w, pw, sw, a.padding);
  const rowStride = w * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const xb = b * h * rowStride;
    for (let oy = 0; oy < ay.out; oy++) {
      const y0 = Math.max(0, oy * sh - ay.before);
      const y1 = Math.min(h, oy * sh - ay.before + ph);
      for (let ox = 0; ox < ax.out; ox++) {
        const x0 = Math.max(0, ox * sw - ax.before);
        const x1 = Math.min(w, ox * sw - ax.before + pw);
        const corner = xb + y0 * rowStride + x0 * c;
        if (y1 - y0 === 2 && x1 - x0 === 2) {
          // The common 2x2 window, unrolled (about 3x faster than the general scan).
          for (let k = 0; k < c; k++, o++) {
            const p0 = corner + k;
            let arg = p0;
            let best = x[p0];
            if (x[p0 + c] > best) best = x[(arg = p0 + c)];
            if (x[p0 + rowStride] > best) best = x[(arg = p0 + rowStride)];
            if (x[p0 + rowStride + c] > best) best = x[(arg = p0 + rowStride + c)];
            if (!reluMask || best > 0) dx[arg] += dy[o];
          }
          continue;
        }
        for (let k = 0; k < c; k++, o++) {
          // Row-major scan with strict '>': the first maximum wins. Starting from the
          // window's first cell also handles a window of -inf or NaN.
          let best = x[corner + k];
          let arg = corner + k;
          for (let iy = y0; iy < y1; iy++) {
            const row = xb + iy * rowStride + k;
            for (let ix = x0; ix < x1; ix++) {
              const v = x[row + ix * c];
              if (v > best) {
                best = v;
                arg = row + ix * c;
              }
            }
          }
          if (!reluMask || best > 0) dx[arg] += dy[o];
        }
      }
    }
  }
  return dx;
}

/** Average pooling: padding cells are excluded from the divisor (TensorFlow 'same' semantics). */
export function avgPoolGrad(
  dy: Float32Array,
  d: PoolDims,
  a: PoolAttrs,
  dx: Float32Array = new Float32Array(d.n * d.h * d.w * d.c),
): Float32Array {
  const { n, h, w, c } = d;
  const ay = windowAxis(h, a.pool[0], a.strides[0], a.padding);
  const ax = windowAxis(w, a.pool[1], a.strides[1], a.padding);
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
