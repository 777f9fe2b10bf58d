import { XauditError } from '../core/errors.js';
import { chunks } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import {
  type MapSimilarity,
  mapProblem,
  mapSimilarity,
  prepareMap,
  requireSsimSize,
  SIMILARITY_SCHEMA,
  type SimilarityMeasure,
  similarityProblem,
} from './_core/map-similarity.js';
import { allZero } from './_core/stats.js';
import type { Check, CheckContext, SampleScore } from './types.js';

export interface ModelParameterRandomisationOptions {
  mode: 'cascading' | 'independent';
  /** 'all' or how many parametric layers, counted from the output. */
  layers: 'all' | number;
  similarity: SimilarityMeasure;
  abs: boolean;
}

/** Prefix of the per-layer similarities in a sample's details; summarize reads them back. */
const LAYER = 'layer:';

export const modelParameterRandomisation: Check<ModelParameterRandomisationOptions> = {
  id: 'model-parameter-randomisation',
  title: 'Model parameter randomisation',
  summary:
    "Adebayo et al.'s sanity check (Quantus MPRT): re-initialise the model's layers from the output down and compare each sample's map with the original model's. A map that stays the same does not depend on what the model learned.",
  references: [
    'Adebayo et al. 2018, Sanity Checks for Saliency Maps (NeurIPS)',
    'Quantus: quantus.MPRT',
    'PyTorch nn.Module.reset_parameters (the re-initialisation)',
  ],
  category: 'sanity',
  scoreDirection: 'lower',
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Similarity (Spearman or SSIM) between the map on the original model and on the randomised one: cascading, after the last step (every selected layer randomised, Quantus return_last_correlation); independent, the mean over the layers (Quantus return_average_correlation). 1 = unchanged; lower is better. details hold spearman and ssim of that step and each layer's similarity (layer:<name>); the breakdown mean_similarity_by_layer averages them over the samples.",
  schema: {
    type: 'object',
    properties: {
      mode: { enum: ['cascading', 'independent'] },
      layers: { anyOf: [{ const: 'all' }, { type: 'integer', minimum: 1 }] },
      similarity: SIMILARITY_SCHEMA,
      abs: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  defaults: { mode: 'cascading', layers: 'all', similarity: 'spearman', abs: true },
  optionDocs: {
    mode: "cascading: layer k's step randomises the top k layers together (Quantus layer_order='top_down'); independent: each layer alone, the rest as trained (layer_order='independent'). Default cascading.",
    layers:
      "'all' or n: the n parametric layers (conv, dense, batchnorm) nearest the output. Quantus always takes all.",
    similarity:
      "spearman (default, Quantus' correlation_spearman) or ssim (skimage structural_similarity on the [h, w] map, window 7, data_range = max - min over both maps; Quantus flattens the maps first).",
    abs: "Compare |a| (Quantus MPRT abs=True, the default) or the signed maps. Each map is first divided by its own max |a| (Quantus normalise=True divides by the batch's max).",
  },
  async evaluate(ctx, opts) {
    const explanation = ctx.explanation;
    const model = ctx.model;
    if (explanation === null) throw new XauditError('INTERNAL', `check '${ctx.checkId}' has no explanation`);
    const all = model.parametricLayers;
    if (model.randomised === undefined || all === undefined) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `the model (engine ${model.engine}) cannot be randomised: it does not expose its parametric layers`,
      );
    }
    if (all.length === 0)
      throw new XauditError('MODEL_UNSUPPORTED', 'the model has no layers with parameters to randomise');
    if (opts.layers !== 'all' && opts.layers > all.length) {
      throw new XauditError(
        'SPEC_INVALID',
        `layers: ${opts.layers}, but the model has ${all.length} layers with parameters (${all.join(', ')})`,
      );
    }
    const layers = opts.layers === 'all' ? [...all] : all.slice(0, opts.layers);
    const [h, w] = ctx.input.shape;
    requireSsimSize(opts.similarity, h, w);
    const n = ctx.samples.length;

    const original: (Float32Array | string)[] = [];
    let done = 0;
    for (const part of chunks(ctx.samples, ctx.maxBatch)) {
      for (const m of await ctx.maps(part, ctx.targets.subarray(done, done + part.length))) {
        const problem = mapProblem(m.map, h * w, 'on the original model');
        original.push(
          problem ??
            (allZero(m.map) ? 'the map on the original model is all zero' : prepareMap(m.map, opts.abs)),
        );
      }
      done += part.length;
    }

    // steps[k][i]: sample i's similarity after step k, or why it has none.
    const steps: (MapSimilarity | string)[][] = [];
    for (const [k, layer] of layers.entries()) {
      const named = opts.mode === 'cascading' ? layers.slice(0, k + 1) : [layer];
      const randomised = await model.randomised(named, ctx.seed);
      try {
        steps.push(await similarities(ctx, randomised, original, opts.abs, h, w, layer));
      } finally {
        randomised.dispose();
      }
      ctx.progress(Math.floor(((k + 1) * n) / layers.length));
    }

    return original.map((orig, i): SampleScore => {
      if (typeof orig === 'string') return { score: null, error: orig };
      const details: Record<string, number | null> = {};
      const scores: number[] = [];
      for (const [k, layer] of layers.entries()) {
        const s = steps[k][i];
        if (typeof s === 'string') return { score: null, error: s };
        const problem = similarityProblem(opts.similarity, s, h, w);
        if (problem !== null) return { score: null, error: `after randomising ${layer}: ${problem}` };
        details[LAYER + layer] = s[opts.similarity];
        scores.push(s[opts.similarity]!);
      }
      const last = steps[layers.length - 1][i] as MapSimilarity;
      const score =
        opts.mode === 'cascading'
          ? scores[scores.length - 1]
          : scores.reduce((a, b) => a + b, 0) / scores.length;
      return { score, details: { spearman: last.spearman, ssim: last.ssim, ...details } };
    });
  },
  summarize(samples) {
    const sums = new Map<string, { sum: number; n: number }>();
    for (const s of samples) {
      if (s.score === null || s.error !== undefined) continue;
      for (const [key, v] of Object.entries(s.details ?? {})) {
        if (!key.startsWith(LAYER) || typeof v !== 'number') continue;
        const acc = sums.get(key.slice(LAYER.length)) ?? { sum: 0, n: 0 };
        acc.sum += v;
        acc.n++;
        sums.set(key.slice(LAYER.length), acc);
      }
    }
    const byLayer: Record<string, number | null> = {};
    for (const [layer, { sum, n }] of sums) byLayer[layer] = n > 0 ? sum / n : null;
    return { stats: {}, breakdown: { mean_similarity_by_layer: byLayer } };
  },
};

/** Each sample's similarity between its original map and its map on `model`. */
async function similarities(
  ctx: CheckContext,
  model: Model,
  original: readonly (Float32Array | string)[],
  abs: boolean,
  h: number,
  w: number,
  layer: string,
): Promise<(MapSimilarity | string)[]> {
  const explanation = ctx.explanation!;
  const out: (MapSimilarity | string)[] = [];
  let done = 0;
  for (const part of chunks(ctx.samples, ctx.maxBatch)) {
    // The explanation's own unit id: sampling methods draw the same noise on both models.
    const maps = await ctx.mapsOf(
      explanation.method,
      explanation.options,
      explanation.id,
      part,
      ctx.targets.subarray(done, done + part.length),
      model,
    );
    for (const [j, m] of maps.entries()) {
      const orig = original[done + j];
      if (typeof orig === 'string') {
        out.push(orig);
        continue;
      }
      const problem = mapProblem(m.map, h * w, `after randomising ${layer}`);
      out.push(problem ?? mapSimilarity(orig, prepareMap(m.map, abs), h, w));
    }
    done += part.length;
  }
  return out;
}
