import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import type { InputTransform } from '../../src/data/input.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, ctxOf, inputsOf } from './_fixtures.js';

// Every gradient- and CAM-family method on every committed fixture model (tfjs-wasm): it
// either returns a finite map of the input's size or refuses with MODEL_UNSUPPORTED and says
// why. The refusals are the documented ones, listed here.
const small: Record<string, Record<string, unknown>> = {
  'input-x-gradient': {},
  smoothgrad: { samples: 2 },
  'gradient-shap': { samples: 2 },
  'expected-gradients': { samples: 2 },
  'integrated-gradients': { steps: 4, baseline: 'blur', sigma: 1 },
  cam: {},
  'grad-cam++': {},
  'xgrad-cam': {},
  'layer-cam': {},
  'score-cam': {},
  'eigen-cam': {},
};
const CAM_IDS = ['cam', 'grad-cam++', 'xgrad-cam', 'layer-cam', 'score-cam', 'eigen-cam'];
/** model -> method -> the reason it cannot run. */
const refusals: Record<string, Record<string, RegExp>> = {
  // Flat inputs: no layer has a spatial output.
  'tiny-linear': Object.fromEntries(CAM_IDS.map((id) => [id, /no layer with a spatial output/])),
  'tiny-mlp': Object.fromEntries(CAM_IDS.map((id) => [id, /no layer with a spatial output/])),
  // Its head is Flatten + Dense, not global average pooling.
  'tiny-resnet': { cam: /'drop' is followed by 'flatten' \(flatten\), not by global average pooling/ },
};

const models = readdirSync('fixtures/models').sort();
const loaded: Model[] = [];
afterAll(() => {
  for (const m of loaded) m.dispose();
});

describe('gradient and CAM methods on every fixture model (tfjs-wasm)', () => {
  for (const name of models) {
    it(`${name}: runs each method or refuses for the documented reason`, async () => {
      const model = await loadModel(`fixtures/models/${name}`);
      loaded.push(model);
      const shape = model.info.inputShape;
      const c = shape[2];
      const t: InputTransform = { range: [0, 1], mean: Array(c).fill(0.5), std: Array(c).fill(0.25), shape };
      const x = inputsOf(t, 2, 13);
      const targets = Int32Array.from([0, 1]);
      for (const [id, o] of Object.entries(small)) {
        const m = methods[id];
        const why = refusals[name]?.[id];
        const run = m.attribute(model, batchOf(x, 2), targets, { ...m.defaults, ...o }, ctxOf(t, 8));
        if (why !== undefined) {
          const e = await run.catch((err: unknown) => err);
          expect(e, `${name} ${id}`).toBeInstanceOf(XauditError);
          expect((e as XauditError).code, `${name} ${id}`).toBe('MODEL_UNSUPPORTED');
          expect((e as XauditError).message, `${name} ${id}`).toMatch(why);
          continue;
        }
        const a = await run;
        expect(a.shape, `${name} ${id}`).toEqual([2, shape[0], shape[1], m.family === 'cam' ? 1 : c]);
        for (const v of a.values) expect(Number.isFinite(v), `${name} ${id}`).toBe(true);
      }
    });
  }
});
