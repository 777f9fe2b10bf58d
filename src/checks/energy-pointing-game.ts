import { energyPointingGame, meanChance } from './_core/localization.js';
import { type NoOptions, noOptions } from './_core/no-options.js';
import { againstRegion, scoreMaps } from './_core/region.js';
import type { Check } from './types.js';

export type EnergyPointingGameOptions = NoOptions;

export const energyPointingGameCheck: Check<EnergyPointingGameOptions> = {
  id: 'energy-pointing-game',
  title: 'Energy-based pointing game',
  summary:
    "Share of the map's energy on the object (its mask, else its boxes) after min-max normalising the map to [0, 1], as in Score-CAM's localization evaluation. Negative values are shifted, not dropped (compare attribution-mass-in-box); Quantus has no equivalent metric. A constant map is a sample error.",
  references: ['Wang et al. 2020, Score-CAM, section 5.2 (energy-based pointing game)'],
  category: 'localization',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: { region: true },
  statistics: ['chance'],
  score:
    "sum(e inside the region) / sum(e), e = (a - min a) / (max a - min a); chance (the region's share of the image) is reported beside it.",
  ...noOptions,
  evaluate: (ctx) =>
    scoreMaps(ctx, (map, d) => againstRegion(d, (r) => energyPointingGame(map, r.mask, r.source))),
  summarize: (samples) => ({ stats: { chance: meanChance(samples) } }),
};
