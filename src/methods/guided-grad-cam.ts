import { type CamOptions, camAttribute } from './_core/cam.js';
import { resolveSpatialLayer } from './_core/layers.js';
import { propagate } from './_core/propagation.js';
import { gradCamVariant } from './grad-cam.js';
import type { Method } from './types.js';

export interface GuidedGradCamOptions {
  layer: string;
  interpolate: 'nearest' | 'bilinear';
}

export const guidedGradCam: Method<GuidedGradCamOptions> = {
  id: 'guided-grad-cam',
  title: 'Guided Grad-CAM',
  summary:
    "Guided backpropagation times the Grad-CAM map of a layer (with ReLU), upsampled to the input size and broadcast over channels. Captum's GuidedGradCam (its interpolate_mode 'nearest' by default).",
  references: ['Selvaraju et al. 2017, Grad-CAM (arXiv:1610.02391)', 'captum.attr.GuidedGradCam'],
  family: 'propagation',
  completeness: false,
  schema: {
    type: 'object',
    properties: {
      layer: { type: 'string', minLength: 1 },
      interpolate: { type: 'string', enum: ['nearest', 'bilinear'] },
    },
    additionalProperties: false,
  },
  defaults: { layer: 'auto', interpolate: 'nearest' },
  optionDocs: {
    layer:
      "The Grad-CAM layer (Captum's layer): 'auto' is the last layer with a spatial output, after its activation; otherwise a layer name (`xaudit list layers MODEL` shows the candidates).",
    interpolate:
      "How the Grad-CAM map is upsampled to the input (Captum's interpolate_mode): 'nearest' (Captum's GuidedGradCam default, torch interpolate nearest) or 'bilinear' (align_corners=False, as grad-cam uses).",
  },
  async attribute(model, batch, targets, opts, ctx) {
    // Fail on a bad layer before any reverse pass.
    resolveSpatialLayer(model, opts.layer);
    const camOpts: CamOptions = { layer: opts.layer, relu: true };
    const cam = await camAttribute(gradCamVariant, model, batch, targets, camOpts, ctx, opts.interpolate);
    const gb = await propagate(model, batch, targets, { rules: 'guided-backprop' }, ctx);
    const c = gb.shape[3];
    const values = gb.values;
    for (let j = 0; j < values.length; j++) values[j] *= cam.values[Math.floor(j / c)];
    return { values, shape: gb.shape };
  },
};
