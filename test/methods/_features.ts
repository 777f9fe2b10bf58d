import type { InputTransform } from '../../src/data/input.js';
import type { FeatureMask } from '../../src/methods/_core/features.js';
import { fixedRandom } from '../helpers/analytic-models.js';

/**
 * Truth for feature methods on a linear model f = W . x + b: switching
 * feature f from x to the baseline lowers the logit by sum over its pixels
 * (all channels) of W (x - b), whatever else is switched.
 */
export function featureContributions(
  mask: FeatureMask,
  x: Float32Array,
  b: Float32Array,
  w: Float32Array,
  c: number,
): Float64Array {
  const out = new Float64Array(mask.count);
  for (let p = 0; p < mask.labels.length; p++)
    for (let k = p * c; k < (p + 1) * c; k++) out[mask.labels[p]] += w[k] * (x[k] - b[k]);
  return out;
}

/** A map with every value of feature f equal to perFeature[f] (Captum's return_input_shape). */
export function spreadMap(mask: FeatureMask, perFeature: ArrayLike<number>, c: number): Float32Array {
  return Float32Array.from(
    { length: mask.labels.length * c },
    (_, q) => perFeature[mask.labels[Math.floor(q / c)]],
  );
}

/** Normalised inputs made of coloured blocks plus faint noise, so SLIC has regions to find (pure noise merges into one). */
export function blockyInputs(t: InputTransform, n: number): Float32Array {
  const [h, w, c] = t.shape;
  const size = h * w * c;
  const noise = fixedRandom(n * size, 77);
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let k = 0; k < c; k++) {
          const block = (y < h / 2 ? 0 : 2) + (xx < w / 2 ? 0 : 1) + i;
          const pixel =
            ((block * (k + 1) * 0.37) % 1) * 0.9 + 0.05 + 0.02 * noise[i * size + (y * w + xx) * c + k];
          x[i * size + (y * w + xx) * c + k] = (pixel - t.mean[k]) / t.std[k];
        }
  return x;
}
