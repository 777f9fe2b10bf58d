/**
 * The real @tensorflow/tfjs-node (where installed; see helpers/tfjs-node.ts) against the reference
 * engine, tfjs-wasm, on the fixtures of the other formats (parity.test.ts covers the tfjs Layers
 * fixtures against tf.grads): logits, input gradients, a layer gradient and guided backprop agree
 * within 1e-4 relative. DeepLIFT is compared by each sample's total attribution: its rescale
 * multipliers divide by tiny differences, so elementwise they differ by 1e-3 between any two
 * engines on the mobile fixture (wasm vs cpu too), while their sum, the logit's change, is stable.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.js';
import type { GradientRequest, Model } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { tfjsNodeInstalled } from './helpers/tfjs-node.js';

const FIXTURES = [
  'fixtures/models/keras/functional.keras',
  'fixtures/models/keras/sequential.h5',
  'fixtures/models/keras/functional-keras2.h5',
  'fixtures/models/tfjs-graph/cnn/model.json',
  'fixtures/onnx/cnn/model.onnx',
  'fixtures/onnx/mobile/model.onnx',
  'fixtures/onnx/wolf-snow-biased/model.onnx',
];
const N = 3;

describe.runIf(tfjsNodeInstalled())('tfjs-node on Keras, tfjs graph and ONNX fixtures', () => {
  for (const file of FIXTURES) {
    it(`${file}: agrees with tfjs-wasm`, async () => {
      const node = await loadModel(join(import.meta.dirname, '..', '..', file), { engine: 'tfjs-node' });
      const wasm = await loadModel(join(import.meta.dirname, '..', '..', file), { engine: 'wasm' });
      try {
        expect(node.engine).toMatch(/^tfjs-node@/);
        const [h, w, c] = node.info.inputShape;
        const x = seededUniform(3, N * h * w * c);
        const outputGrad = seededUniform(4, N * node.info.outputs, -1, 1);
        const spatial = node.info.layers.filter((l) => l.spatial);
        const layer = spatial.at(-1)?.name;
        const requests: [string, GradientRequest][] = [
          ['gradient', { x, n: N, outputGrad }],
          ['guided-backprop', { x, n: N, outputGrad, rules: 'guided-backprop' }],
          ...(layer === undefined
            ? []
            : [[`layer ${layer}`, { x, n: N, outputGrad, layer }] as [string, GradientRequest]]),
        ];
        await compare(node, wasm, requests, file);
        const total = async (m: Model) => {
          const r = await m.gradient({
            x,
            n: N,
            outputGrad,
            rules: 'deeplift',
            reference: new Float32Array(x.length),
          });
          const per = x.length / N;
          return Float32Array.from({ length: N }, (_, s) => {
            let sum = 0;
            for (let i = s * per; i < (s + 1) * per; i++) sum += r.inputGrad[i] * x[i];
            return sum;
          });
        };
        expectClose(await total(node), await total(wasm), N, `${file} deeplift: total attribution`);
        expectClose(
          (await node.forward(x, N)).logits,
          (await wasm.forward(x, N)).logits,
          N,
          `${file}: forward`,
        );
      } finally {
        node.dispose();
        wasm.dispose();
      }
    });
  }
});

async function compare(a: Model, b: Model, requests: [string, GradientRequest][], file: string) {
  for (const [what, req] of requests) {
    const got = await a.gradient(req);
    const ref = await b.gradient(req);
    expectClose(got.logits, ref.logits, N, `${file} ${what}: logits`);
    expectClose(got.inputGrad, ref.inputGrad, N, `${file} ${what}: input`);
    if (ref.layerGrad !== undefined) expectClose(got.layerGrad!, ref.layerGrad, N, `${file} ${what}: layer`);
  }
}
