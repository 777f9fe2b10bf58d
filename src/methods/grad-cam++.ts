import { type CamOptions, camMethod, channelSums, weightedSum } from './_core/cam.js';

/** pytorch-grad-cam's eps in the alpha denominator. */
const EPS = 1e-6;

export const gradCamPlusPlus = camMethod<CamOptions>(
  {
    id: 'grad-cam++',
    title: 'Grad-CAM++',
    summary:
      "Grad-CAM with w_k = sum_ij relu(g_ij) alpha_ij, alpha_ij = g^2 / (2 g^2 + (sum_ij A_ij) g^3 + 1e-6) (0 where g = 0), g the target logit's gradient with respect to A_k; the exponential-output second/third derivatives of the paper replaced by powers of the first, as pytorch-grad-cam's GradCAMPlusPlus does. ReLU, bilinear upsampling, no normalisation.",
    references: [
      'Chattopadhay et al. 2018, Grad-CAM++ (arXiv:1710.11063)',
      'pytorch_grad_cam.GradCAMPlusPlus',
    ],
  },
  {
    gradient: true,
    map(s) {
      const sumA = channelSums(s, (a) => a);
      const w = channelSums(s, (_a, g, q) =>
        g > 0 ? (g * g * g) / (2 * g * g + sumA[q] * g * g * g + EPS) : 0,
      );
      return weightedSum(s, w);
    },
  },
);
