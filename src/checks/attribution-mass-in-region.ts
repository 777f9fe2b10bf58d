import { massInRegion, meanChance } from './_core/localization.js';
import { complement, scoreMaps } from './_core/region.js';
import type { Check, SampleScore } from './types.js';

export interface MassInRegionOptions {
  /** Which pixels the mass must stay off: the sample's mask, or everything outside its boxes. */
  region: 'mask' | 'outside-box';
}

export const attributionMassInRegion: Check<MassInRegionOptions> = {
  id: 'attribution-mass-in-region',
  title: 'Attribution mass in a spurious region',
  summary:
    "Share of the map's positive mass on a region the model should not use: a spurious or protected region given as the sample's mask (a watermark, a hospital token, a face), or the background outside its boxes. Lower is better; chance (the region's share of the image) is what a map blind to the region would score. The same ratio as attribution-mass-in-box (Quantus' RelevanceMassAccuracy on max(a, 0)), on that region.",
  references: [
    'Arras et al. 2022, CLEVR-XAI: relevance mass accuracy',
    'Quantus: quantus.RelevanceMassAccuracy',
  ],
  category: 'localization',
  scoreDirection: 'lower',
  explanation: 'required',
  // A box or a mask: run.ts accepts a manifest with either column; samples without the chosen one are errors.
  needs: { region: true },
  statistics: ['chance'],
  score:
    "sum(max(a,0) on the region) / sum(max(a,0)) in [0, 1]; chance (the region's share of the image) is reported beside it.",
  schema: {
    type: 'object',
    properties: { region: { enum: ['mask', 'outside-box'] } },
    additionalProperties: false,
  },
  defaults: { region: 'mask' },
  optionDocs: {
    region:
      "'mask' (default): the pixels the sample's mask marks (non-zero); 'outside-box': every pixel outside the union of its boxes, i.e. the background. Quantus' RelevanceMassAccuracy with s_batch = that region.",
  },
  evaluate: (ctx, opts) =>
    scoreMaps(ctx, (map, d): SampleScore => {
      if (opts.region === 'mask') {
        return d.mask === null
          ? { score: null, error: 'the sample has no mask' }
          : massInRegion(map, d.mask, 'mask');
      }
      if (d.boxMask === null) return { score: null, error: 'the sample has no box' };
      return massInRegion(map, complement(d.boxMask), 'area outside the boxes');
    }),
  summarize: (samples) => ({ stats: { chance: meanChance(samples) } }),
};
