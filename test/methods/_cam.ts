import { resizeBilinear } from '../../src/methods/_core/resize.js';
import type { CamParams } from '../helpers/analytic-models.js';
import { camNet, fixedRandom } from '../helpers/analytic-models.js';
import { transformOf } from './_fixtures.js';

/** camNet with three feature channels and two classes (the grad-cam tests' parameters). */
export const camParams = (shape: [number, number, number], d = [0.1, -0.2, 0.05]): CamParams => ({
  shape,
  M: [
    [1, -1, 0.5],
    [0.5, 2, -1],
    [-1, 0.3, 1],
  ].map((r) => r.slice(0, shape[2])),
  d,
  D: [
    [1, -2, 0.5],
    [-1, 0.5, 2],
  ],
  e: [0.3, -0.3],
});

/** A 4x4x2 camNet (its 'act' layer is 2x2x3), inputs and targets. */
export async function camCase(n = 3, seed = 5) {
  const p = camParams([4, 4, 2]);
  const model = camNet(p);
  const x = fixedRandom(n * 32, seed);
  const targets = Int32Array.from({ length: n }, (_, i) => i % 2);
  const act = (await model.forward(x, n, ['act'])).captured.get('act')!;
  return { p, model, x, n, targets, act, t: transformOf([4, 4, 2]), cells: 4, K: 3 };
}

/** ReLU (optionally) then the torch-bilinear upsampling of [n, 2, 2] maps to 4x4. */
export function finish(maps: number[][], relu = true): Float32Array {
  const flat = Float32Array.from(maps.flat().map((v) => (relu ? Math.max(0, v) : v)));
  return resizeBilinear(flat, maps.length, 2, 2, 1, 4, 4);
}
