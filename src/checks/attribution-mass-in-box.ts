import { chunks } from '../data/dataset.js';
import { type NoOptions, noOptions } from './_core/no-options.js';
import { hasNaN } from './_core/stats.js';
import type { Check, SampleScore } from './types.js';

export type MassInBoxOptions = NoOptions;

export const attributionMassInBox: Check<MassInBoxOptions> = {
  id: 'attribution-mass-in-box',
  title: 'Attribution mass in box',
  summary:
    "Share of the map's positive mass that lies inside the annotated box(es): Quantus' RelevanceMassAccuracy on the non-negative map.",
  references: [
    'Arras et al. 2022, CLEVR-XAI: relevance mass accuracy',
    'Quantus: quantus.RelevanceMassAccuracy',
  ],
  category: 'localization',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: { boxes: true },
  statistics: ['chance'],
  score:
    "sum(max(a,0) inside the boxes) / sum(max(a,0)); chance (the boxes' share of the image) is reported beside it.",
  ...noOptions,
  async evaluate(ctx) {
    const samples: SampleScore[] = [];
    let done = 0;
    for (const part of chunks(ctx.samples, ctx.maxBatch)) {
      const targets = ctx.targets.subarray(done, done + part.length);
      const maps = await ctx.maps(part, targets);
      for (const [i, s] of part.entries()) {
        const mask = (await ctx.dataset.decode(s)).boxMask;
        const { map } = maps[i];
        if (mask === null) {
          samples.push({ score: null, error: 'the sample has no box' });
          continue;
        }
        let inside = 0;
        let total = 0;
        let area = 0;
        for (let p = 0; p < map.length; p++) {
          const v = Math.max(map[p], 0);
          total += v;
          if (mask[p]) {
            inside += v;
            area++;
          }
        }
        const chance = area / map.length;
        if (area === 0) samples.push({ score: null, error: 'the box covers no pixel at model resolution' });
        else if (hasNaN(map)) samples.push({ score: null, error: 'the attribution contains NaN' });
        else if (total === 0) samples.push({ score: null, error: 'the attribution has no positive mass' });
        else {
          samples.push({ score: inside / total, details: { chance } });
        }
      }
      done += part.length;
      ctx.progress(done);
    }
    return samples;
  },
  summarize(samples) {
    let chanceSum = 0;
    let chanceN = 0;
    for (const s of samples) {
      const chance = s.details?.chance;
      if (s.score === null || s.error !== undefined || typeof chance !== 'number') continue;
      chanceSum += chance;
      chanceN++;
    }
    return { stats: { chance: chanceN > 0 ? chanceSum / chanceN : null } };
  },
};
