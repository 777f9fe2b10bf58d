import { rngFor } from '../core/rng.js';
import { BASELINE_DOC } from './_core/baselines.js';
import {
  attributeFeatures,
  type FeatureMask,
  type FeatureOptions,
  featureDefaults,
  featureDocs,
  featureSchema,
  MAX_FIT_FEATURES,
  matrixRows,
  SLIC_REFERENCE,
} from './_core/features.js';
import { weightedLeastSquares } from './_core/wls.js';
import type { Method } from './types.js';

export interface LimeOptions extends FeatureOptions {
  samples: number;
  kernel_width: number;
  alpha: number;
}

/**
 * Cosine distance between x and a coalition's input, from per-feature sums
 * (x.x, x.b, b.b over the feature's elements): the perturbed input is x on
 * kept features and b elsewhere, so no input has to be rebuilt.
 */
function cosineDistances(
  x: Float32Array,
  b: Float32Array,
  mask: FeatureMask,
  c: number,
  z: Uint8Array,
  rows: number,
): Float64Array {
  const m = mask.count;
  const xx = new Float64Array(m);
  const xb = new Float64Array(m);
  const bb = new Float64Array(m);
  for (let p = 0; p < mask.labels.length; p++) {
    const f = mask.labels[p];
    for (let k = p * c; k < (p + 1) * c; k++) {
      xx[f] += x[k] * x[k];
      xb[f] += x[k] * b[k];
      bb[f] += b[k] * b[k];
    }
  }
  let norm2 = 0;
  for (let f = 0; f < m; f++) norm2 += xx[f];
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    let pert2 = 0;
    for (let f = 0; f < m; f++) {
      const on = z[r * m + f] === 1;
      dot += on ? xx[f] : xb[f];
      pert2 += on ? xx[f] : bb[f];
    }
    // torch.nn.CosineSimilarity: x.y / max(|x| |y|, 1e-8).
    out[r] = 1 - dot / Math.max(Math.sqrt(norm2 * pert2), 1e-8);
  }
  return out;
}

export const lime: Method<LimeOptions> = {
  id: 'lime',
  title: 'LIME',
  summary:
    "Fits a weighted linear surrogate to the target logit on random on/off patterns of superpixels (off = baseline), weighting each pattern by an exponential kernel on its cosine distance to the input; each superpixel's coefficient is the attribution of every value in it. Captum's Lime with a feature mask, but a closed-form weighted ridge instead of SkLearnLasso.",
  references: [
    'Ribeiro, Singh & Guestrin 2016, "Why Should I Trust You?" (arXiv:1602.04938)',
    'captum.attr.Lime',
    SLIC_REFERENCE,
  ],
  family: 'sampling',
  completeness: false,
  schema: {
    type: 'object',
    properties: {
      ...featureSchema,
      samples: { type: 'integer', minimum: 1 },
      kernel_width: { type: 'number', exclusiveMinimum: 0 },
      alpha: { type: 'number', minimum: 0 },
    },
    additionalProperties: false,
  },
  defaults: { ...featureDefaults('slic'), samples: 200, kernel_width: 1, alpha: 0.01 },
  optionDocs: {
    ...featureDocs,
    samples:
      "Random on/off patterns, each one forward pass (Captum n_samples, default 25 there; we default to 200 because a least-squares fit of ~50 superpixel coefficients on 25 samples is underdetermined). Each feature is on with probability 0.5 (Captum's default perturb_func), drawn from the seeded counter RNG.",
    kernel_width:
      "Width of the similarity kernel exp(-d^2 / (2 kernel_width^2)) on the cosine distance d between the input and the perturbed input, both flattened (Captum get_exp_kernel_similarity_function('cosine', kernel_width=1.0)).",
    alpha:
      "Ridge penalty of the surrogate: minimises sum_k w_k (y_k - b - z_k . phi)^2 + alpha |phi|^2 with an unpenalised intercept (sklearn Ridge with sample_weight). Captum's default surrogate is SkLearnLasso(alpha=0.01), whose alpha scales an L1 penalty on a mean loss: same name, different objective; a ridge has a closed form, is deterministic and does not zero small superpixels.",
    baseline: `Value of a switched-off feature (Captum baselines, default 0). ${BASELINE_DOC}`,
  },
  attribute(model, batch, targets, opts, ctx) {
    const c = ctx.input.shape[2];
    const rows = opts.samples;
    return attributeFeatures(
      model,
      batch,
      targets,
      opts,
      ctx,
      (mask, i, x, base) => {
        const m = mask.count;
        // Row r, feature f of a sample is the RNG's draw r * m + f: independent of batching.
        const rng = rngFor(ctx.seed, ctx.unitId, batch.ids[i]);
        const coalitions = Uint8Array.from({ length: rows * m }, (_, q) => (rng.at(q) < 0.5 ? 1 : 0));
        const d = cosineDistances(x, base, mask, c, coalitions, rows);
        const weights = d.map((v) => Math.exp(-(v * v) / (2 * opts.kernel_width ** 2)));
        return {
          ...matrixRows(coalitions, m),
          values: (y) =>
            weightedLeastSquares({
              X: Float64Array.from(coalitions),
              y,
              w: weights,
              cols: m,
              alpha: opts.alpha,
              intercept: true,
            }).coef,
        };
      },
      MAX_FIT_FEATURES,
    );
  },
};
