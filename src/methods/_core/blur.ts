/**
 * Gaussian blur of one [h, w, c] image over its two spatial axes, as
 * scipy.ndimage.gaussian_filter(x, sigma=(s, s, 0)) does it: separable,
 * truncate=4.0 (radius round(4 s)), mode='reflect' (d c b a | a b c d | d c b a).
 * The kernel sums to 1, so blurring commutes with per-channel normalisation.
 */
export function gaussianBlur(x: Float32Array, h: number, w: number, c: number, sigma: number): Float32Array {
  if (sigma <= 0) return x.slice();
  const r = Math.floor(4 * sigma + 0.5);
  const kernel = new Float64Array(2 * r + 1);
  let total = 0;
  for (let k = -r; k <= r; k++) total += kernel[k + r] = Math.exp((-0.5 * k * k) / (sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  const tmp = new Float64Array(h * w * c);
  const out = new Float32Array(h * w * c);
  // Rows first (along x), then columns (along y), each in doubles.
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += kernel[k + r] * x[(y * w + reflect(xx + k, w)) * c + ch];
        tmp[(y * w + xx) * c + ch] = s;
      }
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += kernel[k + r] * tmp[(reflect(y + k, h) * w + xx) * c + ch];
        out[(y * w + xx) * c + ch] = s;
      }
  return out;
}

/** scipy's 'reflect' boundary, periodic with period 2n for offsets past the edge. */
function reflect(i: number, n: number): number {
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}
