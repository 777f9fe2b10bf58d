/** Engine behaviour beyond numeric parity: closed-form gradients, errors, backend switching. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { loadModel } from '../../src/models/load.js';
import type { EngineKind } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { MODELS_DIR } from './helpers/reference.js';

const linear = join(MODELS_DIR, 'tiny-linear', 'model.json');

describe('tfjs engine', () => {
  for (const engine of ['wasm', 'cpu'] as EngineKind[]) {
    it(`gives the weight column as the gradient of a linear model (${engine})`, async () => {
      const m = await loadModel(linear, { engine });
      // Kernel [64, 2] then bias [2], in manifest order.
      const bin = readFileSync(join(MODELS_DIR, 'tiny-linear', 'weights.bin'));
      const w = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
      const x = seededUniform(1, 2 * 64);
      const r = await m.gradient({ x, n: 2, outputGrad: Float32Array.of(1, 0, 0, 1) });
      const col = (j: number) => Float32Array.from({ length: 64 }, (_, i) => w[i * 2 + j]);
      expectClose(r.inputGrad.subarray(0, 64), col(0), 1, 'd logit0 / dx', 1e-6);
      expectClose(r.inputGrad.subarray(64), col(1), 1, 'd logit1 / dx', 1e-6);
      let l0 = w[128];
      for (let i = 0; i < 64; i++) l0 += x[i] * w[i * 2];
      expect(r.logits[0]).toBeCloseTo(l0, 5);
      m.dispose();
    });
  }

  it('names unknown layers with a did-you-mean', async () => {
    const m = await loadModel(join(MODELS_DIR, 'tiny-cnn'), { engine: 'wasm' });
    const x = new Float32Array(16 * 16 * 3);
    const e = await m
      .gradient({ x, n: 1, outputGrad: Float32Array.of(1, 0, 0), layer: 'conv3x' })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('SPEC_REFERENCE');
    expect((e as XauditError).hint).toContain("'conv3'");
    const bad = await m.forward(new Float32Array(10), 1).catch((err: unknown) => err);
    expect((bad as XauditError).code).toBe('MODEL_INPUT_MISMATCH');
    m.dispose();
    await expect(m.forward(x, 1)).rejects.toThrow(/disposed/);
  });

  it('serves models on different backends side by side', async () => {
    const file = join(MODELS_DIR, 'tiny-resnet', 'model.json');
    const a = await loadModel(file, { engine: 'wasm' });
    const b = await loadModel(file, { engine: 'cpu' });
    const x = seededUniform(2, 2 * 12 * 12 * 2);
    const og = seededUniform(3, 6, -1, 1);
    const ra = await a.gradient({ x, n: 2, outputGrad: og, layer: 'add_relu' });
    const rb = await b.gradient({ x, n: 2, outputGrad: og, layer: 'add_relu' });
    const ra2 = await a.gradient({ x, n: 2, outputGrad: og, layer: 'add_relu' });
    expectClose(ra.inputGrad, rb.inputGrad, 2, 'wasm vs cpu');
    expect([...ra2.inputGrad]).toEqual([...ra.inputGrad]);
    expect(a.engine).toMatch(/^tfjs-wasm@/);
    expect(b.engine).toMatch(/^tfjs-cpu@/);
    a.dispose();
    b.dispose();
  });

  it('gives outputGrad itself as the gradient of the logits layer', async () => {
    const m = await loadModel(join(MODELS_DIR, 'tiny-cnn'), { engine: 'wasm' });
    const og = Float32Array.of(0.5, -1, 2);
    const r = await m.gradient({
      x: seededUniform(4, 768),
      n: 1,
      outputGrad: og,
      layer: 'probs',
      inputGrad: false,
    });
    expect([...r.layerGrad!]).toEqual([...og]);
    expect(r.layerShape).toEqual([3]);
    m.dispose();
  });
});
