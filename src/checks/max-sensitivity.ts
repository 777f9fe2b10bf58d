import {
  type SensitivityOptions,
  sensitivityDefaults,
  sensitivityOptionDocs,
  sensitivityReferences,
  sensitivitySchema,
  sensitivityScores,
} from './_core/sensitivity.js';
import type { Check } from './types.js';

export const maxSensitivity: Check<SensitivityOptions> = {
  id: 'max-sensitivity',
  title: 'Max-sensitivity',
  summary:
    "How much the explanation changes under small input noise: the largest over perturbed inputs x' (uniform noise of half-width radius, pixel units) of ||a(x') - a(x)||_2 / ||a(x)||_2, on the channel-summed map. Quantus' MaxSensitivity with its default norms (Frobenius over Frobenius, difference, no normalisation, abs=False); Captum's sensitivity_max computes the same quotient on the attribution before channels are summed.",
  references: sensitivityReferences,
  category: 'robustness',
  scoreDirection: 'lower',
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Largest relative change ||a(x') - a(x)||_2 / ||a(x)||_2 over the perturbed inputs (0 = unchanged); details give both max and mean. An all-zero map is an error.",
  schema: sensitivitySchema,
  defaults: sensitivityDefaults,
  optionDocs: sensitivityOptionDocs('max'),
  evaluate: (ctx, opts) => sensitivityScores(ctx, opts, 'max'),
  summarize: () => ({ stats: {} }),
};
