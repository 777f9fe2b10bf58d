/**
 * Feature masks shared by the perturbation methods that switch whole
 * features on and off (feature-ablation, lime, kernel-shap): a feature is a
 * set of pixels, spanning every channel, that is either kept (the input) or
 * replaced by the baseline. Captum calls this a feature_mask.
 */
import { XauditError } from '../../core/errors.js';
import { targetLogits } from '../../core/tensor.js';
import type { JsonSchema } from '../../core/unit.js';
import type { InputTransform } from '../../data/input.js';
import type { Model } from '../../models/model.js';
import type { Attribution, Batch, RunContext } from '../types.js';
import { type BaselineSpec, baselineInput, baselineSchema } from './baselines.js';
import { forwardEach, inputShape } from './batching.js';
import { slic } from './slic.js';

export type FeatureKind = 'grid' | 'slic';

export interface FeatureOptions {
  features: FeatureKind;
  /** [rows, columns] of the grid. */
  grid: [number, number];
  segments: number;
  compactness: number;
  /** What a switched-off feature takes. */
  baseline: BaselineSpec;
}

export const SLIC_REFERENCE =
  'Achanta et al. 2012, SLIC Superpixels Compared to State-of-the-Art Superpixel Methods (TPAMI 34(11))';

/** Defaults shared by the feature methods (each documents why where they differ from Captum). */
export const featureDefaults = (features: FeatureKind): FeatureOptions => ({
  features,
  grid: [8, 8],
  segments: 50,
  compactness: 10,
  baseline: 'zeros',
});

/** Per-pixel feature ids 0..count-1. */
export interface FeatureMask {
  labels: Int32Array;
  count: number;
}

export const featureSchema: Record<keyof FeatureOptions, JsonSchema> = {
  features: { type: 'string', enum: ['grid', 'slic'] },
  grid: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
  segments: { type: 'integer', minimum: 1 },
  compactness: { type: 'number', exclusiveMinimum: 0 },
  baseline: baselineSchema,
};

/** Docs of the shared options but `baseline`, which each method words for itself. */
export const featureDocs: Record<Exclude<keyof FeatureOptions, 'baseline'>, string> = {
  features:
    "How pixels are grouped into features (Captum's feature_mask): 'grid' cuts the image into grid cells, 'slic' into SLIC superpixels computed per image. Every feature spans all channels. Captum's default (no mask) makes every scalar input its own feature, one forward pass each, which no image audit can afford.",
  grid: "With features: 'grid', the number of cells [rows, columns]; cell edges fall at floor(i * h / rows), so cells differ by at most one pixel.",
  segments:
    "With features: 'slic', the approximate number of superpixels (skimage.segmentation.slic n_segments); the actual count follows from the grid of initial centres and connectivity enforcement.",
  compactness:
    "With features: 'slic', the colour/space balance (skimage slic compactness; 10 is skimage's default for CIELAB): higher gives squarer superpixels.",
};

/** Grid cells: cell (r, q) holds rows [floor(r h / rows), floor((r+1) h / rows)). */
export function gridMask(h: number, w: number, rows: number, cols: number): FeatureMask {
  const gr = Math.min(rows, h);
  const gc = Math.min(cols, w);
  const labels = new Int32Array(h * w);
  for (let y = 0; y < h; y++) {
    const r = Math.floor((y * gr) / h);
    for (let x = 0; x < w; x++) labels[y * w + x] = r * gc + Math.floor((x * gc) / w);
  }
  return { labels, count: gr * gc };
}

/** One image of the batch back in [0, 1] per channel (for SLIC's colour distances). */
function unitPixels(x: Float32Array, t: InputTransform): Float32Array {
  const c = t.shape[2];
  const [lo, hi] = t.range;
  const out = new Float32Array(x.length);
  for (let p = 0; p < x.length; p++) {
    const k = p % c;
    out[p] = (x[p] * t.std[k] + t.mean[k] - lo) / (hi - lo);
  }
  return out;
}

/** A feature mask per sample: the same grid for all, or each image's own superpixels. */
export function featureMasks(batch: Batch, ctx: RunContext, o: FeatureOptions): FeatureMask[] {
  const [h, w, c] = ctx.input.shape;
  const size = h * w * c;
  if (o.features === 'grid') {
    const grid = gridMask(h, w, o.grid[0], o.grid[1]);
    return Array.from({ length: batch.n }, () => grid);
  }
  return Array.from({ length: batch.n }, (_, i) =>
    slic(unitPixels(batch.x.subarray(i * size, (i + 1) * size), ctx.input), h, w, c, {
      segments: o.segments,
      compactness: o.compactness,
    }),
  );
}

/** dst = x where the pixel's feature is kept (keep[f] = 1), else the baseline; all channels alike. */
export function composite(
  x: Float32Array,
  base: Float32Array,
  mask: FeatureMask,
  keep: Uint8Array,
  c: number,
  dst: Float32Array,
): void {
  for (let p = 0; p < mask.labels.length; p++) {
    const src = keep[mask.labels[p]] === 1 ? x : base;
    for (let k = 0; k < c; k++) dst[p * c + k] = src[p * c + k];
  }
}

/** Captum's return_input_shape: every element of a feature carries that feature's value. */
export function spread(perFeature: ArrayLike<number>, mask: FeatureMask, c: number, dst: Float32Array): void {
  for (let p = 0; p < mask.labels.length; p++) dst.fill(perFeature[mask.labels[p]], p * c, (p + 1) * c);
}

/** Coalitions of one sample: `row(r)` is coalition r as 0/1 per feature (1 = keep the input). */
export interface Coalitions {
  rows: number;
  row(r: number): Uint8Array;
}

/** Coalitions held as a [rows, m] row-major 0/1 matrix. */
export const matrixRows = (z: Uint8Array, m: number): Coalitions => ({
  rows: z.length / m,
  row: (r) => z.subarray(r * m, (r + 1) * m),
});

/**
 * Target scores of feature coalitions, one array per sample: each row builds
 * the input from x (kept features) and the baseline; inputs are built chunk
 * by chunk under ctx.maxBatch.
 */
export async function scoreCoalitions(
  model: Model,
  batch: Batch,
  targets: Int32Array,
  masks: FeatureMask[],
  base: Float32Array,
  coalitions: Coalitions[],
  ctx: RunContext,
): Promise<Float64Array[]> {
  const c = ctx.input.shape[2];
  const size = base.length;
  const owner = new Int32Array(coalitions.reduce((a, z) => a + z.rows, 0));
  const first = new Int32Array(batch.n + 1);
  for (let i = 0; i < batch.n; i++) {
    first[i + 1] = first[i] + coalitions[i].rows;
    owner.fill(i, first[i], first[i + 1]);
  }
  const logits = await forwardEach(
    model,
    owner.length,
    size,
    (j, dst) => {
      const i = owner[j];
      const keep = coalitions[i].row(j - first[i]);
      composite(batch.x.subarray(i * size, (i + 1) * size), base, masks[i], keep, c, dst);
    },
    ctx,
  );
  const scores = targetLogits(
    logits,
    Int32Array.from(owner, (i) => targets[i]),
  );
  return Array.from({ length: batch.n }, (_, i) => scores.slice(first[i], first[i + 1]));
}

/** What a feature method does for one sample: which coalitions to score, and how scores become per-feature values. */
export interface FeaturePlan extends Coalitions {
  /** Per-feature attribution from the rows' target scores. */
  values(scores: Float64Array): ArrayLike<number>;
}

/**
 * The frame of every feature method: masks per sample, one plan per sample,
 * all coalitions scored under ctx.maxBatch, each feature's value spread over
 * its elements.
 */
/** Most features lime and kernel-shap fit: a 1024 x 1024 solve takes about a second per sample. */
export const MAX_FIT_FEATURES = 1024;

export async function attributeFeatures(
  model: Model,
  batch: Batch,
  targets: Int32Array,
  opts: FeatureOptions,
  ctx: RunContext,
  plan: (mask: FeatureMask, i: number, x: Float32Array, base: Float32Array) => FeaturePlan,
  /** Surrogate fits solve an M x M system (O(M^3)); past this many features they would stall. */
  maxFeatures = Number.POSITIVE_INFINITY,
): Promise<Attribution> {
  const [h, w, c] = inputShape(batch, targets, ctx);
  const size = h * w * c;
  const masks = featureMasks(batch, ctx, opts);
  const most = Math.max(...masks.map((m) => m.count));
  if (most > maxFeatures) {
    throw new XauditError(
      'SPEC_INVALID',
      `${most} features are more than this method fits (at most ${maxFeatures})`,
      {
        hint: 'Use fewer grid cells or SLIC segments.',
      },
    );
  }
  const base = baselineInput(ctx.input, opts.baseline);
  const plans = masks.map((m, i) => plan(m, i, batch.x.subarray(i * size, (i + 1) * size), base));
  const scores = await scoreCoalitions(model, batch, targets, masks, base, plans, ctx);
  const values = new Float32Array(batch.n * size);
  for (let i = 0; i < batch.n; i++)
    spread(plans[i].values(scores[i]), masks[i], c, values.subarray(i * size, (i + 1) * size));
  return { values, shape: [batch.n, h, w, c] };
}
