import { targetLogits } from '../core/tensor.js';
import { forwardEach } from './_core/batching.js';
import {
  CAM_DEFAULTS,
  CAM_OPTION_DOCS,
  type CamOptions,
  camMethod,
  camSchemaProperties,
  weightedSum,
} from './_core/cam.js';
import { resizeBilinear } from './_core/resize.js';

export interface ScoreCamOptions extends CamOptions {
  batch: number;
}

export const scoreCam = camMethod<ScoreCamOptions>(
  {
    id: 'score-cam',
    title: 'Score-CAM',
    summary:
      "Gradient-free: each channel A_k of the layer, upsampled to the input (bilinear, align_corners=True) and min-max normalised to [0, 1], masks the input (x * mask, in normalised units); w = softmax over channels of the target logits of the masked inputs. One forward pass per channel and sample. pytorch-grad-cam's ScoreCAM; ReLU, bilinear upsampling of the map, no normalisation.",
    references: ['Wang et al. 2020, Score-CAM (arXiv:1910.01279)', 'pytorch_grad_cam.ScoreCAM'],
    schema: {
      type: 'object',
      properties: { ...camSchemaProperties, batch: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
    },
    defaults: { ...CAM_DEFAULTS, batch: 16 },
    optionDocs: {
      ...CAM_OPTION_DOCS,
      batch:
        "Masked inputs per forward pass (pytorch-grad-cam's ScoreCAM batch_size, default 16); the run's memory budget (maxBatch) caps it. Does not change the result.",
    },
  },
  {
    gradient: false,
    async mapChunk({ model, layer, x, targets, act, m, cells, channels, ctx }, opts) {
      const [h, w, c] = ctx.input.shape;
      const [lh, lw] = layer.shape;
      const size = h * w * c;
      const plane = new Float32Array(cells);
      const logits = await forwardEach(
        model,
        m * channels,
        size,
        (j, dst) => {
          const i = Math.floor(j / channels);
          const q = j % channels;
          for (let p = 0; p < cells; p++) plane[p] = act[(i * cells + p) * channels + q];
          const up = resizeBilinear(plane, 1, lh, lw, 1, h, w, true);
          let lo = Number.POSITIVE_INFINITY;
          let hi = Number.NEGATIVE_INFINITY;
          for (const v of up) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
          for (let p = 0; p < h * w; p++) {
            const mask = (up[p] - lo) / (hi - lo + 1e-8);
            for (let k = 0; k < c; k++) dst[p * c + k] = x[i * size + p * c + k] * mask;
          }
        },
        { ...ctx, maxBatch: Math.min(ctx.maxBatch, opts.batch) },
      );
      const outputs = model.info.outputs;
      const maps = new Float64Array(m * cells);
      for (let i = 0; i < m; i++) {
        const rows = logits.subarray(i * channels * outputs, (i + 1) * channels * outputs);
        const scores = targetLogits(rows, new Int32Array(channels).fill(targets[i]));
        const top = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - top));
        const total = e.reduce((a, b) => a + b, 0);
        const s = {
          act: act.subarray(i * cells * channels, (i + 1) * cells * channels),
          grad: new Float32Array(0),
          cells,
          channels,
        };
        maps.set(
          weightedSum(
            s,
            e.map((v) => v / total),
          ),
          i * cells,
        );
      }
      return maps;
    },
  },
);
