import { XauditError } from '../../core/errors.js';
import { nearest } from '../../core/suggest.js';
import type { LayerInfo, Model } from '../../models/model.js';

/** Layers whose output is a [h, w, c] map with h, w > 1: what the CAM family can use. */
export function spatialLayers(model: Model): LayerInfo[] {
  return model.info.layers.filter((l) => l.spatial);
}

/**
 * `auto` is the last spatial layer in topological order (the last node with a
 * spatial output, after its activation); otherwise the named layer, which
 * must exist and be spatial.
 */
export function resolveSpatialLayer(model: Model, name: string): LayerInfo {
  const candidates = spatialLayers(model);
  const list = candidates.map((l) => l.name);
  const listed = `Layers with a spatial output: ${list.join(', ')}.`;
  if (name === 'auto') {
    const last = candidates[candidates.length - 1];
    if (last === undefined) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        "The model has no layer with a spatial output (h, w > 1), so 'layer: auto' has nothing to use",
      );
    }
    return last;
  }
  const layer = model.info.layers.find((l) => l.name === name);
  if (layer === undefined) {
    const near = nearest(name, list);
    throw new XauditError('SPEC_REFERENCE', `The model has no layer '${name}'`, {
      hint: `${near === undefined ? '' : `Did you mean '${near}'? `}${listed}`,
    });
  }
  if (!layer.spatial) {
    throw new XauditError(
      'SPEC_INVALID',
      `Layer '${name}' has output shape [${layer.shape.join(', ')}], not a spatial map`,
      { hint: list.length > 0 ? listed : 'The model has no spatial layer.' },
    );
  }
  return layer;
}
