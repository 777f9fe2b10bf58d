import { rngFor } from '../core/rng.js';
import { baselineInput, drawnBaselines, uniformInput } from './_core/baselines.js';
import { deepLift } from './_core/propagation.js';
import type { Method } from './types.js';

export type DeepShapBaselines = 'uniform' | 'black-white' | 'dataset';

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
      baseline: { type: 'string', enum: ['uniform', 'black-white', 'dataset'] },
      samples: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  defaults: { baseline: 'uniform', samples: 10 },
  optionDocs: {
    baseline:
      "The baseline set (Captum's baselines tensor): 'uniform' draws `samples` images of uniform noise over input.range per sample, normalised like the input, from the counter-based RNG keyed by (seed, explanation id, sample id), so they do not depend on batching; 'black-white' is the two constant images input.range[0] and input.range[1]; 'dataset' is every reference input the runner supplies (a fixed sample of the data set), as Captum uses every baseline of its tensor. samples is ignored by the last two.",
    samples:
      'Number of uniform-noise baselines per sample (Captum takes the baseline count from its tensor; there is no default there). Cost: one reverse pass with two forward passes per baseline and sample.',
  },
  usesDataBaselines: (opts) => opts.baseline === 'dataset',
  async attribute(model, batch, targets, opts, ctx) {
    const t = ctx.input;
    const size = t.shape[0] * t.shape[1] * t.shape[2];
    if (opts.baseline === 'dataset') {
      drawnBaselines('dataset', ctx); // throws, with a hint, when the runner supplied none
      const set = ctx.baselines!;
      return deepLift(
        model,
        batch,
        targets,
        set.n,
        (_i, q, dst) => dst.set(set.x.subarray(q * size, (q + 1) * size)),
        ctx,
      );
    }
    if (opts.baseline === 'black-white') {
      const pair = [baselineInput(t, 'black'), baselineInput(t, 'white')];
      return deepLift(model, batch, targets, 2, (_i, q, dst) => dst.set(pair[q]), ctx);
    }
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
