import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstComponent } from '../../src/methods/_core/principal.js';
import { resizeBilinear } from '../../src/methods/_core/resize.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, completenessError, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

// The gradient-family and CAM-family methods on the reference engine (tfjs-wasm) with the
// committed fixture CNN (..., conv3 [2x2x8] -> GAP -> dense): they run, batch invariantly,
// and keep the relations that hold on any model.
let model: Model;
const t = transformOf([16, 16, 3]);
const size = 16 * 16 * 3;
const targets = Int32Array.from([0, 2, 1]);
let x: Float32Array;

const small: Record<string, Record<string, unknown>> = {
  'input-x-gradient': {},
  smoothgrad: { samples: 4, stdev: 0.1 },
  'gradient-shap': { samples: 4 },
  'expected-gradients': { samples: 4 },
  'integrated-gradients': { steps: 8, baseline: 'uniform' },
  cam: {},
  'grad-cam++': {},
  'xgrad-cam': {},
  'layer-cam': {},
  'score-cam': {},
  'eigen-cam': {},
};

const relMax = (a: Float32Array, b: Float32Array) =>
  maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs), 1e-12);

beforeAll(async () => {
  model = await loadModel('fixtures/models/tiny-cnn');
  x = inputsOf(t, 3, 41);
});
afterAll(() => model?.dispose());

describe('gradient and CAM methods on the tfjs-wasm engine (fixtures/models/tiny-cnn)', () => {
  for (const [id, o] of Object.entries(small)) {
    it(`${id}: a finite, non-zero map of the documented shape, the same for maxBatch 1 and 1000`, async () => {
      const m = methods[id];
      const opts = { ...m.defaults, ...o };
      const a = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
      const b = await m.attribute(model, batchOf(x, 3), targets, opts, ctxOf(t, 1000));
      expect(a.shape).toEqual([3, 16, 16, m.family === 'cam' ? 1 : 3]);
      for (const v of a.values) expect(Number.isFinite(v)).toBe(true);
      expect(Math.max(...Array.from(b.values, Math.abs))).toBeGreaterThan(0);
      expect(relMax(a.values, b.values)).toBeLessThan(1e-5);
    });
  }

  it('input-x-gradient is x times the signed saliency; smoothgrad with stdev 0 is saliency', async () => {
    const sal = await methods.saliency.attribute(model, batchOf(x, 3), targets, { abs: false }, ctxOf(t));
    const ixg = await methods['input-x-gradient'].attribute(model, batchOf(x, 3), targets, {}, ctxOf(t));
    expect(
      relMax(
        ixg.values,
        sal.values.map((g, p) => g * x[p]),
      ),
    ).toBeLessThan(1e-6);
    const sg = await methods.smoothgrad.attribute(
      model,
      batchOf(x, 3),
      targets,
      { samples: 3, stdev: 0, type: 'smoothgrad', abs: false },
      ctxOf(t),
    );
    expect(relMax(sg.values, sal.values)).toBeLessThan(1e-6);
  });

  it('cam equals 4 x grad-cam behind the GAP + Dense head (2x2 cells) and refuses an inner layer', async () => {
    const c = await methods.cam.attribute(model, batchOf(x, 3), targets, methods.cam.defaults, ctxOf(t));
    const g = await methods['grad-cam'].attribute(
      model,
      batchOf(x, 3),
      targets,
      methods['grad-cam'].defaults,
      ctxOf(t),
    );
    expect(
      relMax(
        c.values,
        g.values.map((v) => v * 4),
      ),
    ).toBeLessThan(1e-5);
    const e = await methods.cam
      .attribute(model, batchOf(x, 3), targets, { layer: 'relu2', relu: true }, ctxOf(t))
      .catch((err: unknown) => err);
    expect(e).toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringMatching(/'relu2' is followed by 'pool2'/),
    });
  });

  it("eigen-cam is the first principal component of the engine's conv3 activations", async () => {
    const a = await methods['eigen-cam'].attribute(
      model,
      batchOf(x, 3),
      targets,
      { layer: 'conv3', relu: false },
      ctxOf(t),
    );
    const act = (await model.forward(x, 3, ['conv3'])).captured.get('conv3')!;
    const maps = new Float32Array(12);
    for (let i = 0; i < 3; i++) maps.set(firstComponent(act.subarray(i * 32, (i + 1) * 32), 4, 8), i * 4);
    expect(relMax(a.values, resizeBilinear(maps, 3, 2, 2, 1, 16, 16))).toBeLessThan(1e-5);
  });

  it('integrated gradients from a blurred baseline is complete to Gauss-Legendre accuracy', async () => {
    const a = await methods['integrated-gradients'].attribute(
      model,
      batchOf(x, 3),
      targets,
      { steps: 64, rule: 'gausslegendre', baseline: 'blur', sigma: 2 },
      ctxOf(t, 64),
    );
    for (let i = 0; i < 3; i++)
      expect(completenessError(a.values.subarray(i * size, (i + 1) * size), a.outputDelta![i])).toBeLessThan(
        2e-2,
      );
  });
});
