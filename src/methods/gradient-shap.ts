import { rngFor } from '../core/rng.js';
import {
  DRAWN_BASELINE_DOC,
  type DrawnBaselineSpec,
  drawnBaselineSchema,
  drawnBaselines,
} from './_core/baselines.js';
import { inputShape } from './_core/batching.js';
import { gradientsAt } from './_core/gradients.js';
import { addNoise, noiseSigma, STDEV_DOC, samplingSchemaProperties } from './_core/noise.js';
import type { Method } from './types.js';

export interface GradientShapOptions {
  samples: number;
  stdev: number;
  baseline: DrawnBaselineSpec;
}

export const gradientShap: Method<GradientShapOptions> = {
  id: 'gradient-shap',
  title: 'GradientSHAP',
  summary:
    "The mean over draws of (x' - b) * grad F(b + alpha (x' - b)), with b drawn from a baseline distribution, alpha ~ U(0, 1) and x' = x plus optional Gaussian noise: a stochastic estimate of Integrated Gradients averaged over baselines (SHAP values under feature independence and linearity). Captum's GradientShap; every draw comes from the counter-based RNG keyed by seed, explanation id and sample id, so results do not depend on batching.",
  references: [
    'Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions (arXiv:1705.07874)',
    'captum.attr.GradientShap',
  ],
  family: 'gradient',
  // Complete only in expectation over the draws: no per-sample output delta is promised.
  completeness: false,
  schema: {
    type: 'object',
    properties: {
      ...samplingSchemaProperties,
      baseline: drawnBaselineSchema,
    },
    additionalProperties: false,
  },
  defaults: { samples: 5, stdev: 0, baseline: 'uniform' },
  optionDocs: {
    samples: 'Draws (baseline, alpha, noise) per input, one gradient each (Captum n_samples, default 5).',
    stdev: `${STDEV_DOC} Default 0, Captum's stdevs=0.0.`,
    baseline: `${DRAWN_BASELINE_DOC} Captum has no default (baselines is required); ours is 'uniform', which needs no data set.`,
  },
  usesDataBaselines: (opts) => opts.baseline === 'dataset',
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const size = h * w * c;
    const { n, x } = batch;
    const S = opts.samples;
    const sigma = noiseSigma(ctx.input, opts.stdev);
    const drawBaseline = drawnBaselines(opts.baseline, ctx);
    // One stream per purpose and sample, so each draw is addressed by (sample, draw, position) alone.
    const streams = (purpose: string) =>
      batch.ids.map((id) => rngFor(ctx.seed, `${ctx.unitId}/${purpose}`, id));
    const [alphaRng, baseRng, noiseRng] = [streams('alpha'), streams('baseline'), streams('noise')];
    const acc = new Float64Array(n * size);
    // x' - b of the points in flight (one chunk at most), for their gradients' weighting.
    const diffs = new Map<number, Float32Array>();
    const b = new Float32Array(size);
    await gradientsAt(
      model,
      n * S,
      size,
      (j, dst) => {
        const i = Math.floor(j / S);
        const s = j % S;
        drawBaseline(baseRng[i], s, b);
        const diff = new Float32Array(size);
        addNoise(diff, x.subarray(i * size, (i + 1) * size), sigma, noiseRng[i], s * size);
        const alpha = alphaRng[i].at(s);
        for (let p = 0; p < size; p++) {
          diff[p] -= b[p];
          dst[p] = b[p] + alpha * diff[p];
        }
        diffs.set(j, diff);
        return targets[i];
      },
      (j, g) => {
        const diff = diffs.get(j)!;
        diffs.delete(j);
        const o = Math.floor(j / S) * size;
        for (let p = 0; p < size; p++) acc[o + p] += diff[p] * g[p];
      },
      ctx,
    );
    const values = Float32Array.from(acc, (v) => v / S);
    return { values, shape: [n, h, w, c] };
  },
};
