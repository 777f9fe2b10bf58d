import { XauditError } from '../../core/errors.js';
import type { CounterRng } from '../../core/rng.js';
import type { JsonSchema } from '../../core/unit.js';
import { constantInput, type InputTransform, normalise } from '../../data/input.js';
import type { RunContext } from '../types.js';

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

/**
 * Uniform noise over the pixel range, normalised like the input, into dst
 * [h*w*c]; the draws are at [offset, offset + size) of `rng`.
 */
export function uniformInput(t: InputTransform, rng: CounterRng, offset: number, dst: Float32Array): void {
  const c = t.shape[2];
  for (let p = 0; p < dst.length; p++) {
    const v = t.range[0] + (t.range[1] - t.range[0]) * rng.at(offset + p);
    dst[p] = normalise(t, v, p % c);
  }
}

/** What sampling methods (gradient-shap, expected-gradients) draw a baseline from. */
export type DrawnBaselineSpec = BaselineSpec | 'uniform' | 'dataset';

export const drawnBaselineSchema: JsonSchema = {
  anyOf: [{ type: 'string', enum: [...BASELINE_NAMES, 'uniform', 'dataset'] }, { type: 'number' }],
};

export const DRAWN_BASELINE_DOC = `Where each draw's baseline comes from (Captum baselines, the distribution GradientShap samples from): 'dataset' draws uniformly from the reference inputs the runner supplies (a fixed sample of the data set; Expected Gradients' choice); 'uniform' is uniform noise over input.range, a fresh image per draw; otherwise one fixed baseline: ${BASELINE_DOC}`;

/**
 * A drawn baseline for draw `s` of a sample: writes it to dst. Fixed baselines
 * ignore the draw; 'uniform' and 'dataset' use `rng` (a stream of the sample's
 * own, for baselines only) at positions derived from s, so draws do not depend
 * on batching.
 */
export function drawnBaselines(
  spec: DrawnBaselineSpec,
  ctx: RunContext,
): (rng: CounterRng, s: number, dst: Float32Array) => void {
  const t = ctx.input;
  const size = t.shape[0] * t.shape[1] * t.shape[2];
  if (spec === 'uniform') return (rng, s, dst) => uniformInput(t, rng, s * size, dst);
  if (spec === 'dataset') {
    const set = ctx.baselines;
    if (set === undefined || set.n < 1 || set.x.length !== set.n * size) {
      throw new XauditError(
        'SPEC_INVALID',
        set === undefined || set.n < 1
          ? 'baseline: dataset needs reference inputs from the data set, and none were supplied to this run'
          : `the reference inputs have ${set.x.length} values, not ${set.n} inputs of ${t.shape.join('x')}`,
        {
          hint: 'Use baseline: uniform, black or white, or run through an audit that supplies data set baselines.',
        },
      );
    }
    return (rng, s, dst) => {
      const k = Math.min(set.n - 1, Math.floor(rng.at(s) * set.n));
      dst.set(set.x.subarray(k * size, (k + 1) * size));
    };
  }
  const fixed = baselineInput(t, spec);
  return (_rng, _s, dst) => dst.set(fixed);
}
