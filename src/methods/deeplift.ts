import { BASELINE_DOC, type BaselineSpec, baselineInput, baselineSchema } from './_core/baselines.js';
import { deepLift } from './_core/propagation.js';
import type { Method } from './types.js';

export interface DeepLiftOptions {
  baseline: BaselineSpec;
}

export const deeplift: Method<DeepLiftOptions> = {
  id: 'deeplift',
  title: 'DeepLIFT (rescale)',
  summary:
    "(x - b) times DeepLIFT multipliers of the target logit, propagated by the rescale rule: each nonlinearity passes m * (y - y0) / (x - x0) (its gradient where |x - x0| < 1e-10), linear layers their gradient, max-pool Captum's rule. Sums to F(x) - F(b) exactly, up to float rounding. Captum's DeepLift (multiply_by_inputs=True).",
  references: [
    'Shrikumar, Greenside & Kundaje 2017, Learning Important Features Through Propagating Activation Differences (arXiv:1704.02685)',
    'captum.attr.DeepLift',
  ],
  family: 'propagation',
  completeness: true,
  schema: {
    type: 'object',
    properties: { baseline: baselineSchema },
    additionalProperties: false,
  },
  defaults: { baseline: 'zeros' },
  optionDocs: {
    baseline: `The reference input (Captum baselines). ${BASELINE_DOC}`,
  },
  async attribute(model, batch, targets, opts, ctx) {
    const base = baselineInput(ctx.input, opts.baseline);
    return deepLift(model, batch, targets, 1, (_i, _q, dst) => dst.set(base), ctx);
  },
};
