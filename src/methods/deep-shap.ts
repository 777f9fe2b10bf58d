import { rngFor } from '../core/rng.js';
import { baselineInput, uniformInput } from './_core/baselines.js';
import { deepLift } from './_core/propagation.js';
import type { Method } from './types.js';

export type DeepShapBaselines = 'uniform' | 'black-white';

export interface DeepShapOptions {
  baseline: DeepShapBaselines;
  samples: number;
}

export const deepShap: Method<DeepShapOptions> = {
  id: 'deep-shap',
  title: 'DeepSHAP (DeepLIFT over a baseline set)',
  summary:
    "DeepLIFT (rescale) of the target logit against each baseline of a set, averaged: sums to F(x) - mean_b F(b). Captum's DeepLiftShap, whose baseline distribution is given here by an option instead of a tensor.",
  references: [
    'Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions (arXiv:1705.07874)',
    'captum.attr.DeepLiftShap',
  ],
  family: 'propagation',
  completeness: true,
  schema: {
    type: 'object',
    properties: {
      baseline: { type: 'string', enum: ['uniform', 'black-white'] },
      samples: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  defaults: { baseline: 'uniform', samples: 10 },
  optionDocs: {
    baseline:
      "The baseline set (Captum's baselines tensor): 'uniform' draws `samples` images of uniform noise over input.range per sample, normalised like the input, from the counter-based RNG keyed by (seed, explanation id, sample id), so they do not depend on batching; 'black-white' is the two constant images input.range[0] and input.range[1] (samples is then ignored).",
    samples:
      'Number of uniform-noise baselines per sample (Captum takes the baseline count from its tensor; there is no default there). Cost: one reverse pass with two forward passes per baseline and sample.',
  },
  async attribute(model, batch, targets, opts, ctx) {
    const t = ctx.input;
    if (opts.baseline === 'black-white') {
      const pair = [baselineInput(t, 'black'), baselineInput(t, 'white')];
      return deepLift(model, batch, targets, 2, (_i, q, dst) => dst.set(pair[q]), ctx);
    }
    const size = t.shape[0] * t.shape[1] * t.shape[2];
    // A stream per sample, for baselines only: draw q uses positions [q * size, (q + 1) * size).
    const rngs = batch.ids.map((id) => rngFor(ctx.seed, `${ctx.unitId}/baselines`, id));
    return deepLift(
      model,
      batch,
      targets,
      opts.samples,
      (i, q, dst) => uniformInput(t, rngs[i], q * size, dst),
      ctx,
    );
  },
};
