import { modifiedReluMethod } from './_core/propagation.js';

export const guidedBackprop = modifiedReluMethod(
  {
    id: 'guided-backprop',
    title: 'Guided Backpropagation',
    summary:
      "The target logit's gradient with every ReLU's backward pass replaced: only positive gradients pass, and only where the ReLU's input was positive. Signed, in normalised input units. Captum's GuidedBackprop; no options. Only ReLU layers are changed (as Captum hooks nn.ReLU only): ReLU6, LeakyReLU and the rest keep their gradient.",
    references: [
      'Springenberg et al. 2015, Striving for Simplicity: The All Convolutional Net (arXiv:1412.6806)',
      'captum.attr.GuidedBackprop',
    ],
  },
  'guided-backprop',
);
