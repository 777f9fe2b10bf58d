import type { ForwardResult, Model } from '../../src/models/model.js';

/**
 * A forward-only model from a plain function of one flat input (NHWC,
 * [h*w*c]) to its logits: for perturbation methods, which never ask for gradients.
 */
export function functionModel(
  shape: [number, number, number],
  outputs: number,
  fn: (x: Float32Array) => ArrayLike<number>,
): Model {
  const size = shape[0] * shape[1] * shape[2];
  return {
    info: { format: 'tfjs-layers', inputShape: shape, outputs, finalActivation: 'softmax', layers: [] },
    engine: 'analytic-function',
    async forward(x, n): Promise<ForwardResult> {
      const logits = new Float32Array(n * outputs);
      for (let i = 0; i < n; i++) logits.set(fn(x.subarray(i * size, (i + 1) * size)), i * outputs);
      return { logits, captured: new Map() };
    },
    async gradient() {
      throw new Error('functionModel has no gradient');
    },
    dispose() {},
  };
}
