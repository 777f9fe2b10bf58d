/**
 * Every fixture model (tiny-* and any added later, e.g. wolf-snow-*): our forward
 * pass and our reverse pass against tfjs-layers + tf.grads on the cpu backend,
 * on both our embedded engines, and on tfjs-node where it is installed.
 */

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.js';
import type { EngineKind, LayerInfo, Model } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { fixtureModels, loadReference, type RefGrads } from './helpers/reference.js';
import { tfjsNodeInstalled } from './helpers/tfjs-node.js';

const ENGINES: EngineKind[] = ['wasm', 'cpu', ...(tfjsNodeInstalled() ? ['tfjs-node' as const] : [])];

const N = 3;
/** Layers whose gradient is checked: all of a small model, else a spread ending in the last spatial one. */
function layersToCheck(layers: LayerInfo[]): string[] {
  if (layers.length <= 10) return layers.map((l) => l.name);
  const picks = new Set<string>();
  for (const f of [0, 0.33, 0.66]) picks.add(layers[Math.floor(f * (layers.length - 1))].name);
  const spatial = layers.filter((l) => l.spatial);
  if (spatial.length > 0) picks.add(spatial[spatial.length - 1].name);
  return [...picks];
}

function softmaxRows(logits: Float32Array, k: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    const m = Math.max(...row);
    let s = 0;
    for (let j = 0; j < k; j++) s += out[r * k + j] = Math.exp(row[j] - m);
    for (let j = 0; j < k; j++) out[r * k + j] /= s;
  }
  return out;
}

function finalActivation(logits: Float32Array, k: number, act: 'softmax' | 'sigmoid' | null): Float32Array {
  if (act === 'softmax') return softmaxRows(logits, k);
  if (act === 'sigmoid') return logits.map((v) => 1 / (1 + Math.exp(-v)));
  return logits;
}

for (const fixture of fixtureModels()) {
  describe(`parity ${fixture.name}`, () => {
    let x: Float32Array;
    let outputGrad: Float32Array;
    let predicted: Float32Array;
    let k: number;
    let checked: string[];
    const refs = new Map<string, RefGrads>();
    const key = (layer?: string): string => layer ?? '<input>';

    beforeAll(async () => {
      // References first, on cpu, before our engines switch the global backend.
      const probe = await loadModel(fixture.file, { engine: 'cpu' });
      const info = probe.info;
      probe.dispose();
      const ref = await loadReference(fixture.file);
      const size = info.inputShape[0] * info.inputShape[1] * info.inputShape[2];
      k = info.outputs;
      x = seededUniform(7, N * size);
      outputGrad = seededUniform(8, N * k, -1, 1);
      predicted = ref.predict(x, N);
      checked = layersToCheck(info.layers);
      refs.set(key(), ref.grads(x, N, outputGrad));
      for (const l of checked) refs.set(key(l), ref.grads(x, N, outputGrad, l));
      ref.dispose();
    });

    for (const engine of ENGINES) {
      describe(engine, () => {
        let model: Model;
        beforeAll(async () => {
          model = await loadModel(fixture.file, { engine });
        });
        afterAll(() => model.dispose());

        it('runs on the requested backend', () => {
          const name = engine === 'tfjs-node' ? engine : `tfjs-${engine}`;
          expect(model.engine).toMatch(new RegExp(`^${name}@\\d+\\.\\d+\\.\\d+$`));
        });

        it('forward logits match tfjs-layers', async () => {
          const { logits } = await model.forward(x, N);
          expectClose(logits, refs.get(key())!.logits, N, 'logits');
          const probs = finalActivation(logits, k, model.info.finalActivation);
          expectClose(probs, predicted, N, 'predict()');
        });

        it('input gradient matches tf.grads', async () => {
          const r = await model.gradient({ x, n: N, outputGrad });
          expectClose(r.logits, refs.get(key())!.logits, N, 'logits');
          expectClose(r.inputGrad, refs.get(key())!.inputGrad, N, 'input gradient');
        });

        it('layer activations and gradients match tf.grads', async () => {
          for (const layer of checked) {
            const ref = refs.get(key(layer))!;
            const r = await model.gradient({ x, n: N, outputGrad, layer });
            expectClose(r.layerActivation!, ref.layerActivation!, N, `${layer} activation`);
            expectClose(r.layerGrad!, ref.layerGrad!, N, `${layer} gradient`);
            expectClose(r.inputGrad, ref.inputGrad, N, `input gradient with ${layer} captured`);
            const stop = await model.gradient({ x, n: N, outputGrad, layer, inputGrad: false });
            expect(stop.inputGrad.length).toBe(0);
            expectClose(stop.layerGrad!, ref.layerGrad!, N, `${layer} gradient (stopped)`);
            const fwd = await model.forward(x, N, [layer]);
            expectClose(fwd.captured.get(layer)!, ref.layerActivation!, N, `${layer} captured by forward`);
          }
        });

        it('leaks no tensors across calls', async () => {
          await model.gradient({ x, n: N, outputGrad, layer: checked[checked.length - 1] });
          const before = tf.memory().numTensors;
          for (let i = 0; i < 3; i++) {
            await model.forward(x, N, checked.slice(0, 1));
            await model.gradient({ x, n: N, outputGrad, layer: checked[0] });
            await model.gradient({ x, n: N, outputGrad, layer: checked[0], inputGrad: false });
          }
          expect(tf.memory().numTensors).toBe(before);
        });
      });
    }
  });
}
