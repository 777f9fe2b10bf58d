import { loadModel } from '../../../src/models/load.js';
import type { ModelInfo } from '../../../src/models/model.js';

/**
 * Loads `file` on tfjs-wasm and tfjs-cpu, checks its info with `check`, and returns each engine's
 * logits and input gradient of sum(outputGrad * logits).
 */
export async function logitsAndGradients(
  file: string,
  x: Float32Array,
  n: number,
  outputGrad: Float32Array,
  check: (info: ModelInfo) => void,
): Promise<Record<'wasm' | 'cpu', { logits: Float32Array; grad: Float32Array }>> {
  const out: Partial<Record<'wasm' | 'cpu', { logits: Float32Array; grad: Float32Array }>> = {};
  for (const engine of ['wasm', 'cpu'] as const) {
    const model = await loadModel(file, { engine });
    try {
      check(model.info);
      const fwd = await model.forward(x, n);
      const grad = await model.gradient({ x, n, outputGrad });
      out[engine] = { logits: fwd.logits, grad: grad.inputGrad };
    } finally {
      model.dispose();
    }
  }
  return out as Record<'wasm' | 'cpu', { logits: Float32Array; grad: Float32Array }>;
}
