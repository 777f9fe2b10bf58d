import { type CamOptions, camMethod, channelSums, weightedSum } from './_core/cam.js';

/** pytorch-grad-cam's eps in the normaliser. */
const EPS = 1e-7;

export const xgradCam = camMethod<CamOptions>(
  {
    id: 'xgrad-cam',
    title: 'XGrad-CAM',
    summary:
      "Grad-CAM with activation-weighted gradients: w_k = sum_ij g_ij A_ij / (sum_ij A_ij + 1e-7), g the target logit's gradient with respect to channel A_k. pytorch-grad-cam's XGradCAM; ReLU, bilinear upsampling, no normalisation.",
    references: ['Fu et al. 2020, Axiom-based Grad-CAM (arXiv:2008.02312)', 'pytorch_grad_cam.XGradCAM'],
  },
  {
    gradient: true,
    map(s) {
      const sumA = channelSums(s, (a) => a);
      return weightedSum(
        s,
        channelSums(s, (a, g, q) => (g * a) / (sumA[q] + EPS)),
      );
    },
  },
);
