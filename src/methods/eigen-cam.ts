import { type CamOptions, camMethod } from './_core/cam.js';
import { firstComponent } from './_core/principal.js';

export const eigenCam = camMethod<CamOptions>(
  {
    id: 'eigen-cam',
    title: 'Eigen-CAM',
    summary:
      "Class-agnostic and gradient-free: the layer's activations as a [cells, channels] matrix, each channel centred over the cells, projected onto their first right singular vector (first principal component). pytorch-grad-cam's EigenCAM (get_2d_projection), except that the SVD's arbitrary sign is fixed: the map correlates non-negatively with the channel sum of the activations. ReLU, bilinear upsampling, no normalisation.",
    references: [
      'Muhammad & Yeasin 2020, Eigen-CAM (arXiv:2008.00299)',
      'pytorch_grad_cam.EigenCAM',
      'pytorch_grad_cam/utils/svd_on_activations.py',
    ],
  },
  { gradient: false, map: (s) => firstComponent(s.act, s.cells, s.channels) },
);
