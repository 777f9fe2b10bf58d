import { XauditError } from '../core/errors.js';
import { oneHot } from '../core/tensor.js';
import { forChunks, inputShape } from './_core/batching.js';
import { resolveSpatialLayer } from './_core/layers.js';
import { resizeBilinear } from './_core/resize.js';
import type { Method } from './types.js';

export interface GradCamOptions {
  layer: string;
  relu: boolean;
}

export const gradCam: Method<GradCamOptions> = {
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
  family: 'cam',
  completeness: false,
  schema: {
    type: 'object',
    properties: {
      layer: { type: 'string', minLength: 1 },
      relu: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  defaults: { layer: 'auto', relu: true },
  optionDocs: {
    layer:
      "The layer whose activations are weighted (Captum's layer, pytorch-grad-cam's target_layers): 'auto' is the last layer with a spatial output, after its activation; otherwise a layer name (`xaudit list layers MODEL` shows the candidates).",
    relu: "Apply ReLU to the weighted sum (true, as pytorch-grad-cam always does; Captum's LayerGradCam relu_attributions defaults to False, so relu: false matches Captum's default).",
  },
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const size = h * w * c;
    const k = model.info.outputs;
    const layer = resolveSpatialLayer(model, opts.layer);
    const [lh, lw, lc] = layer.shape;
    const cells = lh * lw;
    const cam = new Float32Array(batch.n * cells);
    await forChunks(batch.n, ctx, async (start, end) => {
      const m = end - start;
      const r = await model.gradient({
        x: batch.x.subarray(start * size, end * size),
        n: m,
        outputGrad: oneHot(targets.subarray(start, end), k),
        layer: layer.name,
        inputGrad: false,
      });
      const act = r.layerActivation;
      const grad = r.layerGrad;
      if (act === undefined || grad === undefined || act.length !== m * cells * lc) {
        throw new XauditError(
          'INTERNAL',
          `the engine returned no activation/gradient for layer '${layer.name}'`,
        );
      }
      const weights = new Float64Array(lc);
      for (let j = 0; j < m; j++) {
        const o = j * cells * lc;
        weights.fill(0);
        for (let p = 0; p < cells; p++) for (let q = 0; q < lc; q++) weights[q] += grad[o + p * lc + q];
        for (let q = 0; q < lc; q++) weights[q] /= cells;
        for (let p = 0; p < cells; p++) {
          let s = 0;
          for (let q = 0; q < lc; q++) s += weights[q] * act[o + p * lc + q];
          // ReLU before upsampling, as both references do (bilinear keeps a non-negative map non-negative).
          cam[(start + j) * cells + p] = opts.relu && s < 0 ? 0 : s;
        }
      }
    });
    const values = lh === h && lw === w ? cam : resizeBilinear(cam, batch.n, lh, lw, 1, h, w);
    return { values, shape: [batch.n, h, w, 1] };
  },
};
