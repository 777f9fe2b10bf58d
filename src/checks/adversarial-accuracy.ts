import { type AttackConfig, type AttackNorm, attack } from './_core/attack.js';
import { byBatch } from './_core/batches.js';
import { predictions, predictionsOrNaN } from './_core/stats.js';
import type { Check } from './types.js';

export interface AdversarialAccuracyOptions {
  attack: {
    method: 'fgsm' | 'pgd';
    /** Default linf. */
    norm?: AttackNorm;
    epsilon: number;
    /** pgd only; default 10. */
    steps?: number;
    /** pgd only; default 2.5 * epsilon / steps. */
    step_size?: number;
    /** pgd only; default true. */
    random_start?: boolean;
  };
}

/** The attack with every default filled in (the spec replaces `attack` whole, so defaults live here). */
export function resolveAttack(a: AdversarialAccuracyOptions['attack']): AttackConfig {
  const steps = a.method === 'pgd' ? (a.steps ?? 10) : 1;
  return {
    method: a.method,
    norm: a.norm ?? 'linf',
    epsilon: a.epsilon,
    steps,
    stepSize: a.step_size ?? (a.method === 'pgd' ? (2.5 * a.epsilon) / steps : a.epsilon),
    randomStart: a.method === 'pgd' ? (a.random_start ?? true) : false,
  };
}

export const adversarialAccuracy: Check<AdversarialAccuracyOptions> = {
  id: 'adversarial-accuracy',
  title: 'Adversarial accuracy',
  summary:
    'Accuracy on inputs perturbed by a gradient attack (FGSM or PGD, L-inf or L2) of radius epsilon in pixel units of input.range, and the attack success rate.',
  references: [
    'Goodfellow et al. 2015, Explaining and Harnessing Adversarial Examples (FGSM)',
    'Madry et al. 2018, Towards Deep Learning Models Resistant to Adversarial Attacks (PGD)',
    'torchattacks.FGSM / torchattacks.PGD / torchattacks.PGDL2',
    'foolbox LinfFastGradientAttack / L2FastGradientAttack',
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
          method: { enum: ['fgsm', 'pgd'] },
          norm: { enum: ['linf', 'l2'] },
          epsilon: { type: 'number', minimum: 0 },
          steps: { type: 'integer', minimum: 1 },
          step_size: { type: 'number', minimum: 0 },
          random_start: { type: 'boolean' },
        },
        required: ['method', 'epsilon'],
        additionalProperties: false,
        if: { properties: { method: { const: 'fgsm' } } },
        // steps, step_size and random_start are PGD's: with fgsm they are refused, not silently ignored.
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
        then: { propertyNames: { enum: ['method', 'norm', 'epsilon'] } },
      },
    },
    additionalProperties: false,
  },
  defaults: { attack: { method: 'fgsm', epsilon: 0.03 } },
  optionDocs: {
    attack:
      "{method: fgsm | pgd, norm: linf | l2 (default linf), epsilon, steps, step_size, random_start}. Every magnitude is in pixel units of input.range (torchattacks' eps, alpha for range [0,1]; for other ranges multiply by the range's width) and the attacked input is clipped to the range. " +
      'fgsm: one step of size epsilon on the cross-entropy of the label: linf x + epsilon * sign(grad) (torchattacks.FGSM), l2 x + epsilon * grad / ||grad||_2 with the gradient in pixel units (foolbox L2FastGradientAttack). ' +
      'pgd: steps (default 10) steps of step_size (default 2.5 * epsilon / steps, as in Madry et al.; torchattacks uses alpha 2/255 with eps 8/255, foolbox rel_stepsize 0.01/0.3 with 40 steps), each projected onto the epsilon ball and the range; random_start (default true) starts uniformly in the L-inf ball, or for l2 from a Gaussian direction at a radius uniform in [0, epsilon] (torchattacks.PGD / PGDL2). ' +
      'The random start is seeded per sample (seed, check id, sample id); the last iterate is scored, as torchattacks returns it. Cost per batch: steps x (one forward + one gradient).',
  },
  async evaluate(ctx, opts) {
    const config = resolveAttack(opts.attack);
    return byBatch(ctx, async (part, _targets, samples) => {
      const { x } = await ctx.dataset.stack(part);
      const labels = Int32Array.from(part, (s) => s.labelIndex);
      const logits = await ctx.logits(part);
      const xa = await attack(
        ctx.model,
        { x, n: part.length, ids: part.map((s) => s.id), labels, logits },
        config,
        { input: ctx.input, seed: ctx.seed, unitId: ctx.checkId, signal: ctx.signal },
      );
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
    });
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
