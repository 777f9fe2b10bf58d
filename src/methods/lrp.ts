import { normalisedBounds } from '../data/input.js';
import type { LrpConfig } from '../models/model.js';
import { propagate } from './_core/propagation.js';
import type { Method, RunContext } from './types.js';

export const LRP_RULES = [
  'epsilon',
  'gamma',
  'zplus',
  'alpha1-beta0',
  'alpha2-beta1',
  'epsilon-plus',
  'epsilon-plus-flat',
  'epsilon-gamma-box',
  'epsilon-alpha2-beta1',
  'epsilon-alpha2-beta1-flat',
] as const;

export type LrpRuleName = (typeof LRP_RULES)[number];

export interface LrpOptions {
  rule: LrpRuleName;
  epsilon: number;
  gamma: number;
  fold_batchnorm: boolean;
}

type Layers = Pick<LrpConfig, 'conv' | 'dense' | 'first' | 'alpha' | 'beta'>;

const ZPLUS: Layers = { conv: 'alpha-beta', dense: 'alpha-beta', alpha: 1, beta: 0 };
const A2B1 = { alpha: 2, beta: 1 };

/** Each rule name's layer assignment; composites as zennit's composites of the same name. */
const PRESETS: Record<LrpRuleName, Layers> = {
  epsilon: { conv: 'epsilon', dense: 'epsilon', alpha: 1, beta: 0 },
  gamma: { conv: 'gamma', dense: 'gamma', alpha: 1, beta: 0 },
  zplus: ZPLUS,
  'alpha1-beta0': ZPLUS,
  'alpha2-beta1': { conv: 'alpha-beta', dense: 'alpha-beta', ...A2B1 },
  'epsilon-plus': { conv: 'alpha-beta', dense: 'epsilon', alpha: 1, beta: 0 },
  'epsilon-plus-flat': { conv: 'alpha-beta', dense: 'epsilon', first: 'flat', alpha: 1, beta: 0 },
  'epsilon-gamma-box': { conv: 'gamma', dense: 'epsilon', first: 'zbox', alpha: 1, beta: 0 },
  'epsilon-alpha2-beta1': { conv: 'alpha-beta', dense: 'epsilon', ...A2B1 },
  'epsilon-alpha2-beta1-flat': { conv: 'alpha-beta', dense: 'epsilon', first: 'flat', ...A2B1 },
};

/** The engine's LRP configuration for a rule name; zbox bounds are the input range, normalised. */
export function lrpConfig(opts: LrpOptions, ctx: RunContext): LrpConfig {
  const cfg: LrpConfig = {
    ...PRESETS[opts.rule],
    epsilon: opts.epsilon,
    gamma: opts.gamma,
    foldBatchnorm: opts.fold_batchnorm,
  };
  if (cfg.first === 'zbox') {
    const [h, w, c] = ctx.input.shape;
    const { lo, hi } = normalisedBounds(ctx.input);
    cfg.low = new Float32Array(h * w * c).map((_, p) => lo[p % c]);
    cfg.high = new Float32Array(h * w * c).map((_, p) => hi[p % c]);
  }
  return cfg;
}

export const lrp: Method<LrpOptions> = {
  id: 'lrp',
  title: 'Layer-wise Relevance Propagation',
  summary:
    "Relevance propagated from the target logit (R = F(x) at the output, as Captum's LRP) back to the input by per-layer rules: conv/dense layers by the chosen rule or composite, activations passing relevance through, max-pool routing it to the window maximum, add and average pools splitting it in proportion to their inputs (zennit's Norm), batchnorm by epsilon. With bias-free layers and epsilon 0 the relevance sums to F(x). Rules and composites follow zennit (Epsilon, Gamma, ZPlus, AlphaBeta, Flat, ZBox; EpsilonPlus, EpsilonPlusFlat, EpsilonGammaBox, EpsilonAlpha2Beta1, EpsilonAlpha2Beta1Flat); Captum's LRP is the single-rule 'epsilon' (with its epsilon 1e-9).",
  references: [
    'Bach et al. 2015, On Pixel-Wise Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance Propagation (PLoS ONE)',
    'Montavon et al. 2019, Layer-Wise Relevance Propagation: An Overview',
    'captum.attr.LRP',
    'zennit.rules, zennit.composites',
  ],
  family: 'propagation',
  completeness: false,
  schema: {
    type: 'object',
    properties: {
      rule: { type: 'string', enum: [...LRP_RULES] },
      epsilon: { type: 'number', minimum: 0 },
      gamma: { type: 'number', minimum: 0 },
      fold_batchnorm: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  defaults: { rule: 'epsilon', epsilon: 1e-6, gamma: 0.25, fold_batchnorm: false },
  optionDocs: {
    rule: "A rule for every conv and dense layer ('epsilon', 'gamma', 'zplus' = 'alpha1-beta0', 'alpha2-beta1'; zennit's rules of those names; 'epsilon' equals Captum's EpsilonRule, while Captum's GammaRule and Alpha1_Beta0_Rule leave the bias unboosted and unclamped, so their numbers differ) or a zennit composite: 'epsilon-plus' (zplus for conv, epsilon for dense), 'epsilon-plus-flat' (and flat for the first layer), 'epsilon-gamma-box' (gamma for conv, epsilon for dense, zbox over input.range for the first layer), 'epsilon-alpha2-beta1' and 'epsilon-alpha2-beta1-flat'. The first layer is the first conv or dense layer in the graph.",
    epsilon:
      "Epsilon of the epsilon rule, added to each denominator with its sign (zennit Epsilon epsilon, default 1e-6; Captum's EpsilonRule default is 1e-9). 0 is LRP-0. Batchnorm layers use it too; every other rule adds zennit's fixed stabiliser 1e-6.",
    gamma:
      'Gamma of the gamma rule, zennit Gamma semantics: the contributions that share the sign of the output are boosted by gamma (weights and bias), default 0.25. Not the same numbers as Captum GammaRule, which always boosts positive weights and leaves the bias alone.',
    fold_batchnorm:
      "Fold each batchnorm that directly follows a conv or dense layer into that layer's weights, so the layer's rule sees the affine map as one (zennit's SequentialMergeBatchNorm canonizer, which zennit users pass explicitly). false (default) gives batchnorm its own epsilon rule, as Captum's LRP does; for epsilon the two agree up to the stabiliser.",
  },
  async attribute(model, batch, targets, opts, ctx) {
    const { values, target, shape } = await propagate(
      model,
      batch,
      targets,
      { rules: 'lrp', lrp: lrpConfig(opts, ctx) },
      ctx,
    );
    // The engine seeds relevance with the one-hot row; every rule is linear in relevance,
    // so scaling by the target logit gives Captum's seed R = F(x).
    const size = values.length / batch.n;
    for (let i = 0; i < batch.n; i++) {
      for (let p = 0; p < size; p++) values[i * size + p] *= target[i];
    }
    return { values, shape };
  },
};
