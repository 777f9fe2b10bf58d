import { BASELINE_DOC } from './_core/baselines.js';
import {
  attributeFeatures,
  type FeatureOptions,
  featureDefaults,
  featureDocs,
  featureSchema,
  SLIC_REFERENCE,
} from './_core/features.js';
import type { Method } from './types.js';

export type FeatureAblationOptions = FeatureOptions;

export const featureAblation: Method<FeatureAblationOptions> = {
  id: 'feature-ablation',
  title: 'Feature ablation',
  summary:
    "Replaces one feature (a grid cell or a SLIC superpixel, all channels) at a time by the baseline and records the drop of the target logit F(x) - F(x without the feature); every input value of the feature carries that drop. Captum's FeatureAblation with a feature_mask; one forward pass per feature plus one.",
  references: ['captum.attr.FeatureAblation', SLIC_REFERENCE],
  family: 'perturbation',
  completeness: false,
  schema: {
    type: 'object',
    properties: featureSchema,
    additionalProperties: false,
  },
  defaults: featureDefaults('grid'),
  optionDocs: {
    ...featureDocs,
    baseline: `Value an ablated feature takes (Captum baselines, default 0). ${BASELINE_DOC}`,
  },
  attribute(model, batch, targets, opts, ctx) {
    return attributeFeatures(model, batch, targets, opts, ctx, ({ count: m }) => {
      // Row 0 keeps every feature (F(x)); row 1 + f drops feature f.
      const coalitions = new Uint8Array((m + 1) * m).fill(1);
      for (let f = 0; f < m; f++) coalitions[(f + 1) * m + f] = 0;
      return { coalitions, values: (s) => Float64Array.from({ length: m }, (_, f) => s[0] - s[f + 1]) };
    });
  },
};
