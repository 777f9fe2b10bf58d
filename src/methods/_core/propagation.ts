/**
 * Shared machinery of the propagation methods: input-side backward quantities
 * under a rule set (guided backprop, deconvnet, LRP) and DeepLIFT against one
 * or more references per sample (deeplift, deep-shap).
 */
import { oneHot, targetLogits } from '../../core/tensor.js';
import type { GradientRequest, Model } from '../../models/model.js';
import type { Attribution, Batch, Method, RunContext } from '../types.js';
import { forChunks, inputShape } from './batching.js';

/** The rule fields of a gradient request. */
export type Rules = Pick<GradientRequest, 'rules' | 'lrp'>;

/**
 * The input-side backward quantity of each sample's target under `rules`, [n, h, w, c], and the
 * target logits (LRP scales its unit-seeded relevance by them).
 */
export async function propagate(
  model: Model,
  batch: Batch,
  targets: Int32Array,
  rules: Rules,
  ctx: RunContext,
): Promise<{ values: Float32Array; target: Float64Array; shape: [number, number, number, number] }> {
  const [h, w, c] = inputShape(batch, targets, ctx);
  const size = h * w * c;
  const k = model.info.outputs;
  const values = new Float32Array(batch.n * size);
  const target = new Float64Array(batch.n);
  await forChunks(batch.n, ctx, async (start, end) => {
    const m = end - start;
    const tgt = targets.subarray(start, end);
    const r = await model.gradient({
      x: batch.x.subarray(start * size, end * size),
      n: m,
      outputGrad: oneHot(tgt, k),
      ...rules,
    });
    values.set(r.inputGrad.subarray(0, m * size), start * size);
    target.set(targetLogits(r.logits.subarray(0, m * k), tgt), start);
  });
  return { values, target, shape: [batch.n, h, w, c] };
}

/** Captum's GuidedBackprop and Deconvolution have no options. */
export type NoOptions = Record<string, never>;

/** A method whose map is the input-side quantity of a modified-relu rule table, as is. */
export function modifiedReluMethod(
  meta: Pick<Method<NoOptions>, 'id' | 'title' | 'summary' | 'references'>,
  rules: 'guided-backprop' | 'deconvnet',
): Method<NoOptions> {
  return {
    ...meta,
    family: 'propagation',
    completeness: false,
    schema: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
    optionDocs: {},
    async attribute(model, batch, targets, _opts, ctx) {
      const { values, shape } = await propagate(model, batch, targets, { rules }, ctx);
      return { values, shape };
    },
  };
}

/**
 * DeepLIFT (rescale) of each sample against `count` references, averaged over them:
 * attribution mean_q (x - b_q) * m_q, outputDelta mean_q F(x) - F(b_q) (Captum's DeepLift for
 * count 1, DeepLiftShap otherwise). `reference(i, q, dst)` writes sample i's q-th reference.
 * Pairs (i, q) are sample-major and each sample's pairs are summed in q order, so results
 * do not depend on maxBatch.
 */
export async function deepLift(
  model: Model,
  batch: Batch,
  targets: Int32Array,
  count: number,
  reference: (i: number, q: number, dst: Float32Array) => void,
  ctx: RunContext,
): Promise<Attribution> {
  const [h, w, c] = inputShape(batch, targets, ctx);
  const size = h * w * c;
  const n = batch.n;
  const k = model.info.outputs;
  const x = batch.x;
  const acc = new Float64Array(n * size);
  const delta = new Float64Array(n);
  await forChunks(n * count, ctx, async (start, end) => {
    const m = end - start;
    const xs = new Float32Array(m * size);
    const refs = new Float32Array(m * size);
    const tgt = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      const i = Math.floor((start + j) / count);
      xs.set(x.subarray(i * size, (i + 1) * size), j * size);
      reference(i, (start + j) % count, refs.subarray(j * size, (j + 1) * size));
      tgt[j] = targets[i];
    }
    const r = await model.gradient({
      x: xs,
      n: m,
      outputGrad: oneHot(tgt, k),
      rules: 'deeplift',
      reference: refs,
    });
    // An engine returns the reference logits with the multipliers; a forward pass otherwise.
    const refLogits = r.referenceLogits ?? (await model.forward(refs, m)).logits;
    const fx = targetLogits(r.logits.subarray(0, m * k), tgt);
    const fb = targetLogits(refLogits.subarray(0, m * k), tgt);
    for (let j = 0; j < m; j++) {
      const i = Math.floor((start + j) / count);
      const o = j * size;
      const a = i * size;
      for (let p = 0; p < size; p++) acc[a + p] += (xs[o + p] - refs[o + p]) * r.inputGrad[o + p];
      delta[i] += fx[j] - fb[j];
    }
  });
  const values = new Float32Array(n * size);
  for (let j = 0; j < values.length; j++) values[j] = acc[j] / count;
  const outputDelta = Float32Array.from(delta, (d) => d / count);
  return { values, shape: [n, h, w, c], outputDelta };
}
