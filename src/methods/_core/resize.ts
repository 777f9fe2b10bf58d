/**
 * Bilinear resize of [n, h, w, c] maps to [n, outH, outW, c], exactly like
 * torch.nn.functional.interpolate(mode='bilinear', align_corners=False):
 * half-pixel centres, negative source coordinates clamped to 0, the far
 * neighbour clamped at the edge, no antialiasing. Captum's
 * LayerAttribution.interpolate calls it this way. `alignCorners: true` is
 * align_corners=True instead (torch.nn.UpsamplingBilinear2d, which
 * pytorch-grad-cam's ScoreCAM uses for its masks): corner centres coincide.
 */
export function resizeBilinear(
  src: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  alignCorners = false,
): Float32Array {
  const out = new Float32Array(n * outH * outW * c);
  const ys = sourceIndex(h, outH, alignCorners);
  const xs = sourceIndex(w, outW, alignCorners);
  for (let i = 0; i < n; i++) {
    const base = i * h * w * c;
    for (let oy = 0; oy < outH; oy++) {
      const { i0: y0, i1: y1, l1: ly } = ys[oy];
      for (let ox = 0; ox < outW; ox++) {
        const { i0: x0, i1: x1, l1: lx } = xs[ox];
        const o = ((i * outH + oy) * outW + ox) * c;
        for (let k = 0; k < c; k++) {
          const v00 = src[base + (y0 * w + x0) * c + k];
          const v01 = src[base + (y0 * w + x1) * c + k];
          const v10 = src[base + (y1 * w + x0) * c + k];
          const v11 = src[base + (y1 * w + x1) * c + k];
          out[o + k] = (1 - ly) * ((1 - lx) * v00 + lx * v01) + ly * ((1 - lx) * v10 + lx * v11);
        }
      }
    }
  }
  return out;
}

/**
 * Nearest-neighbour resize of [n, h, w, c] maps to [n, outH, outW, c], like
 * torch.nn.functional.interpolate(mode='nearest'): source index floor(d * in / out).
 */
export function resizeNearest(
  src: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
): Float32Array {
  const out = new Float32Array(n * outH * outW * c);
  const ys = Array.from({ length: outH }, (_, d) => Math.min(Math.floor((d * h) / outH), h - 1));
  const xs = Array.from({ length: outW }, (_, d) => Math.min(Math.floor((d * w) / outW), w - 1));
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const s = ((i * h + ys[oy]) * w + xs[ox]) * c;
        out.set(src.subarray(s, s + c), ((i * outH + oy) * outW + ox) * c);
      }
    }
  }
  return out;
}

interface Tap {
  i0: number;
  i1: number;
  /** Weight of i1; i0 gets 1 - l1. */
  l1: number;
}

/** torch's area_pixel_compute_source_index for linear modes, no scale_factor. */
function sourceIndex(inSize: number, outSize: number, alignCorners: boolean): Tap[] {
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  const taps: Tap[] = [];
  for (let d = 0; d < outSize; d++) {
    const s = alignCorners ? d * scale : Math.max(0, (d + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    taps.push({ i0, i1, l1: s - i0 });
  }
  return taps;
}
