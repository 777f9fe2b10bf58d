import { gradientShap } from './gradient-shap.js';
import type { Method } from './types.js';

/** Expected Gradients is GradientSHAP with baselines from the data: one algorithm, another default. */
export const expectedGradients: Method<typeof gradientShap.defaults> = {
  ...gradientShap,
  id: 'expected-gradients',
  title: 'Expected Gradients',
  summary:
    "Integrated Gradients with the baseline integrated out over the data distribution: the mean over draws of (x - b) * grad F(b + alpha (x - b)), b a reference input drawn from the data set and alpha ~ U(0, 1). The same estimator as gradient-shap (Captum's GradientShap with the data set as baselines), with baseline: dataset as the default.",
  references: [
    'Erion et al. 2021, Improving performance of deep learning models with axiomatic attribution priors and expected gradients (arXiv:1906.10670)',
    'captum.attr.GradientShap',
  ],
  defaults: { ...gradientShap.defaults, baseline: 'dataset' },
  optionDocs: {
    ...gradientShap.optionDocs,
    baseline: `${gradientShap.optionDocs.baseline.replace(/ Captum has no default.*$/, '')} Default 'dataset', which needs the runner to supply reference inputs.`,
  },
};
