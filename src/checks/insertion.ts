import {
  type CurveOptions,
  curveSchemaProperties,
  evaluateCurves,
  fillDoc,
} from './_core/perturbation-curve.js';
import type { Check } from './types.js';

export type InsertionOptions = CurveOptions;

export const insertion: Check<InsertionOptions> = {
  id: 'insertion',
  title: 'Insertion AUC',
  summary:
    "Start from the fill image (a blur of the input by default) and put the image's pixels back in the order of the map (most relevant first) in `steps` chunks, integrating the target's probability over the fraction inserted: a faithful map makes it rise fast (RISE's insertion metric).",
  references: [
    'Petsiuk, Das & Saenko 2018, RISE: Randomized Input Sampling for Explanation of Black-box Models (insertion metric)',
    'Quantus: quantus.PixelFlipping (the deletion counterpart)',
  ],
  category: 'faithfulness',
  scoreDirection: 'higher',
  directionFor: (opts) => (opts.order === 'least' ? 'lower' : 'higher'),
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Normalised area under the curve of the target's score against the fraction of pixels inserted, trapezoid over [0, 1] with the fill image at 0 and the clean image at 1 (with order: least, a lower score is better).",
  schema: { type: 'object', properties: curveSchemaProperties, additionalProperties: false },
  defaults: { order: 'most', steps: 100, fill: 'blur', output: 'probability' },
  optionDocs: {
    order:
      'most (default): most relevant pixels inserted first, by signed map value (MoRF); least: least relevant first (LeRF). Ties keep row-major pixel order.',
    steps:
      "Number of chunks the pixels are inserted in (default 100, at most one per pixel); chunk i ends at round(i * pixels / steps). RISE's CausalMetric(step) is steps = pixels / step where step divides the pixel count (its evaluation: step 224 on 224x224, steps: 224), with the same normalised trapezoid. Cost: steps forward passes per sample.",
    fill: `Image the insertion starts from (default blur, as RISE): ${fillDoc}`,
    output:
      "probability (default): the target's softmax probability (sigmoid for one unit), as RISE; logit: the pre-activation output.",
  },
  evaluate: (ctx, opts) => evaluateCurves(ctx, 'insertion', opts),
  summarize: () => ({ stats: {} }),
};
