import {
  type SensitivityOptions,
  sensitivityDefaults,
  sensitivityOptionDocs,
  sensitivityReferences,
  sensitivitySchema,
  sensitivityScores,
} from './_core/sensitivity.js';
import type { Check } from './types.js';

export const avgSensitivity: Check<SensitivityOptions> = {
  id: 'avg-sensitivity',
  title: 'Avg-sensitivity',
  summary:
    "How much the explanation changes under small input noise: the mean over perturbed inputs x' (uniform noise of half-width radius, pixel units) of ||a(x') - a(x)||_2 / ||a(x)||_2, on the channel-summed map. Quantus' AvgSensitivity with its default norms (Frobenius over Frobenius, difference, no normalisation, abs=False).",
  references: sensitivityReferences,
  category: 'robustness',
  scoreDirection: 'lower',
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Mean relative change ||a(x') - a(x)||_2 / ||a(x)||_2 over the perturbed inputs (0 = unchanged); details give both max and mean. An all-zero map is an error.",
  schema: sensitivitySchema,
  defaults: sensitivityDefaults,
  optionDocs: sensitivityOptionDocs('mean'),
  evaluate: (ctx, opts) => sensitivityScores(ctx, opts, 'mean'),
  summarize: () => ({ stats: {} }),
};
