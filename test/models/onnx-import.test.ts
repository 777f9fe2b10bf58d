/**
 * The ONNX importer against PyTorch: fixtures/onnx/cnn (made by fixtures/train/export_onnx.py)
 * imported into the IR and run on tfjs-wasm reproduces PyTorch's logits within 1e-4; broken and
 * unsupported files fail with MODEL_FORMAT / MODEL_UNSUPPORTED naming what is wrong.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { loadModel } from '../../src/models/load.js';
import { expectClose } from './helpers/close.js';
import { ONNX_CNN, onnxReference } from './helpers/onnx.js';

describe('ONNX importer (fixtures/onnx/cnn)', () => {
  it('builds an NHWC IR with BatchNorm folded, explicit pads, a CHW flatten and the softmax split off', async () => {
    const { graph, info } = await importOnnx(ONNX_CNN);
    expect(info.format).toBe('onnx');
    expect(info.inputShape).toEqual([32, 32, 3]);
    expect(info.outputs).toBe(10);
    expect(info.finalActivation).toBe('softmax');
    const ops = graph.nodes.map((n) => n.op);
    // Two conv+BN pairs fold; the BN after the residual Add stays.
    expect(ops.filter((o) => o === 'batchnorm')).toHaveLength(1);
    expect(ops).toContain('pad');
    expect(ops).toContain('transpose');
    expect(ops).toContain('concat');
    expect(ops).not.toContain('softmax');
    const names = info.layers.map((l) => l.name);
    // Named after activation: the relu's output, not the folded conv's.
    expect(names).toContain('/Relu_output_0');
    expect(names).not.toContain('/stem_bn/BatchNormalization_output_0');
    expect(names[names.length - 1]).toBe('/fc/Gemm_output_0');
    expect(info.layers.filter((l) => l.spatial).at(-1)?.name).toBe('/avg/AveragePool_output_0');
  });

  it('reproduces the PyTorch logits within 1e-4 on tfjs-wasm', async () => {
    const ref = onnxReference();
    const model = await loadModel(ONNX_CNN, { engine: 'wasm' });
    try {
      expect(model.engine).toMatch(/^tfjs-wasm@/);
      const { logits } = await model.forward(ref.x, ref.n);
      expectClose(logits, ref.logits, ref.n, 'logits vs PyTorch');
    } finally {
      model.dispose();
    }
  });

  it('refuses an unsupported op, naming the op, the node and the supported ops', async () => {
    const e = await importOnnx('fixtures/onnx/unsupported.onnx').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('MODEL_UNSUPPORTED');
    expect((e as XauditError).message).toMatch(
      /node '\/Erf' \(Erf\): op is not supported; supported ops: .*Conv.*Gemm/,
    );
  });

  it('refuses a truncated file with MODEL_FORMAT', async () => {
    const bytes = readFileSync(ONNX_CNN);
    const file = join(tmpdir(), `xaudit-truncated-${process.pid}.onnx`);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const e = await loadModel(file).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('MODEL_FORMAT');
    expect((e as XauditError).message).toMatch(/not a valid ONNX model \(truncated or corrupt\)/);
  });
});
