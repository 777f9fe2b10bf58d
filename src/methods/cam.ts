import { XauditError } from '../core/errors.js';
import type { LayerInfo, Model } from '../models/model.js';
import { type CamOptions, camMethod, channelSums, weightedSum } from './_core/cam.js';

/**
 * CAM is defined only for a layer followed directly by global average pooling
 * and the Dense layer that produces the logits; anything else (a hidden Dense,
 * an activation, a Flatten) makes the "weight of channel k" meaningless.
 */
function requireGapDense(model: Model, layer: LayerInfo): void {
  const layers = model.info.layers;
  const i = layers.findIndex((l) => l.name === layer.name);
  const gap = layers[i + 1];
  const dense = layers[i + 2];
  const channels = layer.shape[layer.shape.length - 1];
  const why =
    gap === undefined || gap.op !== 'globalavgpool' || gap.shape.join() !== String(channels)
      ? `'${layer.name}' is followed by ${gap === undefined ? 'nothing' : `'${gap.name}' (${gap.op})`}, not by global average pooling`
      : dense === undefined || dense.op !== 'dense' || i + 3 !== layers.length
        ? `global average pooling '${gap.name}' is followed by ${dense === undefined ? 'nothing' : `'${dense.name}' (${dense.op})`}, not by the final Dense layer`
        : undefined;
  if (why !== undefined) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `cam needs a layer -> GlobalAveragePooling -> Dense (logits) head: ${why}`,
      {
        hint: "Use grad-cam, which equals CAM up to a constant factor on such models and works on any model, or name the layer that feeds the model's global average pooling.",
      },
    );
  }
}

export const cam = camMethod<CamOptions>(
  {
    id: 'cam',
    title: 'CAM (class activation mapping)',
    summary:
      "sum_k w_k A_k with w_k the final Dense layer's weight from channel k to the target class, for models whose layer feeds GlobalAveragePooling and then that Dense layer directly (Zhou et al.). Equals Grad-CAM times the layer's number of cells. The weights are read from the engine as the sum over cells of the target logit's gradient with respect to A_k, which behind a global average pool is exactly that Dense weight. ReLU, bilinear upsampling, no normalisation.",
    references: [
      'Zhou et al. 2016, Learning Deep Features for Discriminative Localization (arXiv:1512.04150)',
    ],
  },
  {
    gradient: true,
    check: requireGapDense,
    // dY/dA_k at every cell is W[t][k] / cells behind a global average pool, so their sum is W[t][k].
    map: (s) =>
      weightedSum(
        s,
        channelSums(s, (_a, g) => g),
      ),
  },
);
