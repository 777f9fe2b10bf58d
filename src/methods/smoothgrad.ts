import { rngFor } from '../core/rng.js';
import { inputShape } from './_core/batching.js';
import { gradientsAt } from './_core/gradients.js';
import { addNoise, noiseSigma, STDEV_DOC, samplingSchemaProperties } from './_core/noise.js';
import type { Method } from './types.js';

export type SmoothGradType = 'smoothgrad' | 'smoothgrad_sq' | 'vargrad';

export interface SmoothGradOptions {
  samples: number;
  stdev: number;
  type: SmoothGradType;
  abs: boolean;
}

export const smoothgrad: Method<SmoothGradOptions> = {
  id: 'smoothgrad',
  title: 'SmoothGrad',
  summary:
    "Saliency averaged over noisy copies of the input (x + N(0, sigma^2)): the mean (smoothgrad), the mean of squares (smoothgrad_sq) or the variance (vargrad) of the per-copy gradients. Captum's NoiseTunnel over Saliency; the noise comes from the counter-based RNG keyed by seed, explanation id, sample id and position, so it does not depend on batching or sharding.",
  references: [
    'Smilkov et al. 2017, SmoothGrad (arXiv:1706.03825)',
    'Adebayo et al. 2018, Local Explanation Methods for Deep Neural Networks Lack Sensitivity to Parameter Values (VarGrad, arXiv:1810.03307)',
    'captum.attr.NoiseTunnel',
    'captum.attr.Saliency',
  ],
  family: 'gradient',
  completeness: false,
  schema: {
    type: 'object',
    properties: {
      ...samplingSchemaProperties,
      type: { type: 'string', enum: ['smoothgrad', 'smoothgrad_sq', 'vargrad'] },
      abs: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  defaults: { samples: 5, stdev: 1, type: 'smoothgrad', abs: true },
  optionDocs: {
    samples: 'Noisy copies per input (Captum nt_samples, default 5).',
    stdev: `${STDEV_DOC} Default 1.0, Captum's stdevs=1.0 under range [0, 1] and std 1; the SmoothGrad paper suggests 0.1 to 0.2.`,
    type: "How the copies' attributions combine (Captum nt_type): 'smoothgrad' (mean, default), 'smoothgrad_sq' (mean of squares) or 'vargrad' (variance, E[a^2] - E[a]^2).",
    abs: "Each copy's attribution is |gradient| (true, Captum Saliency's abs=True default) or the signed gradient (false).",
  },
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const size = h * w * c;
    const { n, x } = batch;
    const S = opts.samples;
    const sigma = noiseSigma(ctx.input, opts.stdev);
    const rngs = batch.ids.map((id) => rngFor(ctx.seed, ctx.unitId, id));
    // Per sample, in doubles: the sum and the sum of squares of the copies' attributions, in copy order.
    const sum = new Float64Array(n * size);
    const sq = new Float64Array(n * size);
    await gradientsAt(
      model,
      n * S,
      size,
      (j, dst) => {
        const i = Math.floor(j / S);
        addNoise(dst, x.subarray(i * size, (i + 1) * size), sigma, rngs[i], (j % S) * size);
        return targets[i];
      },
      (j, g) => {
        const o = Math.floor(j / S) * size;
        for (let p = 0; p < size; p++) {
          const a = opts.abs ? Math.abs(g[p]) : g[p];
          sum[o + p] += a;
          sq[o + p] += a * a;
        }
      },
      ctx,
    );
    const values = new Float32Array(n * size);
    for (let p = 0; p < values.length; p++) {
      const mean = sum[p] / S;
      const meanSq = sq[p] / S;
      values[p] =
        opts.type === 'smoothgrad' ? mean : opts.type === 'smoothgrad_sq' ? meanSq : meanSq - mean * mean;
    }
    return { values, shape: [n, h, w, c] };
  },
};
