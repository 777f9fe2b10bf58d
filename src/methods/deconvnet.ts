import { modifiedReluMethod } from './_core/propagation.js';

export const deconvnet = modifiedReluMethod(
  {
    id: 'deconvnet',
    title: 'Deconvnet',
    summary:
      "The target logit's gradient with every ReLU's backward pass replaced by ReLU of the incoming gradient, whatever the ReLU's input was (Zeiler & Fergus' deconvnet as a modified gradient). Signed, in normalised input units. Captum's Deconvolution; no options. Only ReLU layers are changed, as in Captum.",
    references: [
      'Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks (arXiv:1311.2901)',
      'captum.attr.Deconvolution',
    ],
  },
  'deconvnet',
);
