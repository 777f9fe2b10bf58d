import { propagate } from './_core/propagation.js';
import type { Method } from './types.js';

/** Captum's GuidedBackprop has no options. */
export type GuidedBackpropOptions = Record<string, never>;

export const guidedBackprop: Method<GuidedBackpropOptions> = {
  id: 'guided-backprop',
  title: 'Guided Backpropagation',
  summary:
    "The target logit's gradient with every ReLU's backward pass replaced: only positive gradients pass, and only where the ReLU's input was positive. Signed, in normalised input units. Captum's GuidedBackprop; no options. Only ReLU layers are changed (as Captum hooks nn.ReLU only): ReLU6, LeakyReLU and the rest keep their gradient.",
  references: [
    'Springenberg et al. 2015, Striving for Simplicity: The All Convolutional Net (arXiv:1412.6806)',
    'captum.attr.GuidedBackprop',
  ],
  family: 'propagation',
  completeness: false,
  schema: { type: 'object', properties: {}, additionalProperties: false },
  defaults: {},
  optionDocs: {},
  async attribute(model, batch, targets, _opts, ctx) {
    const { values, shape } = await propagate(model, batch, targets, { rules: 'guided-backprop' }, ctx);
    return { values, shape };
  },
};
