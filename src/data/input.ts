/**
 * How pixel values become model inputs. Every magnitude in a spec (baselines,
 * fills, epsilon, noise) is in pixel space of `range` and normalised exactly
 * like the input: v -> (v - mean[c]) / std[c].
 */
export interface InputTransform {
  /** Pixel values are scaled from 0..255 to this range first. */
  range: [number, number];
  mean: number[];
  std: number[];
  /** [height, width, channels] of the model input. */
  shape: [number, number, number];
}

export function normalise(t: InputTransform, value: number, channel: number): number {
  return (value - t.mean[channel]) / t.std[channel];
}

/** A whole input filled with one pixel value, normalised per channel: [h*w*c]. */
export function constantInput(t: InputTransform, pixelValue: number): Float32Array {
  const [h, w, c] = t.shape;
  const out = new Float32Array(h * w * c);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[p * c + k] = normalise(t, pixelValue, k);
  return out;
}

/** Per-channel bounds of valid normalised inputs (the image of `range`). */
export function normalisedBounds(t: InputTransform): { lo: Float32Array; hi: Float32Array } {
  const c = t.shape[2];
  const lo = new Float32Array(c);
  const hi = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const a = normalise(t, t.range[0], k);
    const b = normalise(t, t.range[1], k);
    lo[k] = Math.min(a, b);
    hi[k] = Math.max(a, b);
  }
  return { lo, hi };
}
