import { resolve } from 'node:path';
import { XauditError } from '../../core/errors.js';
import { readNpy } from '../../core/npy.js';
import { type CounterRng, rngFor } from '../../core/rng.js';
import type { JsonSchema } from '../../core/unit.js';
import { constantInput, type InputTransform, normalise } from '../../data/input.js';
import type { Batch, RunContext } from '../types.js';
import { gaussianBlur } from './blur.js';

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

export const DRAWN_BASELINE_DOC = `Where each draw's baseline comes from (Captum baselines, the distribution GradientShap samples from): 'dataset' draws uniformly from reference inputs of the data set (in an audit: 32 inputs of the check's data set picked with the spec's seed, the same for every shard; Expected Gradients' choice); 'uniform' is uniform noise over input.range, a fresh image per draw; otherwise one fixed baseline: ${BASELINE_DOC}`;

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
          hint: "Run it in an audit (xaudit run), which supplies them from the check's data set, or use baseline: uniform, black or white.",
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

/** A path method's baseline: fixed, uniform noise or a blur of each input, or a file. */
export type PathBaselineSpec = BaselineSpec | 'uniform' | 'blur' | { file: string };

export const pathBaselineSchema: JsonSchema = {
  anyOf: [
    { type: 'string', enum: [...BASELINE_NAMES, 'uniform', 'blur'] },
    { type: 'number' },
    {
      type: 'object',
      properties: { file: { type: 'string', minLength: 1 } },
      required: ['file'],
      additionalProperties: false,
    },
  ],
};

export const PATH_BASELINE_DOC = `${BASELINE_DOC} 'uniform' is uniform noise over input.range, one image per sample drawn from the counter-based RNG (keyed by seed, explanation id and sample id); 'blur' is the input blurred with a Gaussian of the sigma option (scipy.ndimage.gaussian_filter, mode reflect); {file: path.npy} is a float32/float64 array of pixel values in input.range units, shape [h, w, c] or [1, h, w, c] (or [h, w] for one channel), normalised like the input; a relative path resolves against the spec's directory. Captum takes baselines as tensors: pass the same image as a file for parity.`;

/**
 * Per-sample baselines [n, h, w, c] for a batch, normalised; `shared` when
 * every sample has the same one (then only the first is filled and used).
 */
export async function sampleBaselines(
  spec: PathBaselineSpec,
  batch: Batch,
  ctx: RunContext,
  sigma: number,
): Promise<{ values: Float32Array; shared: boolean }> {
  const t = ctx.input;
  const [h, w, c] = t.shape;
  const size = h * w * c;
  if (typeof spec === 'object') return { values: await fileBaseline(spec.file, ctx), shared: true };
  if (spec !== 'uniform' && spec !== 'blur') return { values: baselineInput(t, spec), shared: true };
  const values = new Float32Array(batch.n * size);
  for (let i = 0; i < batch.n; i++) {
    const dst = values.subarray(i * size, (i + 1) * size);
    if (spec === 'blur') dst.set(gaussianBlur(batch.x.subarray(i * size, (i + 1) * size), h, w, c, sigma));
    else uniformInput(t, rngFor(ctx.seed, `${ctx.unitId}/baseline`, batch.ids[i]), 0, dst);
  }
  return { values, shared: false };
}

async function fileBaseline(file: string, ctx: RunContext): Promise<Float32Array> {
  const t = ctx.input;
  const [h, w, c] = t.shape;
  const path = resolve(ctx.baseDir ?? process.cwd(), file);
  const a = await readNpy(path);
  const fits = [[h, w, c], [1, h, w, c], ...(c === 1 ? [[h, w]] : [])].some(
    (s) => s.join() === a.shape.join(),
  );
  if (!fits || (a.dtype !== 'float32' && a.dtype !== 'float64')) {
    throw new XauditError(
      'SPEC_INVALID',
      `the baseline ${path} is ${a.dtype} [${a.shape.join(', ')}]; expected float32 or float64 [${h}, ${w}, ${c}] (or [1, ${h}, ${w}, ${c}]) pixel values`,
      { location: { file: path } },
    );
  }
  const out = new Float32Array(h * w * c);
  for (let p = 0; p < out.length; p++) out[p] = normalise(t, a.data[p], p % c);
  return out;
}
