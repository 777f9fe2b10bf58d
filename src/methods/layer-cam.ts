import { type CamOptions, camMethod, cellSums } from './_core/cam.js';

export const layerCam = camMethod<CamOptions>(
  {
    id: 'layer-cam',
    title: 'LayerCAM',
    summary:
      "Per-location weights instead of per-channel ones: the map is sum_k relu(g_k) * A_k elementwise, g_k the target logit's gradient with respect to channel A_k. pytorch-grad-cam's LayerCAM; ReLU, bilinear upsampling, no normalisation.",
    references: ['Jiang et al. 2021, LayerCAM (IEEE TIP 30)', 'pytorch_grad_cam.LayerCAM'],
  },
  { gradient: true, map: (s) => cellSums(s, (a, g) => (g > 0 ? g * a : 0)) },
);
