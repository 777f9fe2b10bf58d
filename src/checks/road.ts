import { rngFor } from '../core/rng.js';
import { targetScore } from '../core/tensor.js';
import { forwardEach } from '../methods/_core/batching.js';
import { byBatch } from './_core/batches.js';
import { linearImputation } from './_core/imputation.js';
import { mapProblem, pixelOrder } from './_core/perturbation-curve.js';
import { predictionsOrNaN } from './_core/stats.js';
import type { Check, SampleScore } from './types.js';

export interface RoadOptions {
  order: 'most' | 'least';
  percentages: number[];
  noise: number;
  output: 'accuracy' | 'probability';
}

/** Quantus' default: list(range(1, 100, 2)). */
const QUANTUS_PERCENTAGES = Array.from({ length: 50 }, (_, i) => 1 + 2 * i);

export const road: Check<RoadOptions> = {
  id: 'road',
  title: 'ROAD',
  summary:
    'RemOve And Debias: remove a growing percentage of pixels in the order of the map and impute them by noisy linear imputation (the weighted mean of their 8 neighbours, so the removal pattern itself leaks no class information), then record whether the model still predicts the target. A faithful map makes accuracy fall fast when the most relevant pixels go first.',
  references: [
    'Rong, Leemann, Borisov, Kasneci & Kasneci 2022, A Consistent and Efficient Evaluation Strategy for Attribution Methods (ROAD)',
    'Quantus: quantus.ROAD (noisy_linear_imputation)',
    'pytorch-grad-cam: ROADMostRelevantFirst / ROADLeastRelevantFirst',
  ],
  category: 'faithfulness',
  scoreDirection: 'lower',
  directionFor: (opts) => (opts.order === 'least' ? 'higher' : 'lower'),
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Mean over the percentages of 1 when the model still predicts the target after that percentage is removed and imputed, else 0 (output: probability: the target's probability). For the default percentages (1, 3, ..., 99: the midpoints of 50 equal bins of [0, 100]) this is the midpoint-rule area under the sample's curve over [0, 1]; its dataset mean is the mean of Quantus ROAD's per-percentage accuracies. Lower is better for order: most (MoRF), higher for order: least (LeRF).",
  schema: {
    type: 'object',
    properties: {
      order: { enum: ['most', 'least'] },
      percentages: {
        type: 'array',
        items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 100 },
        minItems: 1,
      },
      noise: { type: 'number', minimum: 0 },
      output: { enum: ['accuracy', 'probability'] },
    },
    additionalProperties: false,
  },
  defaults: { order: 'most', percentages: QUANTUS_PERCENTAGES, noise: 0.01, output: 'accuracy' },
  optionDocs: {
    order:
      "most (default): the most relevant pixels (largest signed map value) are removed first (MoRF; Quantus ROAD's only order, pytorch-grad-cam's ROADMostRelevantFirst); least: least relevant first (LeRF, ROADLeastRelevantFirst). Ties keep row-major pixel order.",
    percentages:
      "Percentages of the image's pixels removed, each in (0, 100); floor(pixels * p / 100) pixels, all channels of each (Quantus' percentages, default 1, 3, ..., 99). Quantus 0.6.0's ROAD takes one-channel inputs only: with three channels its indices of the channel-broadcast map exceed the pixel count of its imputation (IndexError); ours removes whole pixels at any channel count. pytorch-grad-cam's ROAD uses single percentiles (MoRF 80, LeRF 20). Cost: one forward pass per percentage per sample.",
    noise:
      "Standard deviation of the Gaussian noise added to imputed values, in pixel units of input.range (divided by the channel's std like the input; Quantus' noise, default 0.01, is in the model's input units, equal for range [0, 1] without normalisation). Seeded per sample; 0 makes the imputation deterministic.",
    output:
      "accuracy (default, Quantus): whether the argmax prediction equals the target; probability: the target's softmax probability (sigmoid for one unit).",
  },
  async evaluate(ctx, opts) {
    const [h, w, c] = ctx.input.shape;
    const n = h * w;
    const size = n * c;
    const k = ctx.model.info.outputs;
    const np = opts.percentages.length;
    const counts = opts.percentages.map((p) => Math.floor((n * p) / 100));
    return byBatch(ctx, async (part, targets, samples) => {
      const maps = await ctx.maps(part, targets);
      const { x } = await ctx.dataset.stack(part);
      const problems = maps.map((m) => mapProblem(m.map));
      const live = part.flatMap((_, i) => (problems[i] === null ? [i] : []));
      const orders = live.map((i) => pixelOrder(maps[i].map, opts.order));
      const logits = await forwardEach(
        ctx.model,
        live.length * np,
        size,
        (row, out) => {
          const j = Math.floor(row / np);
          const pi = row % np;
          const i = live[j];
          const removed = new Uint8Array(n);
          for (let t = 0; t < counts[pi]; t++) removed[orders[j][t]] = 1;
          out.set(linearImputation(x.subarray(i * size, (i + 1) * size), h, w, c, removed));
          if (opts.noise === 0) return;
          // Addressable draws: the noise of (sample, percentage, value) never depends on batching.
          const rng = rngFor(ctx.seed, `${ctx.checkId}/noise`, part[i].id);
          for (let p = 0; p < n; p++) {
            if (!removed[p]) continue;
            for (let q = 0; q < c; q++) {
              out[p * c + q] += (opts.noise / ctx.input.std[q]) * rng.normalAt(pi * size + p * c + q);
            }
          }
        },
        ctx,
      );
      const predicted = predictionsOrNaN(logits, live.length * np);
      const results: SampleScore[] = problems.map((p) => ({ score: null, error: p ?? '' }));
      for (const [j, i] of live.entries()) {
        const values: number[] = [];
        for (let pi = 0; pi < np; pi++) {
          const row = j * np + pi;
          values.push(
            opts.output === 'accuracy'
              ? predicted[row] < 0
                ? Number.NaN
                : Number(predicted[row] === targets[i])
              : targetScore(logits, row, k, targets[i], 'probability'),
          );
        }
        results[i] = values.some(Number.isNaN)
          ? { score: null, error: 'the model output on an imputed input is NaN' }
          : {
              score: values.reduce((a, b) => a + b, 0) / np,
              details: { first: values[0], last: values[np - 1] },
            };
      }
      samples.push(...results);
    });
  },
  summarize: () => ({ stats: {} }),
};
