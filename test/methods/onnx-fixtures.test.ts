/**
 * Methods of every family on the ONNX fixture models (fixtures/onnx/*), on the engine `auto`
 * picks (onnxruntime: forward passes there, captures and reverse passes on tfjs-wasm): each
 * returns a finite map of the input's size, or refuses for the documented reason.
 */

import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import type { InputTransform } from '../../src/data/input.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { batchOf, ctxOf, inputsOf } from './_fixtures.js';

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
