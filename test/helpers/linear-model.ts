import type { ForwardResult, GradientRequest, GradientResult, Model } from '../../src/models/model.js';

/**
 * logits[k] = sum_p W[k][p] * x[p] + b[k] over an [h, w, c] input: every
 * gradient is known in closed form. `nanFor` makes the output NaN for inputs
 * whose first value equals it (to test NaN handling).
 */
export function linearModel(
  shape: [number, number, number],
  weights: Float32Array[],
  bias: number[] = weights.map(() => 0),
  nanFor?: number,
): Model {
  const size = shape[0] * shape[1] * shape[2];
  const k = weights.length;
  const logitsOf = (x: Float32Array, n: number) => {
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const xi = x.subarray(i * size, (i + 1) * size);
      for (let j = 0; j < k; j++) {
        let s = bias[j];
        for (let p = 0; p < size; p++) s += weights[j][p] * xi[p];
        out[i * k + j] = nanFor !== undefined && Math.abs(xi[0] - nanFor) < 1e-6 ? Number.NaN : s;
      }
    }
    return out;
  };
  return {
    info: { format: 'tfjs-layers', inputShape: shape, outputs: k, finalActivation: 'softmax', layers: [] },
    engine: 'analytic',
    async forward(x: Float32Array, n: number): Promise<ForwardResult> {
      return { logits: logitsOf(x, n), captured: new Map() };
    },
    async gradient(req: GradientRequest): Promise<GradientResult> {
      const g = new Float32Array(req.n * size);
      for (let i = 0; i < req.n; i++) {
        for (let j = 0; j < k; j++) {
          const s = req.outputGrad[i * k + j];
          if (s === 0) continue;
          for (let p = 0; p < size; p++) g[i * size + p] += s * weights[j][p];
        }
      }
      return { logits: logitsOf(req.x, req.n), inputGrad: g };
    },
    dispose() {},
  };
}
