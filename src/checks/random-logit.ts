import { XauditError } from '../core/errors.js';
import { rngFor } from '../core/rng.js';
import { byBatch } from './_core/batches.js';
import {
  mapProblem,
  mapSimilarity,
  prepareMap,
  requireSsimSize,
  SIMILARITY_SCHEMA,
  type SimilarityMeasure,
  similarityProblem,
} from './_core/map-similarity.js';
import { allZero } from './_core/stats.js';
import type { Check } from './types.js';

export interface RandomLogitOptions {
  similarity: SimilarityMeasure;
  abs: boolean;
}

export const randomLogit: Check<RandomLogitOptions> = {
  id: 'random-logit',
  title: 'Random logit',
  summary:
    "Sixt et al.'s class-sensitivity test (Quantus RandomLogit): similarity between the map for the target class and the map for a randomly drawn other class. A method whose map does not change with the class explains the input, not the decision.",
  references: [
    'Sixt, Granz & Landgraf 2020, When Explanations Lie: Why Many Modified BP Attributions Fail (ICML)',
    'Quantus: quantus.RandomLogit',
  ],
  category: 'sanity',
  scoreDirection: 'lower',
  explanation: 'required',
  needs: {},
  statistics: [],
  score:
    "Similarity (SSIM or Spearman) between the target's map and a random other class's map; 1 = the same map; lower is better. details name the drawn class and hold both measures.",
  schema: {
    type: 'object',
    properties: { similarity: SIMILARITY_SCHEMA, abs: { type: 'boolean' } },
    additionalProperties: false,
  },
  defaults: { similarity: 'ssim', abs: false },
  optionDocs: {
    similarity:
      "ssim (default, Quantus' similarity_func.ssim: skimage structural_similarity, window 7, data_range = max - min over both maps, here on the [h, w] map where Quantus flattens it) or spearman.",
    abs: 'Compare |a| or the signed maps (default, Quantus RandomLogit abs=False). Each map is first divided by its own max |a| (Quantus normalise=True divides by the batch max).',
  },
  async evaluate(ctx, opts) {
    const explanation = ctx.explanation;
    if (explanation === null) throw new XauditError('INTERNAL', `check '${ctx.checkId}' has no explanation`);
    const k = ctx.model.info.outputs;
    if (k < 2) {
      throw new XauditError(
        'SPEC_INVALID',
        `random-logit needs a model with at least 2 outputs to draw another class from; this one has ${k}`,
      );
    }
    const [h, w] = ctx.input.shape;
    requireSsimSize(opts.similarity, h, w);
    return byBatch(ctx, async (part, targets, samples) => {
      // Uniform over the other classes, drawn per sample (Quantus: np.random.randint over k - 1).
      const others = Int32Array.from(part, (s, i) => {
        const r = rngFor(ctx.seed, ctx.checkId, s.id).int(k - 1);
        return r >= targets[i] ? r + 1 : r;
      });
      const maps = await ctx.maps(part, targets);
      // The explanation's own unit id: a sampling method draws the same noise for both classes.
      const off = await ctx.mapsOf(explanation.method, explanation.options, explanation.id, part, others);
      for (let i = 0; i < part.length; i++) {
        const problem =
          mapProblem(maps[i].map, h * w, 'for the target') ??
          mapProblem(off[i].map, h * w, 'for the other class');
        if (problem !== null) {
          samples.push({ score: null, error: problem });
          continue;
        }
        if (allZero(maps[i].map)) {
          samples.push({ score: null, error: 'the map for the target is all zero' });
          continue;
        }
        const sim = mapSimilarity(prepareMap(maps[i].map, opts.abs), prepareMap(off[i].map, opts.abs), h, w);
        const why = similarityProblem(opts.similarity, sim, h, w);
        const other = ctx.classes[others[i]] ?? String(others[i]);
        samples.push(
          why !== null
            ? { score: null, error: `${why} (other class ${other})` }
            : {
                score: sim[opts.similarity],
                details: { other_class: other, spearman: sim.spearman, ssim: sim.ssim },
              },
        );
      }
    });
  },
  summarize: () => ({ stats: {} }),
};
