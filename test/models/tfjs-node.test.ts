/**
 * engine: tfjs-node. The real package cannot be installed where its install cannot download
 * libtensorflow (this CI), so these tests run the plumbing on a stand-in that registers a
 * 'tensorflow' backend with tfjs-cpu's kernels (helpers/fake-tfjs-node); the numeric check against
 * the real package is test/models/tfjs-node-real.test.ts, which runs where it is installed.
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

  it("is what 'auto' picks for a tfjs model where it is installed", async () => {
    const m = await loadModel(resnet);
    expect(m.engine).toBe('tfjs-node@0.0.0-simulated');
    m.dispose();
  });

  it("runs an ONNX model's layer gradients on tfjs-node beside onnxruntime", async () => {
    const file = join(import.meta.dirname, '..', '..', 'fixtures', 'onnx', 'cnn', 'model.onnx');
    const m = await loadModel(file, { engine: 'onnxruntime' });
    expect(m.engine).toMatch(/^onnxruntime-node@[\d.]+\+tfjs-node@0\.0\.0-simulated$/);
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
    // auto goes on without it, silently: not having it is the normal case.
    const auto = await chooseBackend('auto', () => Promise.reject(missing));
    expect(auto.backend).toBe('wasm');
    expect(auto.fallback).toBeUndefined();
  });

  it('reports a native library that fails to load', async () => {
    const broken = () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file'));
    await expect(chooseBackend('tfjs-node', broken)).rejects.toThrow(
      /tfjs-node failed to load: libtensorflow\.so\.2: cannot open/,
    );
    const auto = await chooseBackend('auto', broken);
    expect(auto.backend).toBe('wasm');
    expect(auto.fallback).toMatch(/failed to load/);
  });
});
