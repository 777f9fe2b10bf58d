import { massInRegion, meanChance } from './_core/localization.js';
import { type NoOptions, noOptions } from './_core/no-options.js';
import { againstRegion, scoreMaps } from './_core/region.js';
import type { Check } from './types.js';

export type MassInBoxOptions = NoOptions;

export const attributionMassInBox: Check<MassInBoxOptions> = {
  id: 'attribution-mass-in-box',
  title: 'Attribution mass in box',
  summary:
    "Share of the map's positive mass that lies on the object: inside its segmentation mask when the manifest gives one, else inside its box(es). Quantus' RelevanceMassAccuracy (abs=False; its normalise-by-max does not change the ratio) on max(a, 0): equal to it, and to AttributionLocalisation, on non-negative maps such as Grad-CAM's; on signed maps Quantus sums the signed values (a ratio that can leave [0, 1]) and AttributionLocalisation (abs=True) sums |a|.",
  references: [
    'Arras et al. 2022, CLEVR-XAI: relevance mass accuracy',
    'Quantus: quantus.RelevanceMassAccuracy, quantus.AttributionLocalisation',
  ],
  category: 'localization',
  scoreDirection: 'higher',
  explanation: 'required',
  // A box or a mask: run.ts accepts a manifest with either column.
  needs: { region: true },
  statistics: ['chance'],
  score:
    "sum(max(a,0) inside the region) / sum(max(a,0)); chance (the region's share of the image) is reported beside it.",
  ...noOptions,
  evaluate: (ctx) => scoreMaps(ctx, (map, d) => againstRegion(d, (r) => massInRegion(map, r.mask, r.source))),
  summarize: (samples) => ({ stats: { chance: meanChance(samples) } }),
};
