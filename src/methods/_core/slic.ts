/**
 * SLIC superpixels (Achanta et al. 2012) in CIELAB, after
 * skimage.segmentation.slic: k-means on (L, a, b, y, x) with the distance
 * sqrt(d_lab^2 + (d_xy / S)^2 * m^2) searched in a 2S x 2S window per centre
 * (S = sqrt(pixels / segments), m = compactness), then connectivity is
 * enforced so every label is one 4-connected region. Deterministic: a regular
 * grid of initial centres and no randomness.
 */

export interface SlicOptions {
  /** Approximate number of segments (skimage n_segments). */
  segments: number;
  /** Balance of colour and space (skimage compactness, 10 for Lab). */
  compactness: number;
  /** k-means iterations (skimage max_num_iter). */
  iterations?: number;
  /** Regions smaller than this share of the mean segment size are merged into a neighbour (skimage min_size_factor). */
  minSizeFactor?: number;
}

export interface Segmentation {
  /** [h*w] labels 0..count-1, numbered in raster order of first appearance. */
  labels: Int32Array;
  count: number;
}

/** sRGB in [0, 1] -> CIELAB (D65), as skimage.color.rgb2lab. */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (u: number) => (u > 0.04045 ? ((u + 0.055) / 1.055) ** 2.4 : u / 12.92);
  const R = lin(r);
  const G = lin(g);
  const B = lin(b);
  const x = (0.412453 * R + 0.35758 * G + 0.180423 * B) / 0.95047;
  const y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
  const z = (0.019334 * R + 0.119193 * G + 0.950227 * B) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [y > 0.008856 ? 116 * fy - 16 : 903.3 * y, 500 * (fx - fy), 200 * (fy - fz)];
}

/**
 * Segments an image given as [h*w*c] values in [0, 1] (c = 3: sRGB; c = 1:
 * grey, taken as R = G = B; other c: the first three channels).
 */
export function slic(image: Float32Array, h: number, w: number, c: number, o: SlicOptions): Segmentation {
  const lab = new Float64Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    const ch = (k: number) => Math.min(1, Math.max(0, image[p * c + Math.min(k, c - 1)]));
    lab.set(rgbToLab(ch(0), ch(1), ch(2)), p * 3);
  }
  const target = Math.max(1, Math.round(o.segments));
  const { ys, xs, step } = regularGrid(h, w, target);
  const k = ys.length * xs.length;
  // Centres: [L, a, b, y, x]. Colours start at 0 as in skimage, so the first
  // assignment is purely spatial (every centre is equally far in colour).
  const centres = new Float64Array(k * 5);
  for (let i = 0; i < ys.length; i++)
    for (let j = 0; j < xs.length; j++) {
      const q = (i * xs.length + j) * 5;
      centres[q + 3] = ys[i];
      centres[q + 4] = xs[j];
    }
  const spatial = (o.compactness / step) ** 2;
  const labels = new Int32Array(h * w).fill(-1);
  const dist = new Float64Array(h * w);
  const sums = new Float64Array(k * 6);
  const reach = 2 * step;
  for (let iter = 0; iter < (o.iterations ?? 10); iter++) {
    dist.fill(Number.POSITIVE_INFINITY);
    for (let q = 0; q < k; q++) {
      const cy = centres[q * 5 + 3];
      const cx = centres[q * 5 + 4];
      const y0 = Math.max(0, Math.floor(cy - reach));
      const y1 = Math.min(h, Math.floor(cy + reach) + 1);
      const x0 = Math.max(0, Math.floor(cx - reach));
      const x1 = Math.min(w, Math.floor(cx + reach) + 1);
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const p = y * w + x;
          const dl = lab[p * 3] - centres[q * 5];
          const da = lab[p * 3 + 1] - centres[q * 5 + 1];
          const db = lab[p * 3 + 2] - centres[q * 5 + 2];
          const d = dl * dl + da * da + db * db + spatial * ((y - cy) ** 2 + (x - cx) ** 2);
          // Strictly smaller: ties go to the lower cluster index, deterministically.
          if (d < dist[p]) {
            dist[p] = d;
            labels[p] = q;
          }
        }
    }
    sums.fill(0);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        const s = labels[p] * 6;
        sums[s] += lab[p * 3];
        sums[s + 1] += lab[p * 3 + 1];
        sums[s + 2] += lab[p * 3 + 2];
        sums[s + 3] += y;
        sums[s + 4] += x;
        sums[s + 5] += 1;
      }
    for (let q = 0; q < k; q++) {
      const cnt = sums[q * 6 + 5];
      if (cnt === 0) continue; // an empty cluster keeps its centre
      for (let d = 0; d < 5; d++) centres[q * 5 + d] = sums[q * 6 + d] / cnt;
    }
  }
  const segmentSize = (h * w) / target;
  return enforceConnectivity(
    labels,
    h,
    w,
    Math.floor((o.minSizeFactor ?? 0.5) * segmentSize),
    Math.floor(3 * segmentSize),
  );
}

/**
 * Initial centres as skimage.util.regular_grid for a 2-D image: a step of
 * sqrt(pixels / segments) (the whole axis where that exceeds it), starting at
 * half a step; the step used for distances is that step rounded.
 */
function regularGrid(h: number, w: number, n: number): { ys: number[]; xs: number[]; step: number } {
  if (h * w <= n) {
    return {
      ys: Array.from({ length: h }, (_, i) => i),
      xs: Array.from({ length: w }, (_, i) => i),
      step: 1,
    };
  }
  let sy = Math.sqrt((h * w) / n);
  let sx = sy;
  // A thin image: the short axis gets one centre row, the long one the rest.
  if (Math.min(h, w) < sy) {
    if (h <= w) {
      sy = h;
      sx = w / n;
    } else {
      sx = w;
      sy = h / n;
    }
  }
  const axis = (size: number, s: number) => {
    const step = Math.max(1, Math.round(s));
    const out: number[] = [];
    for (let v = Math.floor(s / 2); v < size; v += step) out.push(v);
    return out;
  };
  return { ys: axis(h, sy), xs: axis(w, sx), step: Math.max(1, Math.round(Math.max(sy, sx))) };
}

/**
 * Splits every label into its 4-connected regions (capped at `maxSize`
 * pixels) and merges regions smaller than `minSize` into a region met before
 * them in raster order (as skimage's _enforce_label_connectivity_cython does),
 * then numbers regions 0..count-1 in raster order.
 */
export function enforceConnectivity(
  labels: Int32Array,
  h: number,
  w: number,
  minSize: number,
  maxSize = Number.POSITIVE_INFINITY,
): Segmentation {
  const out = new Int32Array(h * w).fill(-1);
  const queue = new Int32Array(h * w);
  let count = 0;
  for (let start = 0; start < h * w; start++) {
    if (out[start] >= 0) continue;
    const own = labels[start];
    // A labelled neighbour to absorb this region if it is too small: above, else left (skimage's order).
    const sy = Math.floor(start / w);
    const sx = start % w;
    const adjacent = sy > 0 ? out[start - w] : sx > 0 ? out[start - 1] : -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    out[start] = count;
    while (head < tail) {
      const p = queue[head++];
      const y = Math.floor(p / w);
      const x = p % w;
      const visit = (r: number) => {
        // skimage caps a region at maxSize; the rest of a huge cluster starts new regions.
        if (out[r] < 0 && labels[r] === own && tail < maxSize) {
          out[r] = count;
          queue[tail++] = r;
        }
      };
      if (x > 0) visit(p - 1);
      if (x < w - 1) visit(p + 1);
      if (y > 0) visit(p - w);
      if (y < h - 1) visit(p + w);
    }
    if (tail < minSize && adjacent >= 0) {
      for (let i = 0; i < tail; i++) out[queue[i]] = adjacent;
    } else {
      count++;
    }
  }
  return { labels: out, count };
}
