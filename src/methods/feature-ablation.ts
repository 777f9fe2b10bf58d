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
      // Row 0 keeps every feature (F(x)); row 1 + f drops feature f. Rows are
      // made on demand: with one feature per pixel an m x m matrix would not fit.
      const keep = new Uint8Array(m);
      return {
        rows: m + 1,
        row(r) {
          keep.fill(1);
          if (r > 0) keep[r - 1] = 0;
          return keep;
        },
        values: (s) => Float64Array.from({ length: m }, (_, f) => s[0] - s[f + 1]),
      };
    });
  },
};
