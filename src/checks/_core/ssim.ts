/**
 * Structural similarity, as skimage.metrics.structural_similarity computes it with its defaults
 * (which Quantus' similarity_func.ssim uses): a uniform win_size^d window (7), sample covariance
 * (cov_norm = N / (N - 1)), K1 = 0.01, K2 = 0.03, and the mean of the SSIM image over the
 * positions whose window lies inside the array (skimage crops (win_size - 1) / 2 at each border,
 * so its border mode never matters). Works on 1-D or 2-D arrays, row-major.
 */

export interface SsimOptions {
  /** L in C1 = (K1 L)^2, C2 = (K2 L)^2; Quantus passes max - min over both arrays. */
  dataRange: number;
  /** Odd window side, default 7 (skimage's). */
  winSize?: number;
}

const K1 = 0.01;
const K2 = 0.03;

/** data_range as Quantus computes it: max - min over both arrays. */
export function jointRange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of [a, b]) {
    for (let i = 0; i < x.length; i++) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
  }
  return hi - lo;
}

/** Mean SSIM of `a` and `b` of the given shape; NaN when dataRange is 0 (0 / 0). */
export function ssim(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: readonly number[],
  opts: SsimOptions,
): number {
  const win = opts.winSize ?? 7;
  const size = shape.reduce((p, d) => p * d, 1);
  if (a.length !== size || b.length !== size) {
    throw new Error(
      `ssim: arrays of ${a.length} and ${b.length} values do not fit shape [${shape.join(', ')}]`,
    );
  }
  if (!(win >= 1 && win % 2 === 1)) throw new Error(`ssim: win_size must be odd, got ${win}`);
  if (shape.some((d) => d < win)) {
    throw new Error(`ssim: win_size ${win} exceeds the array's shape [${shape.join(', ')}]`);
  }
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  const xx = x.map((v) => v * v);
  const yy = y.map((v) => v * v);
  const xy = x.map((v, i) => v * y[i]);
  const ux = windowMeans(x, shape, win);
  const uy = windowMeans(y, shape, win);
  const uxx = windowMeans(xx, shape, win);
  const uyy = windowMeans(yy, shape, win);
  const uxy = windowMeans(xy, shape, win);
  const np = win ** shape.length;
  const covNorm = np / (np - 1);
  const c1 = (K1 * opts.dataRange) ** 2;
  const c2 = (K2 * opts.dataRange) ** 2;
  let sum = 0;
  for (let i = 0; i < ux.length; i++) {
    const vx = covNorm * (uxx[i] - ux[i] * ux[i]);
    const vy = covNorm * (uyy[i] - uy[i] * uy[i]);
    const vxy = covNorm * (uxy[i] - ux[i] * uy[i]);
    const num = (2 * ux[i] * uy[i] + c1) * (2 * vxy + c2);
    const den = (ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2);
    sum += num / den;
  }
  return sum / ux.length;
}

/** Means over every win^d window that lies inside the array (separable, one axis at a time). */
function windowMeans(data: Float64Array, shape: readonly number[], win: number): Float64Array {
  let cur = data;
  const dims = [...shape];
  for (let axis = 0; axis < dims.length; axis++) {
    const d = dims[axis];
    const dn = d - win + 1;
    const inner = dims.slice(axis + 1).reduce((p, v) => p * v, 1);
    const outer = dims.slice(0, axis).reduce((p, v) => p * v, 1);
    const next = new Float64Array(outer * dn * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < dn; j++) {
        const dst = (o * dn + j) * inner;
        for (let t = 0; t < win; t++) {
          const src = (o * d + j + t) * inner;
          for (let i = 0; i < inner; i++) next[dst + i] += cur[src + i];
        }
        for (let i = 0; i < inner; i++) next[dst + i] /= win;
      }
    }
    cur = next;
    dims[axis] = dn;
  }
  return cur;
}
