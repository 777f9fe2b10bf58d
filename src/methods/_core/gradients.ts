import { oneHot } from '../../core/tensor.js';
import type { Model } from '../../models/model.js';
import type { RunContext } from '../types.js';
import { forChunks } from './batching.js';

/**
 * Input gradients of a target logit at `count` points built on demand, at
 * most ctx.maxBatch per engine call: `fill(j, dst)` writes point j and returns
 * its target; `use(j, grad)` receives its gradient. Points are used in order j,
 * so per-sample sums do not depend on how the points were chunked.
 */
export async function gradientsAt(
  model: Model,
  count: number,
  size: number,
  fill: (j: number, dst: Float32Array) => number,
  use: (j: number, grad: Float32Array) => void,
  ctx: RunContext,
): Promise<void> {
  await forChunks(count, ctx, async (start, end) => {
    const m = end - start;
    const pts = new Float32Array(m * size);
    const tgt = new Int32Array(m);
    for (let j = 0; j < m; j++) tgt[j] = fill(start + j, pts.subarray(j * size, (j + 1) * size));
    const { inputGrad } = await model.gradient({ x: pts, n: m, outputGrad: oneHot(tgt, model.info.outputs) });
    for (let j = 0; j < m; j++) use(start + j, inputGrad.subarray(j * size, (j + 1) * size));
  });
}

/** The plain input gradient of each sample's target: [n * size]. */
export async function inputGradients(
  model: Model,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  ctx: RunContext,
): Promise<Float32Array> {
  const size = x.length / n;
  const out = new Float32Array(n * size);
  await gradientsAt(
    model,
    n,
    size,
    (j, dst) => {
      dst.set(x.subarray(j * size, (j + 1) * size));
      return targets[j];
    },
    (j, g) => out.set(g, j * size),
    ctx,
  );
  return out;
}
