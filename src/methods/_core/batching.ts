import { XauditError } from '../../core/errors.js';
import type { Model } from '../../models/model.js';
import type { Batch, RunContext } from '../types.js';

/** What chunking needs of a run: the batch size and the cancellation signal (checks pass theirs too). */
export type ChunkContext = Pick<RunContext, 'maxBatch' | 'signal'>;

/** Items per engine call: ctx.maxBatch, at least 1. */
export function chunkSize(ctx: ChunkContext): number {
  return Math.max(1, Math.floor(ctx.maxBatch));
}

/**
 * Calls `fn(start, end)` over [0, total) in chunks of at most ctx.maxBatch,
 * checking for cancellation before each chunk: this is where every method's
 * memory bound and Ctrl-C responsiveness come from.
 */
export async function forChunks(
  total: number,
  ctx: ChunkContext,
  fn: (start: number, end: number) => Promise<void>,
): Promise<void> {
  const size = chunkSize(ctx);
  for (let start = 0; start < total; start += size) {
    ctx.signal?.throwIfAborted();
    await fn(start, Math.min(total, start + size));
  }
  ctx.signal?.throwIfAborted();
}

/**
 * Logits [count, outputs] of inputs produced on demand: `fill(j, dst)` writes
 * input j into dst. Only one chunk of inputs exists at a time.
 */
export async function forwardEach(
  model: Model,
  count: number,
  inputSize: number,
  fill: (j: number, dst: Float32Array) => void,
  ctx: ChunkContext,
): Promise<Float32Array> {
  const k = model.info.outputs;
  const logits = new Float32Array(count * k);
  await forChunks(count, ctx, async (start, end) => {
    const m = end - start;
    const x = new Float32Array(m * inputSize);
    for (let j = 0; j < m; j++) fill(start + j, x.subarray(j * inputSize, (j + 1) * inputSize));
    const out = await model.forward(x, m);
    logits.set(out.logits.subarray(0, m * k), start * k);
  });
  return logits;
}

/**
 * [h, w, c] of the batch, checked against the input transform: methods build
 * their own perturbed inputs from batch.x, so a size mismatch would otherwise
 * read past samples silently instead of failing in the engine.
 */
export function inputShape(batch: Batch, targets: Int32Array, ctx: RunContext): [number, number, number] {
  const [h, w, c] = ctx.input.shape;
  if (batch.x.length !== batch.n * h * w * c) {
    throw new XauditError(
      'MODEL_INPUT_MISMATCH',
      `expected ${batch.n} inputs of ${h}x${w}x${c} (${batch.n * h * w * c} values), got ${batch.x.length} values`,
    );
  }
  if (targets.length !== batch.n) {
    throw new XauditError('INTERNAL', `got ${targets.length} targets for ${batch.n} samples`);
  }
  return [h, w, c];
}
