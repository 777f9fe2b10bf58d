import { topKIoU, topKPixels } from './_core/localization.js';
import { againstRegion, scoreMaps } from './_core/region.js';
import type { Check } from './types.js';

export interface TopKIoUOptions {
  /** Share of the image's pixels taken from the top of the map, or 'region' for the object's size. */
  k: number | 'region';
}

export const topKIoUCheck: Check<TopKIoUOptions> = {
  id: 'top-k-iou',
  title: 'Top-k IoU',
  summary:
    "Intersection over union between the map's k highest-ranked pixels and the object (its mask, else its boxes). Quantus' TopKIntersection scores the same top k by |top-k ∩ R| / k (reported here per sample as details.precision); IoU also penalises a top-k set that covers only part of a large object. Ties at the cut count fractionally (the mean over tie orders); a constant or all-zero map is a sample error.",
  references: [
    'Theiner et al. 2021, Interpretable Semantic Photo Geolocalization (top-k intersection)',
    'Quantus: quantus.TopKIntersection',
  ],
  category: 'localization',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: { region: true },
  statistics: [],
  score:
    'I / (k + |R| - I) in [0, 1], I = |top-k pixels of a ∩ R|; 1 only when the top k pixels are exactly R.',
  schema: {
    type: 'object',
    properties: {
      k: { anyOf: [{ const: 'region' }, { type: 'number', exclusiveMinimum: 0, maximum: 1 }] },
    },
    additionalProperties: false,
  },
  defaults: { k: 'region' },
  optionDocs: {
    k: "How many top pixels: a share of the image's pixels (rounded, at least 1), or 'region' (default) for the object's own size, where IoU = 1 exactly when the map ranks the object first. Quantus' k counts pixels (default 1000, abs=False): its k = round(k * h * w) of the model input.",
  },
  evaluate: (ctx, opts) =>
    scoreMaps(ctx, (map, d) =>
      againstRegion(d, (r) => topKIoU(map, r.mask, topKPixels(opts.k, r.mask), r.source)),
    ),
  summarize: () => ({ stats: {} }),
};
