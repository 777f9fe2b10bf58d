import { chunks } from '../../data/dataset.js';
import type { Sample } from '../../data/manifest.js';
import type { CheckContext, SampleScore } from '../types.js';
import { predictions } from './stats.js';

/**
 * evaluate()'s loop over the selected samples in batches of ctx.maxBatch: `each` appends one
 * result per sample of `part` to `samples`; progress is reported after every batch.
 */
export async function byBatch(
  ctx: CheckContext,
  each: (part: readonly Sample[], targets: Int32Array, samples: SampleScore[]) => Promise<void>,
): Promise<SampleScore[]> {
  const samples: SampleScore[] = [];
  let done = 0;
  for (const part of chunks(ctx.samples, ctx.maxBatch)) {
    await each(part, ctx.targets.subarray(done, done + part.length), samples);
    done += part.length;
    ctx.progress(done);
  }
  return samples;
}

/** The predicted class of every selected sample, from the cached logits. */
export async function predictAll(ctx: CheckContext): Promise<Int32Array> {
  const pred = new Int32Array(ctx.samples.length);
  let done = 0;
  for (const part of chunks(ctx.samples, ctx.maxBatch)) {
    pred.set(predictions(await ctx.logits(part), part.length), done);
    done += part.length;
    ctx.progress(done);
  }
  return pred;
}
