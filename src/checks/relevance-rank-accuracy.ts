import { meanChance, relevanceRankAccuracy } from './_core/localization.js';
import { type NoOptions, noOptions } from './_core/no-options.js';
import { againstRegion, scoreMaps } from './_core/region.js';
import type { Check } from './types.js';

export type RelevanceRankAccuracyOptions = NoOptions;

export const relevanceRankAccuracyCheck: Check<RelevanceRankAccuracyOptions> = {
  id: 'relevance-rank-accuracy',
  title: 'Relevance rank accuracy',
  summary:
    "Share of the object (its mask, else its boxes) among the map's |R| highest-ranked pixels, |R| the object's size. Quantus' RelevanceRankAccuracy (abs=False; normalise-by-max does not change ranks). Ties straddling the cut count fractionally (the mean over tie orders) where Quantus takes np.argsort's order; a constant or all-zero map is a sample error.",
  references: [
    'Arras et al. 2022, CLEVR-XAI: relevance rank accuracy',
    'Quantus: quantus.RelevanceRankAccuracy',
  ],
  category: 'localization',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: { region: true },
  statistics: ['chance'],
  score:
    "|top-|R| pixels of a ∩ R| / |R| in [0, 1]; chance (|R| / pixels, a random ranking's expected score) is reported beside it.",
  ...noOptions,
  evaluate: (ctx) =>
    scoreMaps(ctx, (map, d) => againstRegion(d, (r) => relevanceRankAccuracy(map, r.mask, r.source))),
  summarize: (samples) => ({ stats: { chance: meanChance(samples) } }),
};
