import { pixelOrder } from './_core/perturbation-curve.js';
import { gaussianOffset, perturbedMapScores } from './_core/sensitivity.js';
import { pearson, ranks } from './_core/stats.js';
import type { Check } from './types.js';

export interface ExplanationStabilityOptions {
  stdev: number;
  samples: number;
  metric: 'spearman' | 'top-k-intersection';
  top_k: number;
}

/** Indices of the k largest values (ties broken by the lower index, so the set is deterministic). */
function topK(map: Float32Array, k: number): Set<number> {
  return new Set(pixelOrder(map, 'most').subarray(0, k));
}

/** The clean map's ranks and top-k set, computed once per sample rather than once per noisy copy. */
function cleanFacts(
  cache: WeakMap<Float32Array, { ranks: Float64Array; top: Set<number> }>,
  a: Float32Array,
  k: number,
) {
  let facts = cache.get(a);
  if (facts === undefined) {
    facts = { ranks: ranks(a), top: topK(a, k) };
    cache.set(a, facts);
  }
  return facts;
}

export const explanationStability: Check<ExplanationStabilityOptions> = {
  id: 'explanation-stability',
  title: 'Explanation stability under noise',
  summary:
    "Whether the explanation ranks pixels the same way when the input gets small Gaussian noise (stdev in pixel units): per sample, the mean over noisy copies of the Spearman rank correlation (or top-k intersection) between the channel-summed map of the input and that of the noisy copy (Ghorbani et al.'s fragility measures, with random rather than adversarial noise).",
  references: [
    'Ghorbani, Abid & Zou 2019, Interpretation of Neural Networks is Fragile (AAAI): Spearman and top-k intersection',
    'Alvarez-Melis & Jaakkola 2018, On the Robustness of Interpretability Methods',
    'scipy.stats.spearmanr',
  ],
  category: 'robustness',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    'Mean over the noisy copies of the chosen metric: Spearman correlation in [-1, 1], or the top-k intersection in [0, 1] (1 = the same pixels ranked the same). Details give both. A constant map is an error.',
  schema: {
    type: 'object',
    properties: {
      stdev: { type: 'number', minimum: 0 },
      samples: { type: 'integer', minimum: 1 },
      metric: { enum: ['spearman', 'top-k-intersection'] },
      top_k: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    },
    additionalProperties: false,
  },
  defaults: { stdev: 0.02, samples: 10, metric: 'spearman', top_k: 0.1 },
  optionDocs: {
    stdev:
      "Standard deviation of the Gaussian noise added to every input value, in pixel units of input.range (0.02 = 5 grey levels for [0, 1]), clipped to the range. NoiseTunnel's stdevs is in the units of the model's tensor: stdevs = stdev / std there.",
    samples:
      'Noisy copies per sample; the score is the mean over them. Cost: samples explanations per sample.',
    metric:
      "spearman: Spearman rank correlation of the two maps over pixels (scipy.stats.spearmanr, ties share ranks). top-k-intersection: the share of the clean map's top_k pixels (by value, signed) that are also among the noisy map's top_k (Ghorbani et al.).",
    top_k:
      'The top-k set as a fraction of the pixels (rounded up), for top-k-intersection and the details. Ghorbani et al. use 1000 of 224 x 224 pixels (~0.02).',
  },
  async evaluate(ctx, opts) {
    const clean = new WeakMap<Float32Array, { ranks: Float64Array; top: Set<number> }>();
    return perturbedMapScores(ctx, {
      draws: opts.samples,
      offset: gaussianOffset(opts.stdev),
      cleanError: (m) =>
        m.every((v) => v === m[0]) ? 'the explanation of the input is constant, so it ranks no pixels' : null,
      compare: (a, b) => {
        const k = Math.ceil(opts.top_k * a.length);
        const { ranks: ranksA, top } = cleanFacts(clean, a, k);
        // Spearman = Pearson of average ranks (scipy.stats.spearmanr), with a's ranks reused.
        const rho = pearson(ranksA, ranks(b));
        if (Number.isNaN(rho)) return 'the explanation of a noisy input is constant, so it ranks no pixels';
        let shared = 0;
        for (const i of topK(b, k)) if (top.has(i)) shared++;
        return [rho, shared / k];
      },
      reduce: (values) => {
        const mean = (j: number) => values.reduce((s, r) => s + r[j], 0) / values.length;
        const rho = mean(0);
        const inter = mean(1);
        return {
          score: opts.metric === 'spearman' ? rho : inter,
          details: { spearman: rho, top_k_intersection: inter },
        };
      },
    });
  },
  summarize: () => ({ stats: {} }),
};
