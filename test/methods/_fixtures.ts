import { expect } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import type { InputTransform } from '../../src/data/input.js';
import { methods } from '../../src/methods/registry.js';
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

/**
 * Runs each method (with small option overrides) on two seeded inputs of `model`: it returns a
 * finite map of the input's size, or, where `refusals` names a reason, fails with that message.
 * `code` additionally pins the refusal's error code.
 */
export async function expectRunsOrRefuses(
  name: string,
  model: Model,
  small: Record<string, Record<string, unknown>>,
  refusals: Record<string, RegExp> | undefined,
  code?: string,
): Promise<void> {
  const shape = model.info.inputShape;
  const c = shape[2];
  const t: InputTransform = { range: [0, 1], mean: Array(c).fill(0.5), std: Array(c).fill(0.25), shape };
  const x = inputsOf(t, 2, 13);
  const targets = Int32Array.from([0, 1]);
  for (const [id, o] of Object.entries(small)) {
    const m = methods[id];
    const why = refusals?.[id];
    const run = m.attribute(model, batchOf(x, 2), targets, { ...m.defaults, ...o }, ctxOf(t, 8));
    if (why !== undefined) {
      const e = await run.catch((err: unknown) => err);
      expect(e, `${name} ${id}`).toBeInstanceOf(XauditError);
      if (code !== undefined) expect((e as XauditError).code, `${name} ${id}`).toBe(code);
      expect((e as XauditError).message, `${name} ${id}`).toMatch(why);
      continue;
    }
    const a = await run;
    expect(a.shape, `${name} ${id}`).toEqual([2, shape[0], shape[1], m.family === 'cam' ? 1 : c]);
    for (const v of a.values) expect(Number.isFinite(v), `${name} ${id}`).toBe(true);
  }
}
