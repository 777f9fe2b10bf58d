/**
 * Methods of every family on the ONNX fixture models (fixtures/onnx/*), on the engine `auto`
 * picks (onnxruntime: forward passes there, captures and reverse passes on tfjs-wasm): each
 * returns a finite map of the input's size, or refuses for the documented reason.
 */

import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { expectRunsOrRefuses } from './_fixtures.js';

const small: Record<string, Record<string, unknown>> = {
  saliency: {},
  'guided-backprop': {},
  deeplift: {},
  lrp: {},
  'integrated-gradients': { steps: 4 },
  'grad-cam': {},
  cam: {},
  'score-cam': {},
  occlusion: { window: [8, 8], stride: [8, 8] },
};
/** model -> method -> the reason it cannot run. */
const refusals: Record<string, Record<string, RegExp>> = {
  // The last spatial layer (layer: auto) is the avg-pool branch, flattened into a concat head.
  cnn: {
    cam: /'\/avg\/AveragePool_output_0' is followed by '\/Flatten_1_output_0' \(flatten\), not by global average pooling/,
  },
  // A hidden Dense (with hardswish) between the pooling and the logits.
  mobile: {
    cam: /is followed by '\/fc1\/Gemm_output_0' \(dense\), not by the final Dense layer|not by global average pooling/,
  },
};

const models = readdirSync('fixtures/onnx', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const loaded: Model[] = [];
afterAll(() => {
  for (const m of loaded) m.dispose();
});

describe('methods on the ONNX fixture models (engine auto)', () => {
  for (const name of models) {
    it(`${name}: runs each method or refuses for the documented reason`, async () => {
      const model = await loadModel(`fixtures/onnx/${name}/model.onnx`);
      loaded.push(model);
      expect(model.engine).toMatch(/^onnxruntime-node@/);
      await expectRunsOrRefuses(name, model, small, refusals[name]);
    });
  }
});
