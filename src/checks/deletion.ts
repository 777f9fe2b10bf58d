import {
  type CurveOptions,
  curveSchemaProperties,
  evaluateCurves,
  fillDoc,
} from './_core/perturbation-curve.js';
import type { Check } from './types.js';

export type DeletionOptions = CurveOptions;

export const deletion: Check<DeletionOptions> = {
  id: 'deletion',
  title: 'Deletion AUC',
  summary:
    "Remove pixels in the order of the map (most relevant first) in `steps` chunks, replacing them with the fill, and integrate the target's probability over the fraction removed: a faithful map makes it fall fast (RISE's deletion metric; Quantus' PixelFlipping).",
  references: [
    'Petsiuk, Das & Saenko 2018, RISE: Randomized Input Sampling for Explanation of Black-box Models (deletion metric)',
    'Quantus: quantus.PixelFlipping, quantus.RegionPerturbation',
  ],
  category: 'faithfulness',
  scoreDirection: 'lower',
  directionFor: (opts) => (opts.order === 'least' ? 'higher' : 'lower'),
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Normalised area under the curve of the target's score against the fraction of pixels removed, trapezoid over [0, 1] with the clean image at 0 and the all-fill image at 1 (with order: least, a higher score is better). Quantus PixelFlipping's curve is ours without the clean point, and its AUC (np.trapz, dx = 1) equals steps * score - (p(0) + p(1 / steps)) / 2.",
  schema: { type: 'object', properties: curveSchemaProperties, additionalProperties: false },
  defaults: { order: 'most', steps: 100, fill: { constant: 0 }, output: 'probability' },
  optionDocs: {
    order:
      "most (default): most relevant first, by signed map value (MoRF; Quantus' argsort(-a) with abs=False, RegionPerturbation's order 'morf'); least: least relevant first (LeRF, 'lerf'). Ties keep row-major pixel order. Quantus RegionPerturbation with patch_size 1 records the drop p(x) - p at each point: the same curve, subtracted from p(x).",
    steps:
      "Number of chunks the pixels are removed in (default 100, at most one per pixel); chunk i ends at round(i * pixels / steps). Quantus PixelFlipping's features_in_step = pixels * channels / steps on one-channel images; RISE's CausalMetric(step) is steps = pixels / step where step divides the pixel count (its evaluation: step 224 on 224x224, steps: 224), with the same normalised trapezoid. Cost: steps forward passes per sample.",
    fill: `Value of removed pixels (default {constant: 0}: pixel value 0, black when input.range starts at 0, as Quantus; RISE's deletion uses zeros): ${fillDoc}`,
    output:
      "probability (default): the target's softmax probability (sigmoid for one unit), as RISE and Quantus (softmax=True); logit: the pre-activation output.",
  },
  evaluate: (ctx, opts) => evaluateCurves(ctx, 'deletion', opts),
  summarize: () => ({ stats: {} }),
};
