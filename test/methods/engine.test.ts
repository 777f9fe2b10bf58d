import { beforeAll, describe, expect, it } from 'vitest';
import { oneHot, targetLogits } from '../../src/core/tensor.js';
import { baselineInput } from '../../src/methods/_core/baselines.js';
import { resizeBilinear } from '../../src/methods/_core/resize.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, completenessError, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

// The methods against the reference engine on a committed fixture CNN
// (conv-relu, max-pool, conv-bn-relu, avg-pool, conv-relu [2x2x8], GAP, dense):
// the layer-capture contract, batching and completeness on a real graph.
let model: Model;
const t = transformOf([16, 16, 3]);
const size = 16 * 16 * 3;
const targets = Int32Array.from([0, 2, 1]);
let x: Float32Array;

beforeAll(async () => {
  model = await loadModel('fixtures/models/tiny-cnn');
  x = inputsOf(t, 3, 21);
});

const relMax = (a: Float32Array, b: Float32Array) =>
  maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs), 1e-12);

describe('methods on the tfjs-wasm engine (fixtures/models/tiny-cnn)', () => {
  it("grad-cam 'auto' uses the last spatial layer and equals the map built from the engine's layer gradient", async () => {
    const layer = model.info.layers.filter((l) => l.spatial).at(-1)!;
    expect(layer.name).toBe('conv3');
    const a = await methods['grad-cam'].attribute(
      model,
      batchOf(x, 3),
      targets,
      { layer: 'auto', relu: true },
      ctxOf(t),
    );
    const r = await model.gradient({
      x,
      n: 3,
      outputGrad: oneHot(targets, model.info.outputs),
      layer: 'conv3',
    });
    const [lh, lw, lc] = r.layerShape!;
    const cam = new Float32Array(3 * lh * lw);
    for (let i = 0; i < 3; i++)
      for (let q = 0; q < lc; q++) {
        let wq = 0;
        for (let p = 0; p < lh * lw; p++) wq += r.layerGrad![(i * lh * lw + p) * lc + q] / (lh * lw);
        for (let p = 0; p < lh * lw; p++)
          cam[i * lh * lw + p] += wq * r.layerActivation![(i * lh * lw + p) * lc + q];
      }
    for (let j = 0; j < cam.length; j++) cam[j] = Math.max(0, cam[j]);
    expect(relMax(a.values, resizeBilinear(cam, 3, lh, lw, 1, 16, 16))).toBeLessThan(1e-5);
  });

  it('gives the same maps for maxBatch 1 and 1000', async () => {
    for (const id of ['saliency', 'integrated-gradients', 'grad-cam', 'occlusion']) {
      const m = methods[id];
      const opts = id === 'integrated-gradients' ? { ...m.defaults, steps: 8 } : m.defaults;
      const a = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
      const b = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 1000));
      expect(relMax(a.values, b.values), id).toBeLessThan(1e-5);
    }
  });

  it('integrated gradients: Gauss-Legendre completeness error is small and F(x) - F(b) is exact', async () => {
    const a = await methods['integrated-gradients'].attribute(
      model,
      batchOf(x, 3),
      targets,
      { steps: 128, rule: 'gausslegendre', baseline: 'black' },
      ctxOf(t, 256),
    );
    const fx = targetLogits((await model.forward(x, 3)).logits, targets);
    const b = baselineInput(t, 'black');
    const fb = (await model.forward(b, 1)).logits;
    for (let i = 0; i < 3; i++) {
      expect(a.outputDelta![i]).toBeCloseTo(fx[i] - fb[targets[i]], 5);
      // A ReLU network's path integrand has kinks, so quadrature converges slowly; 1% is ample here.
      expect(completenessError(a.values.subarray(i * size, (i + 1) * size), a.outputDelta![i])).toBeLessThan(
        1e-2,
      );
    }
  });

  it('occlusion with one window over the whole input is F(x) - F(baseline) everywhere', async () => {
    const a = await methods.occlusion.attribute(
      model,
      batchOf(x, 3),
      targets,
      { window: 16, stride: 1, baseline: 'white' },
      ctxOf(t),
    );
    const fx = targetLogits((await model.forward(x, 3)).logits, targets);
    const fb = (await model.forward(baselineInput(t, 'white'), 1)).logits;
    for (let i = 0; i < 3; i++)
      for (let p = 0; p < size; p++) expect(a.values[i * size + p]).toBeCloseTo(fx[i] - fb[targets[i]], 5);
  });
});
