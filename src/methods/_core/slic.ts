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
  const target = Math.max(1, Math.min(h * w, Math.round(o.segments)));
  const step = Math.max(1, Math.sqrt((h * w) / target));
  const gy = Math.max(1, Math.min(h, Math.round(h / step)));
  const gx = Math.max(1, Math.min(w, Math.round(w / step)));
  const k = gy * gx;
  // Centres: [L, a, b, y, x] per cluster, on a regular grid at cell centres.
  const centres = new Float64Array(k * 5);
  for (let i = 0; i < gy; i++)
    for (let j = 0; j < gx; j++) {
      const y = Math.min(h - 1, Math.floor(((i + 0.5) * h) / gy));
      const x = Math.min(w - 1, Math.floor(((j + 0.5) * w) / gx));
      const q = (i * gx + j) * 5;
      centres.set(lab.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), q);
      centres[q + 3] = y;
      centres[q + 4] = x;
    }
  const spatial = (o.compactness / step) ** 2;
  const labels = new Int32Array(h * w).fill(-1);
  const dist = new Float64Array(h * w);
  const sums = new Float64Array(k * 6);
  const reach = Math.ceil(2 * step);
  for (let iter = 0; iter < (o.iterations ?? 10); iter++) {
    dist.fill(Number.POSITIVE_INFINITY);
    for (let q = 0; q < k; q++) {
      const cy = centres[q * 5 + 3];
      const cx = centres[q * 5 + 4];
      const y0 = Math.max(0, Math.floor(cy - reach));
      const y1 = Math.min(h, Math.ceil(cy + reach) + 1);
      const x0 = Math.max(0, Math.floor(cx - reach));
      const x1 = Math.min(w, Math.ceil(cx + reach) + 1);
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
  return enforceConnectivity(labels, h, w, Math.floor(((o.minSizeFactor ?? 0.5) * h * w) / k));
}

/**
 * Splits every label into its 4-connected regions and merges regions smaller
 * than `minSize` into the region met just before them in raster order (as
 * skimage's _enforce_label_connectivity_cython does), then numbers regions
 * 0..count-1 in raster order.
 */
export function enforceConnectivity(labels: Int32Array, h: number, w: number, minSize: number): Segmentation {
  const out = new Int32Array(h * w).fill(-1);
  const queue = new Int32Array(h * w);
  let count = 0;
  for (let start = 0; start < h * w; start++) {
    if (out[start] >= 0) continue;
    const own = labels[start];
    // A labelled neighbour above or to the left, to absorb this region if it is too small.
    const sy = Math.floor(start / w);
    const sx = start % w;
    const adjacent = sx > 0 ? out[start - 1] : sy > 0 ? out[start - w] : -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    out[start] = count;
    while (head < tail) {
      const p = queue[head++];
      const y = Math.floor(p / w);
      const x = p % w;
      const visit = (r: number) => {
        if (out[r] < 0 && labels[r] === own) {
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
