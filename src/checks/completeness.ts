import { byBatch } from './_core/batches.js';
import { type NoOptions, noOptions } from './_core/no-options.js';
import type { Check } from './types.js';

export type CompletenessOptions = NoOptions;

export const completeness: Check<CompletenessOptions> = {
  id: 'completeness',
  title: 'Completeness',
  summary:
    'Relative error of the summation-to-delta axiom: attributions should sum to F(x) - F(baseline) (Integrated Gradients, DeepLIFT).',
  references: [
    'Sundararajan et al. 2017, Axiomatic Attribution for Deep Networks',
    'Captum: IntegratedGradients(..., return_convergence_delta=True)',
  ],
  category: 'axiomatic',
  scoreDirection: 'lower',
  explanation: 'completeness',
  needs: {},
  statistics: [],
  score: '|sum(a) - (F(x) - F(baseline))| / max(|F(x) - F(baseline)|, 1e-6), on the target logit.',
  ...noOptions,
  async evaluate(ctx) {
    return byBatch(ctx, async (part, targets, samples) => {
      const maps = await ctx.maps(part, targets);
      for (const { map, outputDelta } of maps) {
        if (outputDelta === null) {
          samples.push({ score: null, error: 'the method reported no output delta' });
          continue;
        }
        let sum = 0;
        for (let p = 0; p < map.length; p++) sum += map[p];
        const err = Math.abs(sum - outputDelta) / Math.max(Math.abs(outputDelta), 1e-6);
        if (!Number.isFinite(err)) samples.push({ score: null, error: 'the attribution or output is NaN' });
        else samples.push({ score: err, details: { sum, output_delta: outputDelta } });
      }
    });
  },
  summarize: () => ({ stats: {} }),
};
