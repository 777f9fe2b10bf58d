import { targetLogits } from '../core/tensor.js';
import {
  PATH_BASELINE_DOC,
  type PathBaselineSpec,
  pathBaselineSchema,
  sampleBaselines,
} from './_core/baselines.js';
import { forwardEach, inputShape } from './_core/batching.js';
import { gradientsAt } from './_core/gradients.js';
import { QUADRATURE_RULES, type QuadratureRule, quadrature } from './_core/quadrature.js';
import type { Method } from './types.js';

export interface IntegratedGradientsOptions {
  steps: number;
  rule: QuadratureRule;
  baseline: PathBaselineSpec;
  sigma: number;
}

export const integratedGradients: Method<IntegratedGradientsOptions> = {
  id: 'integrated-gradients',
  title: 'Integrated Gradients',
  summary:
    "(x - b) times the path integral of the target logit's gradient along the straight line from a baseline b to x, by quadrature; sums to F(x) - F(b) up to the quadrature error. Captum's IntegratedGradients.",
  references: [
    'Sundararajan, Taly & Yan 2017, Axiomatic Attribution for Deep Networks (arXiv:1703.01365)',
    'captum.attr.IntegratedGradients',
    'captum/attr/_utils/approximation_methods.py',
  ],
  family: 'gradient',
  completeness: true,
  schema: {
    type: 'object',
    properties: {
      // Riemann rules need two points (Captum asserts n_steps > 1); one bound for every rule keeps it simple.
      steps: { type: 'integer', minimum: 2 },
      rule: { type: 'string', enum: [...QUADRATURE_RULES] },
      baseline: pathBaselineSchema,
      sigma: { type: 'number', exclusiveMinimum: 0 },
    },
    additionalProperties: false,
  },
  defaults: { steps: 50, rule: 'gausslegendre', baseline: 'zeros', sigma: 5 },
  optionDocs: {
    steps:
      'Number of points on the path, i.e. gradient evaluations per sample (Captum n_steps, default 50). At least 2 (Captum allows 1 for gausslegendre only).',
    rule: "Quadrature rule (Captum method): 'gausslegendre' (default), 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid' (Captum's, whose weights sum to (steps-1)/steps, kept for parity) or 'trapezoid' (the textbook rule, weights sum to 1; not in Captum).",
    baseline: `The path's start (Captum baselines). ${PATH_BASELINE_DOC}`,
    sigma:
      'Standard deviation in pixels (along height and width, not across channels) of the Gaussian for baseline: blur; ignored otherwise. Default 5 (no Captum equivalent: Captum takes the blurred image as a baseline tensor).',
  },
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const size = h * w * c;
    const n = batch.n;
    const k = model.info.outputs;
    const { alphas, weights } = quadrature(opts.rule, opts.steps);
    const steps = alphas.length;
    // One baseline for all samples, or one per sample (uniform noise, blur): `bi(i)` is its offset.
    const { values: base, shared } = await sampleBaselines(opts.baseline, batch, ctx, opts.sigma);
    const bi = (i: number) => (shared ? 0 : i * size);
    const x = batch.x;

    // Sum of w_s * grad over the path, per sample, in doubles. Each sample's steps are added in step
    // order however the points are chunked, so results do not depend on maxBatch.
    const acc = new Float64Array(n * size);
    // Points are (sample, step) pairs, sample-major, so a chunk touches few samples.
    await gradientsAt(
      model,
      n * steps,
      size,
      (j, dst) => {
        const i = Math.floor(j / steps);
        const a = alphas[j % steps];
        const o = bi(i);
        for (let p = 0; p < size; p++) dst[p] = base[o + p] + a * (x[i * size + p] - base[o + p]);
        return targets[i];
      },
      (j, g) => {
        const wt = weights[j % steps];
        const ai = Math.floor(j / steps) * size;
        for (let p = 0; p < size; p++) acc[ai + p] += wt * g[p];
      },
      ctx,
    );

    const values = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < size; p++)
        values[i * size + p] = (x[i * size + p] - base[bi(i) + p]) * acc[i * size + p];
    }

    // F(x) - F(b) for the completeness check: the n inputs, then the shared baseline or one per sample.
    const nb = shared ? 1 : n;
    const logits = await forwardEach(
      model,
      n + nb,
      size,
      (j, dst) =>
        dst.set(
          j < n ? x.subarray(j * size, (j + 1) * size) : base.subarray((j - n) * size, (j - n + 1) * size),
        ),
      ctx,
    );
    const fx = targetLogits(logits.subarray(0, n * k), targets);
    const outputDelta = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const row = (shared ? n : n + i) * k;
      const fb = targetLogits(logits.subarray(row, row + k), targets.subarray(i, i + 1))[0];
      outputDelta[i] = fx[i] - fb;
    }
    return { values, shape: [n, h, w, c], outputDelta };
  },
};
