import type { JsonSchema } from '../../core/unit.js';
import { constantInput, type InputTransform } from '../../data/input.js';

/** A reference input: a name, or a pixel value in units of `input.range`. */
export type BaselineSpec = 'zeros' | 'black' | 'white' | number;

export const BASELINE_NAMES = ['zeros', 'black', 'white'] as const;

/** The enum comes first so a misspelt name gets the did-you-mean message. */
export const baselineSchema: JsonSchema = {
  anyOf: [{ type: 'string', enum: [...BASELINE_NAMES] }, { type: 'number' }],
};

export const BASELINE_DOC =
  "'zeros' is 0 after normalisation (Captum's default baselines=0); 'black' and 'white' are the pixel values input.range[0] and input.range[1]; a number is a pixel value in units of input.range (clipped to it). Pixel values are normalised per channel like the input.";

/**
 * One normalised baseline input [h*w*c]. Pixel-space values follow the
 * convention that every magnitude in a spec is a pixel value of `range`,
 * clipped to it, then normalised exactly like the input.
 */
export function baselineInput(t: InputTransform, b: BaselineSpec): Float32Array {
  const [h, w, c] = t.shape;
  if (b === 'zeros') return new Float32Array(h * w * c);
  if (b === 'black') return constantInput(t, t.range[0]);
  if (b === 'white') return constantInput(t, t.range[1]);
  const lo = Math.min(t.range[0], t.range[1]);
  const hi = Math.max(t.range[0], t.range[1]);
  return constantInput(t, Math.min(hi, Math.max(lo, b)));
}
