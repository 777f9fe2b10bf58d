import { inputShape } from './_core/batching.js';
import { inputGradients } from './_core/gradients.js';
import type { Method } from './types.js';

export interface SaliencyOptions {
  abs: boolean;
}

export const saliency: Method<SaliencyOptions> = {
  id: 'saliency',
  title: 'Saliency (vanilla gradient)',
  summary:
    "The gradient of the target logit with respect to each input value, by default its absolute value; Captum's Saliency.",
  references: [
    'Simonyan, Vedaldi & Zisserman 2014, Deep Inside Convolutional Networks (arXiv:1312.6034)',
    'captum.attr.Saliency',
  ],
  family: 'gradient',
  completeness: false,
  schema: {
    type: 'object',
    properties: { abs: { type: 'boolean' } },
    additionalProperties: false,
  },
  defaults: { abs: true },
  optionDocs: {
    abs: "Return |gradient| (true, Captum's Saliency abs=True default) or the signed gradient (false, abs=False).",
  },
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const values = await inputGradients(model, batch.x, batch.n, targets, ctx);
    if (opts.abs) for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]);
    return { values, shape: [batch.n, h, w, c] };
  },
};
