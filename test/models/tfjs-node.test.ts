/**
 * engine: tfjs-node. The real package cannot be installed where its install cannot download
 * libtensorflow (this CI), so these tests run the plumbing on a stand-in that registers a
 * 'tensorflow' backend with tfjs-cpu's kernels (helpers/fake-tfjs-node), so they check the plumbing,
 * not numbers; the numeric checks against the real package (parity.test.ts, tfjs-node-formats.test.ts)
 * run where it is installed.
 */

import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { chooseBackend } from '../../src/models/engines/tfjs-backend.js';
import { loadModel } from '../../src/models/load.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { MODELS_DIR } from './helpers/reference.js';

vi.mock('@tensorflow/tfjs-node', () => import('./helpers/fake-tfjs-node/index.mjs'));

const resnet = join(MODELS_DIR, 'tiny-resnet', 'model.json');

describe('engine tfjs-node', () => {
  it('runs models on the backend tfjs-node registers, with the same numbers as tfjs-cpu', async () => {
    const node = await loadModel(resnet, { engine: 'tfjs-node' });
    const cpu = await loadModel(resnet, { engine: 'cpu' });
    expect(node.engine).toBe('tfjs-node@0.0.0-simulated');
    const [h, w, c] = node.info.inputShape;
    const n = 3;
    const x = seededUniform(7, n * h * w * c);
    const og = new Float32Array(n * node.info.outputs);
    for (let i = 0; i < n; i++) og[i * node.info.outputs + (i % node.info.outputs)] = 1;
    const a = await node.gradient({ x, n, outputGrad: og });
    expect(tf.getBackend()).toBe('tensorflow');
    const b = await cpu.gradient({ x, n, outputGrad: og });
    expectClose(a.logits, b.logits, 1, 'logits', 1e-6);
    expectClose(a.inputGrad, b.inputGrad, 1, 'input gradient', 1e-6);
    node.dispose();
    cpu.dispose();
  });

  it("is never picked by 'auto', even where it is installed: its results depend on the batch", async () => {
    const m = await loadModel(resnet);
    expect(m.engine).toMatch(/^tfjs-wasm@/);
    m.dispose();
    const onnx = join(import.meta.dirname, '..', '..', 'fixtures', 'onnx', 'cnn', 'model.onnx');
    const o = await loadModel(onnx);
    expect(o.engine).toMatch(/^onnxruntime-node@[\d.]+\+tfjs-wasm@/);
    o.dispose();
  });

  it('runs an ONNX model on tfjs-node when asked for', async () => {
    const file = join(import.meta.dirname, '..', '..', 'fixtures', 'onnx', 'cnn', 'model.onnx');
    const m = await loadModel(file, { engine: 'tfjs-node' });
    expect(m.engine).toBe('tfjs-node@0.0.0-simulated');
    const [h, w, c] = m.info.inputShape;
    const layer = m.info.layers.filter((l) => l.spatial).at(-1)!.name;
    const outputGrad = new Float32Array(m.info.outputs).fill(1);
    await m.gradient({ x: seededUniform(5, h * w * c), n: 1, outputGrad, layer });
    expect(tf.getBackend()).toBe('tensorflow');
    m.dispose();
  });

  it('says how to install it when it is missing, and never falls back', async () => {
    const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const e = await chooseBackend('tfjs-node', () => Promise.reject(missing)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('MODEL_UNSUPPORTED');
    expect((e as Error).message).toContain('@tensorflow/tfjs-node is not installed');
    expect((e as Error).message).toContain(`npm install @tensorflow/tfjs-node@${tf.version_core}`);
  });

  it('regression: a dependency of tfjs-node that is missing was reported as tfjs-node not installed', async () => {
    // Node's error for a dependency names tfjs-node in its require stack, below the first line.
    const dep = Object.assign(
      new Error(
        "Cannot find module 'google-protobuf'\nRequire stack:\n- /app/node_modules/@tensorflow/tfjs-node/index.js",
      ),
      { code: 'MODULE_NOT_FOUND' },
    );
    const e = await chooseBackend('tfjs-node', () => Promise.reject(dep)).catch((err: unknown) => err);
    expect((e as Error).message).toContain(
      "@tensorflow/tfjs-node failed to load: Cannot find module 'google-protobuf'",
    );
    expect((e as Error).message).not.toContain('is not installed');
  });

  it('reports a native library that fails to load', async () => {
    const broken = () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file'));
    await expect(chooseBackend('tfjs-node', broken)).rejects.toThrow(
      /tfjs-node failed to load: libtensorflow\.so\.2: cannot open/,
    );
  });
});
