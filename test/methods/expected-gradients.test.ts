import { describe, expect, it } from 'vitest';
import { expectedGradients } from '../../src/methods/expected-gradients.js';
import { gradientShap } from '../../src/methods/gradient-shap.js';
import { fixedRandom, linear, tanhNet } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, inputsOf, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 4, 3];
const size = 48;
const t = transformOf(shape);
const net = () => tanhNet(shape, [fixedRandom(size, 20).map((v) => v * 0.15)], [0.2], [[1.5], [-0.4]]);

describe('expected-gradients', () => {
  it('is gradient-shap with baseline: dataset as its default', async () => {
    expect(expectedGradients.defaults).toEqual({ samples: 5, stdev: 0, baseline: 'dataset' });
    const x = inputsOf(t, 2);
    const targets = Int32Array.from([1, 0]);
    const e = await expectedGradients.attribute(
      net(),
      batchOf(x, 2),
      targets,
      expectedGradients.defaults,
      ctxOf(t),
    );
    const g = await gradientShap.attribute(
      net(),
      batchOf(x, 2),
      targets,
      { ...gradientShap.defaults, baseline: 'dataset' },
      ctxOf(t),
    );
    expect(Array.from(e.values)).toEqual(Array.from(g.values));
  });

  it('on a linear model with one reference input is exactly (x - r) * W_target', async () => {
    const W = [fixedRandom(size, 1), fixedRandom(size, 2)];
    const x = inputsOf(t, 1);
    const r = inputsOf(t, 1, 55);
    const a = await expectedGradients.attribute(
      linear(shape, W),
      batchOf(x, 1),
      Int32Array.from([1]),
      expectedGradients.defaults,
      {
        ...ctxOf(t),
        baselines: { x: r, n: 1 },
      },
    );
    for (let p = 0; p < size; p++) expect(a.values[p]).toBeCloseTo((x[p] - r[p]) * W[1][p], 6);
  });
});
