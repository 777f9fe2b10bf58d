import { chunks } from '../data/dataset.js';
import { normalisedBounds } from '../data/input.js';
import { lossGradient } from './_core/loss.js';
import { predictions, predictionsOrNaN } from './_core/stats.js';
import type { Check, SampleScore } from './types.js';

export interface AdversarialAccuracyOptions {
  attack: { method: 'fgsm'; epsilon: number };
}

export const adversarialAccuracy: Check<AdversarialAccuracyOptions> = {
  id: 'adversarial-accuracy',
  title: 'Adversarial accuracy',
  summary:
    'Accuracy on inputs perturbed by an L-inf attack (FGSM) of radius epsilon in pixel units of input.range, and the attack success rate.',
  references: [
    'Goodfellow et al. 2015, Explaining and Harnessing Adversarial Examples (FGSM)',
    'torchattacks.FGSM / foolbox LinfFastGradientAttack',
  ],
  category: 'robustness',
  scoreDirection: 'higher',
  explanation: 'none',
  needs: {},
  statistics: ['accuracy', 'clean_accuracy', 'attack_success_rate'],
  score: '1 when the prediction on the attacked input equals the label, else 0.',
  schema: {
    type: 'object',
    properties: {
      attack: {
        type: 'object',
        properties: {
          method: { enum: ['fgsm'] },
          epsilon: { type: 'number', minimum: 0 },
        },
        required: ['method', 'epsilon'],
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
  defaults: { attack: { method: 'fgsm', epsilon: 0.03 } },
  optionDocs: {
    attack:
      "{method: fgsm, epsilon}: x' = clip(x + epsilon * sign(grad_x CE(F(x), label))), epsilon in pixel units of input.range (torchattacks' eps for range [0,1]), clipped to the range.",
  },
  async evaluate(ctx, opts) {
    const { epsilon } = opts.attack;
    const c = ctx.input.shape[2];
    const { lo, hi } = normalisedBounds(ctx.input);
    const samples: SampleScore[] = [];
    let done = 0;
    for (const part of chunks(ctx.samples, ctx.maxBatch)) {
      const { x } = await ctx.dataset.stack(part);
      const labels = Int32Array.from(part, (s) => s.labelIndex);
      const logits = await ctx.logits(part);
      const { inputGrad } = await ctx.model.gradient({
        x,
        n: part.length,
        outputGrad: lossGradient(logits, labels),
      });
      const xa = new Float32Array(x.length);
      for (let p = 0; p < x.length; p++) {
        const k = p % c;
        const v = x[p] + (epsilon / ctx.input.std[k]) * Math.sign(inputGrad[p]);
        xa[p] = Math.min(hi[k], Math.max(lo[k], v));
      }
      const before = predictions(logits, part.length);
      const after = predictionsOrNaN((await ctx.model.forward(xa, part.length)).logits, part.length);
      for (let i = 0; i < part.length; i++) {
        if (after[i] < 0) {
          samples.push({ score: null, error: 'the model output on the attacked input is NaN' });
          continue;
        }
        const isRight = after[i] === labels[i];
        samples.push({
          score: isRight ? 1 : 0,
          passed: isRight,
          details: {
            predicted: ctx.classes[before[i]] ?? String(before[i]),
            adversarial: ctx.classes[after[i]] ?? String(after[i]),
          },
        });
      }
      done += part.length;
      ctx.progress(done);
    }
    return samples;
  },
  summarize(samples) {
    let clean = 0;
    let adv = 0;
    let attacked = 0;
    let flipped = 0;
    const scored = samples.filter((s) => s.error === undefined && s.score !== null);
    for (const s of scored) {
      // `predicted` is the clean prediction's class name, so it equals the label when it was right.
      const wasRight = s.details?.predicted === s.label;
      const isRight = s.passed === true;
      clean += wasRight ? 1 : 0;
      adv += isRight ? 1 : 0;
      if (wasRight) {
        attacked++;
        flipped += isRight ? 0 : 1;
      }
    }
    const n = scored.length;
    return {
      stats: {
        accuracy: n > 0 ? adv / n : null,
        clean_accuracy: n > 0 ? clean / n : null,
        attack_success_rate: attacked > 0 ? flipped / attacked : null,
      },
    };
  },
};
