import { targetScore } from '../../core/tensor.js';
import { constantInput } from '../../data/input.js';
import { uniformInput } from '../../methods/_core/baselines.js';
import { forwardEach } from '../../methods/_core/batching.js';
import { byBatch } from './batches.js';
/**
 * Shared core of the perturbation checks (deletion, insertion, ROAD, faithfulness
 * correlation): pixel orderings, fill images, the target's score from logits, and
 * forward passes of many perturbed inputs in ctx.maxBatch chunks.
 */

import { rngFor } from '../../core/rng.js';
import type { JsonSchema } from '../../core/unit.js';
import type { InputTransform } from '../../data/input.js';
import { gaussianBlur } from '../../methods/_core/blur.js';
import type { CheckContext, SampleScore } from '../types.js';
import { hasNaN } from './stats.js';

/** What replaces removed pixels: a constant pixel value, a Gaussian blur of the image, or uniform noise. */
export type Fill = { constant: number } | { blur: number } | 'blur' | 'noise' | 'zeros';

/** Gaussian sigma (in pixels) of `fill: blur`: the sigma of RISE's insertion blur (gkern(klen=11, nsig=5)). */
const DEFAULT_BLUR_SIGMA = 5;

const fillSchema: JsonSchema = {
  oneOf: [
    { enum: ['blur', 'noise', 'zeros'] },
    {
      // One object form with either key, so a bad value gets its own message (not the other form's).
      type: 'object',
      properties: { constant: { type: 'number' }, blur: { type: 'number', exclusiveMinimum: 0 } },
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
    },
  ],
};

export const fillDoc =
  "{constant: v} (a pixel value in input.range, normalised like the input; Quantus' perturb_baseline as a number, where Quantus' 'black' is the sample's own minimum and ours is v = range[0]); zeros (0 after normalisation, the mean colour under mean/std normalisation: RISE's deletion substrate torch.zeros_like); blur (Gaussian blur of the image, sigma 5 pixels, truncate 4, scipy's reflect border; RISE's insertion start uses sigma 5 too, but an 11x11 kernel with zero padding, so they differ near the borders); {blur: sigma} (sigma in pixels); or noise (uniform pixel values in input.range, seeded per sample: Quantus' 'uniform' baseline).";

/** The fill image of one sample (normalised, [h*w*c]). */
export function fillImage(
  fill: Fill,
  x: Float32Array,
  input: InputTransform,
  seed: number,
  unitId: string,
  sampleId: string,
): Float32Array {
  const [h, w, c] = input.shape;
  if (fill === 'blur' || (typeof fill === 'object' && 'blur' in fill)) {
    // The kernel sums to 1, so blurring the normalised image equals normalising the blurred pixels.
    return gaussianBlur(x, h, w, c, fill === 'blur' ? DEFAULT_BLUR_SIGMA : fill.blur);
  }
  if (fill === 'zeros') return new Float32Array(h * w * c);
  if (fill === 'noise') {
    const out = new Float32Array(h * w * c);
    uniformInput(input, rngFor(seed, `${unitId}/fill`, sampleId), 0, out);
    return out;
  }
  return constantInput(input, fill.constant);
}

/** Why a map cannot order pixels, or null when it can. */
export function mapProblem(map: Float32Array): string | null {
  if (hasNaN(map)) return 'the attribution contains NaN';
  for (let p = 1; p < map.length; p++) if (map[p] !== map[0]) return null;
  return 'the attribution is constant, so it orders no pixel';
}

/**
 * Pixel indices by map value, most relevant (largest signed value) first, or least
 * relevant first. Ties keep pixel (row-major) order: the sort is stable.
 */
export function pixelOrder(map: Float32Array, order: 'most' | 'least'): Int32Array {
  const idx = Array.from({ length: map.length }, (_, i) => i);
  idx.sort(order === 'most' ? (a, b) => map[b] - map[a] : (a, b) => map[a] - map[b]);
  return Int32Array.from(idx);
}

/** Pixels perturbed after step i of `steps` (i = 0..steps): round(i * n / steps), as even as possible. */
export function stepBoundaries(n: number, steps: number): Int32Array {
  const s = Math.min(steps, n);
  const out = new Int32Array(s + 1);
  for (let i = 0; i <= s; i++) out[i] = Math.round((i * n) / s);
  return out;
}

/** Composite trapezoidal rule over the points (xs[i], ys[i]). */
export function trapezoid(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let area = 0;
  for (let i = 1; i < xs.length; i++) area += ((xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1])) / 2;
  return area;
}

export interface CurveOptions {
  order: 'most' | 'least';
  steps: number;
  fill: Fill;
  output: 'probability' | 'logit';
}

export const curveSchemaProperties: JsonSchema = {
  order: { enum: ['most', 'least'] },
  steps: { type: 'integer', minimum: 1 },
  fill: fillSchema,
  output: { enum: ['probability', 'logit'] },
};

/** One sample's curve: the target's score after each step, at the fraction of pixels perturbed. */
export interface Curve {
  fractions: Float64Array;
  values: Float64Array;
}

/**
 * Deletion and insertion curves of one chunk of samples. Point i of a sample is
 * `start` with its first boundaries[i] pixels in map order taken from `end`:
 * deletion goes from the image (start) to the fill (end), insertion from the fill
 * to the image. The clean image's point comes from ctx.logits (cached), so a curve
 * of `steps` steps costs `steps` forward passes per sample.
 */
export async function curves(
  ctx: CheckContext,
  mode: 'deletion' | 'insertion',
  opts: CurveOptions,
  part: CheckContext['samples'],
  targets: Int32Array,
  maps: readonly Float32Array[],
): Promise<(Curve | string)[]> {
  const [h, w, c] = ctx.input.shape;
  const n = h * w;
  const size = n * c;
  const k = ctx.model.info.outputs;
  const { x } = await ctx.dataset.stack(part);
  const clean = await ctx.logits(part);
  const bounds = stepBoundaries(n, opts.steps);
  const steps = bounds.length - 1;
  const problems = maps.map(mapProblem);
  const live = part.flatMap((_, i) => (problems[i] === null ? [i] : []));
  const orders = new Map<number, Int32Array>();
  const starts = new Map<number, Float32Array>();
  const ends = new Map<number, Float32Array>();
  for (const i of live) {
    const image = x.subarray(i * size, (i + 1) * size);
    const filled = fillImage(opts.fill, image, ctx.input, ctx.seed, ctx.checkId, part[i].id);
    orders.set(i, pixelOrder(maps[i], opts.order));
    starts.set(i, mode === 'deletion' ? image : filled);
    ends.set(i, mode === 'deletion' ? filled : image);
  }
  // Row r of the forward queue is sample live[floor(r / steps)] at its point (deletion: 1..steps, insertion: 0..steps-1).
  const offset = mode === 'deletion' ? 1 : 0;
  const logits = await forwardEach(
    ctx.model,
    live.length * steps,
    size,
    (row, out) => {
      const i = live[Math.floor(row / steps)];
      const point = (row % steps) + offset;
      const order = orders.get(i) as Int32Array;
      const end = ends.get(i) as Float32Array;
      out.set(starts.get(i) as Float32Array);
      for (let j = 0; j < bounds[point]; j++) {
        const p = order[j] * c;
        for (let q = 0; q < c; q++) out[p + q] = end[p + q];
      }
    },
    ctx,
  );
  const result: (Curve | string)[] = problems.map((p) => p ?? '');
  for (const [j, i] of live.entries()) {
    const fractions = Float64Array.from(bounds, (b) => b / n);
    const values = new Float64Array(steps + 1);
    const cleanPoint = mode === 'deletion' ? 0 : steps;
    values[cleanPoint] = targetScore(clean, i, k, targets[i], opts.output);
    for (let s = 0; s < steps; s++) {
      values[s + offset] = targetScore(logits, j * steps + s, k, targets[i], opts.output);
    }
    result[i] = values.some(Number.isNaN)
      ? 'the model output on a perturbed input is NaN'
      : { fractions, values };
  }
  return result;
}

/** evaluate() of deletion and insertion: the normalised AUC of each sample's curve. */
export async function evaluateCurves(
  ctx: CheckContext,
  mode: 'deletion' | 'insertion',
  opts: CurveOptions,
): Promise<SampleScore[]> {
  return byBatch(ctx, async (part, targets, samples) => {
    const maps = (await ctx.maps(part, targets)).map((m) => m.map);
    for (const curve of await curves(ctx, mode, opts, part, targets, maps)) {
      if (typeof curve === 'string') {
        samples.push({ score: null, error: curve });
        continue;
      }
      const last = curve.values.length - 1;
      samples.push({
        score: trapezoid(curve.fractions, curve.values),
        details: { start: curve.values[0], end: curve.values[last], steps: last },
      });
    }
  });
}
