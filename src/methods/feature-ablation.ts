import { BASELINE_DOC, type BaselineSpec, baselineInput, baselineSchema } from './_core/baselines.js';
import { inputShape } from './_core/batching.js';
import {
  type FeatureOptions,
  featureDocs,
  featureMasks,
  featureSchema,
  scoreCoalitions,
  spread,
} from './_core/features.js';
import type { Method } from './types.js';

export interface FeatureAblationOptions extends FeatureOptions {
  baseline: BaselineSpec;
}

export const featureAblation: Method<FeatureAblationOptions> = {
  id: 'feature-ablation',
  title: 'Feature ablation',
  summary:
    "Replaces one feature (a grid cell or a SLIC superpixel, all channels) at a time by the baseline and records the drop of the target logit F(x) - F(x without the feature); every input value of the feature carries that drop. Captum's FeatureAblation with a feature_mask; one forward pass per feature plus one.",
  references: ['captum.attr.FeatureAblation', 'Achanta et al. 2012, SLIC Superpixels (TPAMI 34(11))'],
  family: 'perturbation',
  completeness: false,
  schema: {
    type: 'object',
    properties: { ...featureSchema, baseline: baselineSchema },
    additionalProperties: false,
  },
  defaults: { features: 'grid', grid: [8, 8], segments: 50, compactness: 10, baseline: 'zeros' },
  optionDocs: {
    ...featureDocs,
    baseline: `Value an ablated feature takes (Captum baselines, default 0). ${BASELINE_DOC}`,
  },
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const size = h * w * c;
    const masks = featureMasks(batch, ctx, opts);
    const base = baselineInput(ctx.input, opts.baseline);
    // Per sample: row 0 keeps every feature (F(x)); row 1 + f drops feature f.
    const coalitions = masks.map(({ count: m }) => {
      const z = new Uint8Array((m + 1) * m).fill(1);
      for (let f = 0; f < m; f++) z[(f + 1) * m + f] = 0;
      return z;
    });
    const scores = await scoreCoalitions(model, batch, targets, masks, base, coalitions, ctx);
    const values = new Float32Array(batch.n * size);
    for (let i = 0; i < batch.n; i++) {
      const s = scores[i];
      const drops = Float64Array.from({ length: masks[i].count }, (_, f) => s[0] - s[f + 1]);
      spread(drops, masks[i], c, values.subarray(i * size, (i + 1) * size));
    }
    return { values, shape: [batch.n, h, w, c] };
  },
};
