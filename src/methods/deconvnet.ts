import { propagate } from './_core/propagation.js';
import type { Method } from './types.js';

/** Captum's Deconvolution has no options. */
export type DeconvnetOptions = Record<string, never>;

export const deconvnet: Method<DeconvnetOptions> = {
  id: 'deconvnet',
  title: 'Deconvnet',
  summary:
    "The target logit's gradient with every ReLU's backward pass replaced by ReLU of the incoming gradient, whatever the ReLU's input was (Zeiler & Fergus' deconvnet as a modified gradient). Signed, in normalised input units. Captum's Deconvolution; no options. Only ReLU layers are changed, as in Captum.",
  references: [
    'Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks (arXiv:1311.2901)',
    'captum.attr.Deconvolution',
  ],
  family: 'propagation',
  completeness: false,
  schema: { type: 'object', properties: {}, additionalProperties: false },
  defaults: {},
  optionDocs: {},
  async attribute(model, batch, targets, _opts, ctx) {
    const { values, shape } = await propagate(model, batch, targets, { rules: 'deconvnet' }, ctx);
    return { values, shape };
  },
};
