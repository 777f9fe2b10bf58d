import { inputShape } from './_core/batching.js';
import { inputGradients } from './_core/gradients.js';
import type { Method } from './types.js';

/** Captum's InputXGradient has no options. */
export type InputXGradientOptions = Record<string, never>;

export const inputXGradient: Method<InputXGradientOptions> = {
  id: 'input-x-gradient',
  title: 'Input x Gradient',
  summary:
    "The model input times the gradient of the target logit with respect to it, elementwise, in normalised input units (what the model sees; a zero baseline after normalisation). Captum's InputXGradient; no options.",
  references: [
    'Shrikumar et al. 2016, Not Just a Black Box (arXiv:1605.01713)',
    'captum.attr.InputXGradient',
  ],
  family: 'gradient',
  completeness: false,
  schema: { type: 'object', properties: {}, additionalProperties: false },
  defaults: {},
  optionDocs: {},
  async attribute(model, batch, targets, _opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const values = await inputGradients(model, batch.x, batch.n, targets, ctx);
    for (let i = 0; i < values.length; i++) values[i] *= batch.x[i];
    return { values, shape: [batch.n, h, w, c] };
  },
};
