import type { GradientRequest, GradientResult, Model } from '../../src/models/model.js';

/**
 * A probe whose "gradient" is its input: a gradient method's per-point
 * gradients then reveal exactly which points it evaluated (noise, baselines,
 * path positions). One output; forward returns the input's sum.
 */
export function echoModel(shape: [number, number, number]): Model {
  const size = shape[0] * shape[1] * shape[2];
  const sums = (x: Float32Array, n: number) =>
    Float32Array.from({ length: n }, (_, i) =>
      x.subarray(i * size, (i + 1) * size).reduce((s, v) => s + v, 0),
    );
  return {
    info: { format: 'tfjs-layers', inputShape: shape, outputs: 1, finalActivation: 'sigmoid', layers: [] },
    engine: 'analytic-echo',
    async forward(x, n) {
      return { logits: sums(x, n), captured: new Map() };
    },
    async gradient(req: GradientRequest): Promise<GradientResult> {
      return { logits: sums(req.x, req.n), inputGrad: req.x.slice() };
    },
    dispose() {},
  };
}
