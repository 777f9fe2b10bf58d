import { rngFor } from '../core/rng.js';
import type { DecodedSample } from '../data/image.js';
import { constantInput } from '../data/input.js';
import type { Sample } from '../data/manifest.js';
import { byBatch } from './_core/batches.js';
import { predictions, predictionsOrNaN } from './_core/stats.js';
import type { Check } from './types.js';

export interface BackgroundSwapOptions {
  /** 'donor': the background of a sample from another group; 'fill': a constant pixel value. */
  background: 'donor' | 'fill';
  /** Pixel value (in input.range) used by background: fill. */
  fill: number;
}

export const backgroundSwap: Check<BackgroundSwapOptions> = {
  id: 'background-swap',
  title: 'Background swap',
  summary:
    "Counterfactual probe for shortcut learning: keep the object's box, replace the background (with a real background from another group, or a fill), and count how often the prediction flips.",
  references: [
    'Ribeiro et al. 2016, "Why Should I Trust You?" (the husky/wolf snow classifier)',
    'Xiao et al. 2021, Noise or Signal: The Role of Image Backgrounds in Object Recognition',
  ],
  category: 'bias',
  scoreDirection: 'lower',
  explanation: 'none',
  needs: { boxes: true },
  statistics: ['flip_rate'],
  score: '1 when the predicted class changes after the swap, else 0.',
  schema: {
    type: 'object',
    properties: {
      background: { enum: ['donor', 'fill'] },
      fill: { type: 'number' },
    },
    additionalProperties: false,
  },
  defaults: { background: 'donor', fill: 0.5 },
  optionDocs: {
    background:
      "'donor' (default) takes the background of a seeded random sample from a different `group` (snow onto grass and back; the donor's own box is painted over with its mean background colour); 'fill' uses a constant.",
    fill: 'Pixel value in input.range for background: fill (default 0.5).',
  },
  async evaluate(ctx, opts) {
    const donorPool = ctx.dataset.samples.filter((s) => s.group !== null && s.boxes.length > 0);
    return byBatch(ctx, async (part, _targets, samples) => {
      const { decoded } = await ctx.dataset.stack(part);
      const before = predictions(await ctx.logits(part), part.length);
      const swapped: Float32Array[] = [];
      const donors: (Sample | null)[] = [];
      const errors: (string | null)[] = [];
      for (const [i, s] of part.entries()) {
        const d = decoded[i];
        if (d.boxMask === null) {
          errors.push('the sample has no box');
          donors.push(null);
          continue;
        }
        if (opts.background === 'fill') {
          swapped.push(paste(d, constantInput(ctx.input, opts.fill)));
          donors.push(null);
          errors.push(null);
          continue;
        }
        const pool = donorPool.filter((o) => o.group !== s.group && o.id !== s.id);
        if (s.group === null || pool.length === 0) {
          errors.push(
            s.group === null
              ? "the sample has no group, so no donor from another group exists (use background: fill, or add a 'group' column)"
              : `no sample from a group other than '${s.group}' has a box`,
          );
          donors.push(null);
          continue;
        }
        const donor = pool[rngFor(ctx.seed, ctx.checkId, s.id).int(pool.length)];
        swapped.push(paste(d, donorBackground(await ctx.dataset.decode(donor), ctx.input.shape[2])));
        donors.push(donor);
        errors.push(null);
      }
      const x = new Float32Array(swapped.reduce((a, b) => a + b.length, 0));
      for (const [i, v] of swapped.entries()) x.set(v, i * v.length);
      const after =
        swapped.length > 0
          ? predictionsOrNaN((await ctx.model.forward(x, swapped.length)).logits, swapped.length)
          : [];
      let j = 0;
      for (let i = 0; i < part.length; i++) {
        const err = errors[i];
        if (err !== null) {
          samples.push({ score: null, error: err });
          continue;
        }
        if (after[j] < 0) {
          j++;
          samples.push({ score: null, error: 'the model output on the swapped input is NaN' });
          continue;
        }
        const flipped = after[j++] !== before[i];
        samples.push({
          score: flipped ? 1 : 0,
          passed: !flipped,
          details: {
            predicted: ctx.classes[before[i]] ?? String(before[i]),
            swapped: ctx.classes[after[j - 1]] ?? String(after[j - 1]),
            donor: donors[i]?.id ?? null,
          },
        });
      }
    });
  },
  summarize(samples) {
    let flips = 0;
    let scored = 0;
    for (const s of samples) {
      if (s.score === null || s.error !== undefined) continue;
      flips += s.score === 1 ? 1 : 0;
      scored++;
    }
    return { stats: { flip_rate: scored > 0 ? flips / scored : null } };
  },
};

/** The sample's box pixels over a new background (normalised inputs). */
function paste(sample: DecodedSample, background: Float32Array): Float32Array {
  const out = background.slice();
  const mask = sample.boxMask as Uint8Array;
  const c = sample.x.length / mask.length;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) for (let k = 0; k < c; k++) out[p * c + k] = sample.x[p * c + k];
  }
  return out;
}

/** The donor with its own object painted over by its mean background colour. */
function donorBackground(donor: DecodedSample, c: number): Float32Array {
  const out = donor.x.slice();
  const mask = donor.boxMask as Uint8Array;
  const mean = new Float64Array(c);
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) continue;
    for (let k = 0; k < c; k++) mean[k] += donor.x[p * c + k];
    count++;
  }
  for (let k = 0; k < c; k++) mean[k] /= Math.max(count, 1);
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) for (let k = 0; k < c; k++) out[p * c + k] = mean[k];
  }
  return out;
}
