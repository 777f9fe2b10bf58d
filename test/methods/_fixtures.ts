import type { InputTransform } from '../../src/data/input.js';
import type { RunContext } from '../../src/methods/types.js';
import type { Model } from '../../src/models/model.js';
import { fixedRandom, tanhNet } from '../helpers/analytic-models.js';

/** ImageNet-style normalisation, so 'black', 'white' and 'zeros' are three different baselines. */
export function transformOf(shape: [number, number, number]): InputTransform {
  const c = shape[2];
  return {
    range: [0, 1],
    mean: [0.485, 0.456, 0.406].slice(0, c),
    std: [0.229, 0.224, 0.225].slice(0, c),
    shape,
  };
}

/** Also supplies 3 data set reference inputs, for methods whose baseline is drawn from the data. */
export function ctxOf(input: InputTransform, maxBatch = 1000, signal?: AbortSignal): RunContext {
  return { seed: 1, unitId: 'test', input, maxBatch, signal, baselines: { x: inputsOf(input, 3, 99), n: 3 } };
}

/** n normalised inputs drawn from valid pixels in [0, 1]. */
export function inputsOf(input: InputTransform, n: number, seed = 7): Float32Array {
  const [h, w, c] = input.shape;
  const r = fixedRandom(n * h * w * c, seed);
  for (let j = 0; j < r.length; j++) {
    const k = j % c;
    r[j] = ((r[j] + 1) / 2 - input.mean[k]) / input.std[k];
  }
  return r;
}

export const batchOf = (x: Float32Array, n: number) => ({
  x,
  n,
  ids: Array.from({ length: n }, (_, i) => `s${i}`),
});

/** Completeness error as DESIGN.md defines it. */
export function completenessError(values: Float32Array, delta: number): number {
  let s = 0;
  for (const v of values) s += v;
  return Math.abs(s - delta) / Math.max(Math.abs(delta), 1e-6);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * A two-class tanh net whose pre-activations are of order 1 along a path from a black baseline
 * (inputs minus black are ~2 per value), so path integrands are clearly curved.
 */
export function curvedNet(shape: [number, number, number]): Model {
  const size = shape[0] * shape[1] * shape[2];
  return tanhNet(
    shape,
    [0, 1, 2].map((j) => fixedRandom(size, 20 + j).map((v) => v * 0.15)),
    [0.2, -0.1, 0.4],
    [
      [1.5, -2, 0.7],
      [-0.4, 1, 2],
    ],
  );
}
