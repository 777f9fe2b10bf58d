import { rngFor } from '../../core/rng.js';
import { type InputTransform, normalisedBounds } from '../../data/input.js';
import type { Model } from '../../models/model.js';
import { lossGradient } from './loss.js';

/**
 * Gradient attacks on the cross-entropy loss of the label (softmax, or sigmoid for a single-unit
 * binary model), after torchattacks' FGSM / PGD / PGDL2 and foolbox's L2 fast gradient method.
 *
 * Every magnitude (epsilon, step size) is in pixel units of input.range: the attack moves in pixel
 * space, projects onto the epsilon ball there and clips to the range, and the model sees the result
 * normalised like any input. Internally the state is kept in normalised units, where the pixel
 * ball becomes a per-channel box (L-inf: eps / std[k]) or a weighted ball (L2: sum (d * std)^2).
 */

export type AttackNorm = 'linf' | 'l2';

export interface AttackConfig {
  method: 'fgsm' | 'pgd';
  norm: AttackNorm;
  /** Radius of the ball, pixel units. */
  epsilon: number;
  /** pgd: number of gradient steps. */
  steps: number;
  /** pgd: length of one step, pixel units (in the attack's norm). */
  stepSize: number;
  /** pgd: start from a random point of the ball instead of the input. */
  randomStart: boolean;
}

export interface AttackBatch {
  /** [n, h, w, c] normalised inputs. */
  x: Float32Array;
  n: number;
  /** Sample ids: the random start is keyed by them. */
  ids: readonly string[];
  /** Class index per sample (0/1 for a single sigmoid unit). */
  labels: Int32Array;
  /** Logits of the clean inputs when already known (saves the first forward pass). */
  logits?: Float32Array;
}

export interface AttackContext {
  input: InputTransform;
  seed: number;
  /** Keys the random-start stream (the check id). */
  unitId: string;
  signal?: AbortSignal;
}

/** The attacked inputs, [n, h, w, c] normalised like `batch.x`. */
export async function attack(
  model: Model,
  batch: AttackBatch,
  config: AttackConfig,
  ctx: AttackContext,
): Promise<Float32Array> {
  return config.method === 'fgsm'
    ? fastGradient(model, batch, config.norm, config.epsilon, ctx)
    : pgd(model, batch, config, ctx);
}

/** Gradient of CE(F(x), label) with respect to the normalised input. */
async function lossInputGrad(
  model: Model,
  x: Float32Array,
  n: number,
  labels: Int32Array,
  logits?: Float32Array,
): Promise<Float32Array> {
  const z = logits ?? (await model.forward(x, n)).logits;
  const { inputGrad } = await model.gradient({ x, n, outputGrad: lossGradient(z, labels) });
  return inputGrad;
}

/**
 * One step of size epsilon: L-inf, x + eps * sign(grad) (FGSM); L2, x + eps * grad / ||grad||_2
 * with the gradient taken with respect to pixels (the fast gradient method). Clipped to the range.
 */
async function fastGradient(
  model: Model,
  batch: AttackBatch,
  norm: AttackNorm,
  epsilon: number,
  ctx: AttackContext,
): Promise<Float32Array> {
  const { x, n } = batch;
  const { std } = ctx.input;
  const c = ctx.input.shape[2];
  const { lo, hi } = normalisedBounds(ctx.input);
  const g = await lossInputGrad(model, x, n, batch.labels, batch.logits);
  const out = new Float32Array(x.length);
  if (norm === 'linf') {
    for (let p = 0; p < x.length; p++) {
      const k = p % c;
      const v = x[p] + (epsilon / std[k]) * Math.sign(g[p]);
      out[p] = Math.min(hi[k], Math.max(lo[k], v));
    }
    return out;
  }
  const size = x.length / n;
  for (let i = 0; i < n; i++) {
    const o = i * size;
    // d loss / d pixel = (d loss / d normalised) / std; the step in normalised units divides by std again.
    const len = pixelGradNorm(g, o, size, std, c);
    const scale = len > 0 ? epsilon / len : 0;
    for (let q = 0; q < size; q++) {
      const k = q % c;
      const v = x[o + q] + (scale * g[o + q]) / (std[k] * std[k]);
      out[o + q] = Math.min(hi[k], Math.max(lo[k], v));
    }
  }
  return out;
}

/** ||grad with respect to pixels||_2 of one sample, from the gradient in normalised units. */
function pixelGradNorm(g: Float32Array, o: number, size: number, std: readonly number[], c: number): number {
  let s = 0;
  for (let q = 0; q < size; q++) {
    const v = g[o + q] / std[q % c];
    s += v * v;
  }
  return Math.sqrt(s);
}

/**
 * Projected gradient descent (Madry et al. 2018), as torchattacks' PGD (L-inf) and PGDL2: from the
 * input, or a random point of the ball, take `steps` steps of `stepSize` (sign of the gradient for
 * L-inf, the unit gradient for L2), after each projecting the perturbation onto the epsilon ball
 * and the input onto the range. Returns the last iterate, as torchattacks does.
 */
async function pgd(
  model: Model,
  batch: AttackBatch,
  config: AttackConfig,
  ctx: AttackContext,
): Promise<Float32Array> {
  const { x, n } = batch;
  const { std } = ctx.input;
  const c = ctx.input.shape[2];
  const size = x.length / n;
  const { lo, hi } = normalisedBounds(ctx.input);
  const { epsilon, stepSize, norm } = config;
  const clip = (v: number, k: number) => Math.min(hi[k], Math.max(lo[k], v));
  const adv = Float32Array.from(x);
  if (config.randomStart) {
    for (let i = 0; i < n; i++) randomStart(adv, x, i * size, size, batch.ids[i], config, ctx, clip);
  }
  let logits = config.randomStart ? undefined : batch.logits;
  for (let step = 0; step < config.steps; step++) {
    ctx.signal?.throwIfAborted();
    const g = await lossInputGrad(model, adv, n, batch.labels, logits);
    logits = undefined;
    for (let i = 0; i < n; i++) {
      const o = i * size;
      if (norm === 'linf') {
        for (let q = 0; q < size; q++) {
          const p = o + q;
          const k = q % c;
          // (adv - x) is exactly 0 on a first step from x, so steps=1, stepSize=epsilon is FGSM bit for bit.
          const d = adv[p] - x[p] + (stepSize / std[k]) * Math.sign(g[p]);
          const bound = epsilon / std[k];
          adv[p] = clip(x[p] + Math.min(bound, Math.max(-bound, d)), k);
        }
        continue;
      }
      const len = pixelGradNorm(g, o, size, std, c);
      // delta in pixel units after the step, then its L2 norm for the projection.
      const delta = new Float64Array(size);
      let sq = 0;
      for (let q = 0; q < size; q++) {
        const k = q % c;
        const stepPix = len > 0 ? (stepSize * g[o + q]) / std[k] / len : 0;
        delta[q] = (adv[o + q] - x[o + q]) * std[k] + stepPix;
        sq += delta[q] * delta[q];
      }
      const l2 = Math.sqrt(sq);
      const factor = l2 > epsilon ? epsilon / l2 : 1;
      for (let q = 0; q < size; q++) {
        const k = q % c;
        adv[o + q] = clip(x[o + q] + (delta[q] * factor) / std[k], k);
      }
    }
  }
  return adv;
}

/**
 * Random start of one sample, drawn from rngFor(seed, unitId, sample id): L-inf, uniform in the
 * ball (torchattacks PGD); L2, a Gaussian direction scaled to a radius uniform in [0, eps]
 * (torchattacks PGDL2, which is not uniform in the ball's volume). Clipped to the range.
 */
function randomStart(
  adv: Float32Array,
  x: Float32Array,
  o: number,
  size: number,
  id: string,
  config: AttackConfig,
  ctx: AttackContext,
  clip: (v: number, k: number) => number,
): void {
  const { std } = ctx.input;
  const c = ctx.input.shape[2];
  const rng = rngFor(ctx.seed, ctx.unitId, id);
  if (config.norm === 'linf') {
    for (let q = 0; q < size; q++) {
      const k = q % c;
      adv[o + q] = clip(x[o + q] + ((2 * rng.at(q) - 1) * config.epsilon) / std[k], k);
    }
    return;
  }
  // normalAt(q) uses draws 2q and 2q + 1, so the radius takes draw 2 * size.
  const dir = new Float64Array(size);
  let sq = 0;
  for (let q = 0; q < size; q++) {
    dir[q] = rng.normalAt(q);
    sq += dir[q] * dir[q];
  }
  const scale = sq > 0 ? (rng.at(2 * size) * config.epsilon) / Math.sqrt(sq) : 0;
  for (let q = 0; q < size; q++) {
    const k = q % c;
    adv[o + q] = clip(x[o + q] + (dir[q] * scale) / std[k], k);
  }
}
