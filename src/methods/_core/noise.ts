import type { CounterRng } from '../../core/rng.js';
import type { JsonSchema } from '../../core/unit.js';
import type { InputTransform } from '../../data/input.js';

/** The options every noise-sampling gradient method has: draws per input and their noise level. */
export const samplingSchemaProperties: JsonSchema = {
  samples: { type: 'integer', minimum: 1 },
  stdev: { type: 'number', minimum: 0 },
};

export const STDEV_DOC =
  "Standard deviation of the Gaussian noise as a fraction of the input range (range[1] - range[0]), in pixel space, normalised like the input: the noise on channel c has stdev * (range[1] - range[0]) / std[c] in normalised units, which is Captum's stdevs when std is the same for every channel (with range [0, 1] and std 1, stdev equals Captum's stdevs). Noisy inputs are not clipped to the range, as in Captum.";

/** Per channel: the noise stdev in normalised units for a fraction `stdev` of the pixel range. */
export function noiseSigma(t: InputTransform, stdev: number): Float64Array {
  const span = Math.abs(t.range[1] - t.range[0]);
  return Float64Array.from(t.std.slice(0, t.shape[2]), (s) => (stdev * span) / s);
}

/**
 * dst = x + sigma_c * N(0, 1), the normals taken at [offset, offset + size) of
 * `rng`: addressed by position, so independent of batching. sigma 0 draws nothing.
 */
export function addNoise(
  dst: Float32Array,
  x: Float32Array,
  sigma: Float64Array,
  rng: CounterRng,
  offset: number,
): void {
  const c = sigma.length;
  for (let p = 0; p < dst.length; p++) {
    const s = sigma[p % c];
    dst[p] = s === 0 ? x[p] : x[p] + s * rng.normalAt(offset + p);
  }
}
