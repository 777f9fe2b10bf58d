import { type CounterRng, rngFor } from '../../core/rng.js';
import { normalisedBounds } from '../../data/input.js';
import type { CheckContext, SampleScore } from '../types.js';
import { byBatch } from './batches.js';
import { hasNaN } from './stats.js';

/**
 * The shared loop of the explanation-robustness checks (max/avg-sensitivity, explanation-stability):
 * per sample, `draws` perturbed copies of the input, the check's explanation recomputed on each,
 * and a comparison of every perturbed map with the map of the clean input.
 */
export interface PerturbedMapsSpec {
  /** Perturbed copies per sample. */
  draws: number;
  /**
   * Pixel-unit offset of one input value: `index` = draw * size + value index addresses the
   * sample's counter-based stream, so a draw never depends on the batch or on other draws.
   */
  offset(rng: CounterRng, index: number): number;
  /** Why the clean map cannot be scored (all zero, constant ...), or null. */
  cleanError(map: Float32Array): string | null;
  /** Values of one comparison (e.g. [sensitivity] or [spearman, top-k]); a string is why it has none. */
  compare(clean: Float32Array, perturbed: Float32Array): number[] | string;
  /** The sample's result from its comparisons, one row per draw. */
  reduce(values: number[][]): SampleScore;
}

/**
 * Pixel-space perturbation as every magnitude in a spec: x_pix + offset, clipped to input.range,
 * normalised like the input. The random stream of a sample is rngFor(seed, check id, sample id).
 */
export async function perturbedMapScores(ctx: CheckContext, spec: PerturbedMapsSpec): Promise<SampleScore[]> {
  const { std } = ctx.input;
  const c = ctx.input.shape[2];
  const { lo, hi } = normalisedBounds(ctx.input);
  return byBatch(ctx, async (part, targets, out) => {
    ctx.signal?.throwIfAborted();
    const clean = await ctx.maps(part, targets);
    const { x } = await ctx.dataset.stack(part);
    const size = x.length / part.length;
    const rngs = part.map((s) => rngFor(ctx.seed, ctx.checkId, s.id));
    // The explanation's own randomness (SmoothGrad noise ...) is keyed by the sample id, so the
    // perturbed maps share it with the clean map: only the input perturbation differs.
    const ids = part.map((s) => s.id);
    const values: number[][][] = part.map(() => []);
    const errors: (string | null)[] = clean.map((m) =>
      hasNaN(m.map) ? 'the explanation of the input holds NaN' : spec.cleanError(m.map),
    );
    for (let d = 0; d < spec.draws; d++) {
      ctx.signal?.throwIfAborted();
      const xp = new Float32Array(x.length);
      for (let i = 0; i < part.length; i++) {
        for (let q = 0; q < size; q++) {
          const k = q % c;
          const v = x[i * size + q] + spec.offset(rngs[i], d * size + q) / std[k];
          xp[i * size + q] = Math.min(hi[k], Math.max(lo[k], v));
        }
      }
      const maps = await ctx.attributeInputs(xp, part.length, ids, targets);
      for (let i = 0; i < part.length; i++) {
        if (errors[i] !== null) continue;
        if (hasNaN(maps[i].map)) {
          errors[i] = 'the explanation of a perturbed input holds NaN';
          continue;
        }
        const r = spec.compare(clean[i].map, maps[i].map);
        if (typeof r === 'string') errors[i] = r;
        else values[i].push(r);
      }
    }
    for (let i = 0; i < part.length; i++) {
      const error = errors[i];
      out.push(error === null ? spec.reduce(values[i]) : { score: null, error });
    }
  });
}

/** Uniform noise in the L-inf ball of `radius` (Quantus' batch_uniform_noise, Captum's default_perturb_func). */
const uniformOffset = (radius: number) => (rng: CounterRng, index: number) =>
  (2 * rng.at(index) - 1) * radius;

/** Gaussian noise of standard deviation `stdev`. */
export const gaussianOffset = (stdev: number) => (rng: CounterRng, index: number) =>
  rng.normalAt(index) * stdev;

/** Frobenius (L2) norm of a - b, or of a when b is omitted. */
function l2Distance(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - (b === undefined ? 0 : b[i]);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Options and reduction shared by max-sensitivity and avg-sensitivity. */
export interface SensitivityOptions {
  radius: number;
  samples: number;
}

export const sensitivitySchema = {
  type: 'object',
  properties: {
    radius: { type: 'number', minimum: 0 },
    samples: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
};

export const sensitivityDefaults: SensitivityOptions = { radius: 0.02, samples: 10 };

export const sensitivityOptionDocs = (reduce: 'max' | 'mean'): Record<keyof SensitivityOptions, string> => ({
  radius:
    "Half-width of the uniform noise added to every input value, in pixel units of input.range (clipped to the range). Captum's perturb_radius (default 0.02, taken here) and Quantus' lower_bound (default 0.2), both in the units of the tensor the model gets: for a normalised input pass radius = lower_bound * std; Quantus and Captum do not clip.",
  samples: `Perturbed inputs per sample, the ${reduce} over them is the score. Captum's n_perturb_samples (default 10, taken here); Quantus' nr_samples (default 200). Cost: samples explanations per sample.`,
});

export const sensitivityReferences = [
  'Yeh et al. 2019, On the (In)fidelity and Sensitivity of Explanations (NeurIPS)',
  'Bhatt et al. 2020, Evaluating and Aggregating Feature-based Model Explanations (IJCAI)',
  'captum.metrics.sensitivity_max',
  'quantus.MaxSensitivity / quantus.AvgSensitivity',
];

/** ||a(x') - a(x)||_2 / ||a(x)||_2 over `samples` draws of x' in the ball, reduced by max or mean. */
export async function sensitivityScores(
  ctx: CheckContext,
  opts: SensitivityOptions,
  reduce: 'max' | 'mean',
): Promise<SampleScore[]> {
  // ||a(x)|| once per sample, not once per perturbed input.
  const norms = new WeakMap<Float32Array, number>();
  const normOf = (a: Float32Array) => {
    let v = norms.get(a);
    if (v === undefined) {
      v = l2Distance(a);
      norms.set(a, v);
    }
    return v;
  };
  return perturbedMapScores(ctx, {
    draws: opts.samples,
    offset: uniformOffset(opts.radius),
    cleanError: (m) =>
      l2Distance(m) === 0
        ? 'the explanation of the input is all zero, so a relative change is undefined'
        : null,
    compare: (a, b) => [l2Distance(b, a) / normOf(a)],
    reduce: (values) => {
      const v = values.map((r) => r[0]);
      const max = Math.max(...v);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      return { score: reduce === 'max' ? max : mean, details: { max, mean } };
    },
  });
}
