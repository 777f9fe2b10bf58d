/**
 * Without onnxruntime-node (an optional dependency users may skip): `engine: onnxruntime` fails
 * clearly, `auto` falls back to tfjs-wasm and still reproduces PyTorch's logits.
 */

import { describe, expect, it, vi } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { loadModel } from '../../src/models/load.js';
import { expectClose } from './helpers/close.js';
import { ONNX_CNN, onnxReference } from './helpers/onnx.js';

vi.mock('onnxruntime-node', () => {
  throw new Error("Cannot find package 'onnxruntime-node'");
});

describe('ONNX models without onnxruntime-node', () => {
  it('engine onnxruntime names the missing package and the alternatives', async () => {
    const e = await loadModel(ONNX_CNN, { engine: 'onnxruntime' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('MODEL_UNSUPPORTED');
    expect((e as XauditError).message).toMatch(
      /optional package onnxruntime-node.*npm install onnxruntime-node.*auto, wasm or cpu/,
    );
  });

  it('auto runs on tfjs-wasm with the same logits', async () => {
    const model = await loadModel(ONNX_CNN);
    try {
      expect(model.engine).toMatch(/^tfjs-wasm@/);
      const ref = onnxReference();
      expectClose((await model.forward(ref.x, ref.n)).logits, ref.logits, ref.n, 'logits vs PyTorch');
    } finally {
      model.dispose();
    }
  });
});
