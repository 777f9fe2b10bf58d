import { meanChance, pointingGame } from './_core/localization.js';
import { againstRegion, scoreMaps } from './_core/region.js';
import type { Check } from './types.js';

export interface PointingGameOptions {
  /** Pixels (model resolution) by which the region grows before the maximum must land in it. */
  tolerance: number;
}

export const pointingGameCheck: Check<PointingGameOptions> = {
  id: 'pointing-game',
  title: 'Pointing game',
  summary:
    "Does the map's maximum land on the object (its mask, else its boxes)? Quantus' PointingGame (weighted=False, abs=False; normalise-by-max does not move the maximum): a hit when any of the tied maxima is inside. Unlike Quantus, a constant or all-zero map (where every pixel is a maximum) is a sample error, not a hit.",
  references: [
    'Zhang et al. 2018, Top-Down Neural Attention by Excitation Backprop (pointing game)',
    'Quantus: quantus.PointingGame',
  ],
  category: 'localization',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: { region: true },
  statistics: ['chance'],
  score:
    "1 when a pixel of maximal attribution lies in the region grown by `tolerance`, else 0; chance (the grown region's share of the image, a random point's hit rate) is reported beside it.",
  schema: {
    type: 'object',
    properties: { tolerance: { type: 'number', minimum: 0 } },
    additionalProperties: false,
  },
  defaults: { tolerance: 0 },
  optionDocs: {
    tolerance:
      'Euclidean distance in pixels of the model input (between pixel centres) within which a maximum off the region still hits. Quantus has no tolerance (0, the default); Zhang et al. allow 15 pixels of the original image, i.e. 15 * model size / image size here.',
  },
  evaluate: (ctx, opts) => {
    const [h, w] = ctx.input.shape;
    return scoreMaps(ctx, (map, d) =>
      againstRegion(d, (r) => pointingGame(map, r.mask, h, w, opts.tolerance, r.source)),
    );
  },
  summarize: (samples) => ({ stats: { chance: meanChance(samples) } }),
};
