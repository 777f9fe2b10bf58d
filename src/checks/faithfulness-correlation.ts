import { rngFor } from '../core/rng.js';
import { targetScore } from '../core/tensor.js';
import { normalise } from '../data/input.js';
import { forwardEach } from '../methods/_core/batching.js';
import { byBatch } from './_core/batches.js';
import { mapProblem } from './_core/perturbation-curve.js';
import { pearson } from './_core/stats.js';
import type { Check, SampleScore } from './types.js';

export interface FaithfulnessCorrelationOptions {
  runs: number;
  subset: number;
  baseline: number;
  output: 'logit' | 'probability';
}

export const faithfulnessCorrelation: Check<FaithfulnessCorrelationOptions> = {
  id: 'faithfulness-correlation',
  title: 'Faithfulness correlation',
  summary:
    "Replace random subsets of pixels by a baseline and correlate (Pearson, over the runs) the sum of the map over each subset with the drop in the target's output: a faithful map predicts how much removing pixels costs.",
  references: [
    'Bhatt, Weller & Moura 2020, Evaluating and Aggregating Feature-based Model Explanations (faithfulness correlation)',
    'Quantus: quantus.FaithfulnessCorrelation',
  ],
  category: 'faithfulness',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Pearson correlation in [-1, 1], over `runs` random pixel subsets, between sum(map over the subset) and F(x) - F(x with the subset replaced by the baseline), F the target's logit. 1 for the exact attribution of a linear model.",
  schema: {
    type: 'object',
    properties: {
      runs: { type: 'integer', minimum: 2 },
      subset: { type: 'integer', minimum: 1 },
      baseline: { type: 'number' },
      output: { enum: ['logit', 'probability'] },
    },
    additionalProperties: false,
  },
  defaults: { runs: 100, subset: 224, baseline: 0, output: 'logit' },
  optionDocs: {
    runs: "Number of random subsets per sample (Quantus' nr_runs, default 100); one forward pass each.",
    subset:
      "Pixels per subset, all channels of each (Quantus' subset_size, default 224, which counts single channel values of a channel-broadcast map: the same on one-channel images). Clamped to pixels - 1 on small images, so that subsets still differ; the value used is in each sample's details.",
    baseline:
      "Pixel value in input.range that replaces the subset (default 0: black when input.range starts at 0), normalised like the input. Quantus' perturb_baseline 'black' is the sample's own minimum value instead: the same for images that contain a black pixel.",
    output:
      "logit (default): the target's pre-activation output, as Quantus (FaithfulnessCorrelation calls the model with softmax=False); probability: its softmax probability (sigmoid for one unit).",
  },
  async evaluate(ctx, opts) {
    const [h, w, c] = ctx.input.shape;
    const n = h * w;
    const size = n * c;
    const k = ctx.model.info.outputs;
    const runs = opts.runs;
    const m = Math.min(opts.subset, n - 1);
    const fill = Float32Array.from({ length: c }, (_, q) => normalise(ctx.input, opts.baseline, q));
    return byBatch(ctx, async (part, targets, samples) => {
      const maps = await ctx.maps(part, targets);
      const clean = await ctx.logits(part);
      const { x } = await ctx.dataset.stack(part);
      const problems = maps.map((s) => mapProblem(s.map));
      const live = part.flatMap((_, i) => (problems[i] === null ? [i] : []));
      // Each sample's subsets: a partial Fisher-Yates shuffle per run, from the sample's own stream.
      const subsets = live.map((i) => {
        const rng = rngFor(ctx.seed, ctx.checkId, part[i].id);
        const all = new Int32Array(runs * m);
        const perm = Int32Array.from({ length: n }, (_, p) => p);
        for (let r = 0; r < runs; r++) {
          for (let t = 0; t < m; t++) {
            const s = t + rng.int(n - t);
            const tmp = perm[t];
            perm[t] = perm[s];
            perm[s] = tmp;
          }
          all.set(perm.subarray(0, m), r * m);
        }
        return all;
      });
      const logits = await forwardEach(
        ctx.model,
        live.length * runs,
        size,
        (row, out) => {
          const j = Math.floor(row / runs);
          const i = live[j];
          out.set(x.subarray(i * size, (i + 1) * size));
          const subset = subsets[j].subarray((row % runs) * m, ((row % runs) + 1) * m);
          for (const p of subset) for (let q = 0; q < c; q++) out[p * c + q] = fill[q];
        },
        ctx,
      );
      const results: SampleScore[] = problems.map((p) => ({ score: null, error: p ?? '' }));
      for (const [j, i] of live.entries()) {
        const map = maps[i].map;
        const f0 = targetScore(clean, i, k, targets[i], opts.output);
        const sums = new Float64Array(runs);
        const drops = new Float64Array(runs);
        for (let r = 0; r < runs; r++) {
          let s = 0;
          for (const p of subsets[j].subarray(r * m, (r + 1) * m)) s += map[p];
          sums[r] = s;
          drops[r] = f0 - targetScore(logits, j * runs + r, k, targets[i], opts.output);
        }
        const rho = pearson(sums, drops);
        results[i] = drops.some(Number.isNaN)
          ? { score: null, error: 'the model output on a perturbed input is NaN' }
          : Number.isNaN(rho)
            ? {
                score: null,
                error:
                  'the subset sums or the output drops are constant over the runs, so no correlation exists',
              }
            : { score: rho, details: { subset: m } };
      }
      samples.push(...results);
    });
  },
  summarize: () => ({ stats: {} }),
};
