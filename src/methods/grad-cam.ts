import { type CamOptions, type CamVariant, camMethod, channelSums, weightedSum } from './_core/cam.js';

export type GradCamOptions = CamOptions;

/** Grad-CAM's weighting: w_k is the spatial mean of the gradient (guided-grad-cam reuses it). */
export const gradCamVariant: CamVariant<CamOptions> = {
  gradient: true,
  map: (s) =>
    weightedSum(
      s,
      channelSums(s, (_a, g) => g).map((v) => v / s.cells),
    ),
};

export const gradCam = camMethod<GradCamOptions>(
  {
    id: 'grad-cam',
    title: 'Grad-CAM',
    summary:
      "ReLU(sum_k w_k A_k) over a spatial layer's channels A_k, with w_k the spatial mean of the target logit's gradient with respect to A_k, upsampled bilinearly to the input size (torch interpolate, align_corners=False) and not normalised. pytorch-grad-cam's GradCAM before its min-max scaling; Captum's LayerGradCam with relu_attributions=True followed by LayerAttribution.interpolate(..., 'bilinear').",
    references: [
      'Selvaraju et al. 2017, Grad-CAM (arXiv:1610.02391)',
      'pytorch_grad_cam.GradCAM',
      'captum.attr.LayerGradCam',
      'captum.attr.LayerAttribution.interpolate',
    ],
  },
  gradCamVariant,
);
