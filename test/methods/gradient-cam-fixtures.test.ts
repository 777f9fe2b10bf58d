import { existsSync, readdirSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { expectRunsOrRefuses } from './_fixtures.js';

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

// Directories holding a model.json (fixtures/models/keras holds Keras files: test/models/keras*.test.ts).
const models = readdirSync('fixtures/models')
  .filter((d) => existsSync(`fixtures/models/${d}/model.json`))
  .sort();
const loaded: Model[] = [];
afterAll(() => {
  for (const m of loaded) m.dispose();
});

describe('gradient and CAM methods on every fixture model (tfjs-wasm)', () => {
  for (const name of models) {
    it(`${name}: runs each method or refuses for the documented reason`, async () => {
      const model = await loadModel(`fixtures/models/${name}`);
      loaded.push(model);
      await expectRunsOrRefuses(name, model, small, refusals[name], 'MODEL_UNSUPPORTED');
    });
  }
});
