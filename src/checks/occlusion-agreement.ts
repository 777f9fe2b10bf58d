import type { JsonSchema } from '../core/unit.js';
import { chunks } from '../data/dataset.js';
import { getMethod } from '../methods/registry.js';
import { spearman } from './_core/stats.js';
import type { Check, SampleScore } from './types.js';

export interface OcclusionAgreementOptions {
  /** Options of the reference occlusion run. */
  occlusion: Record<string, unknown>;
}

const occlusionMethod = () => getMethod('occlusion');

// Built on first use (the method registry is complete by then) and kept, so ajv compiles it once.
let schema: JsonSchema | undefined;

export const occlusionAgreement: Check<OcclusionAgreementOptions> = {
  id: 'occlusion-agreement',
  title: 'Occlusion agreement',
  summary:
    "Spearman rank correlation between the explanation's map and an occlusion map of the same sample: does the map rank pixels the way removing them changes the output?",
  references: ['Zeiler & Fergus 2014, occlusion sensitivity', 'scipy.stats.spearmanr'],
  category: 'faithfulness',
  scoreDirection: 'higher',
  explanation: 'required',
  needs: {},
  statistics: [],
  score: 'Spearman correlation in [-1, 1] between the two channel-summed maps, over pixels.',
  get schema() {
    schema ??= {
      type: 'object',
      properties: { occlusion: occlusionMethod().schema },
      additionalProperties: false,
    };
    return schema;
  },
  get defaults() {
    return { occlusion: { ...occlusionMethod().defaults } };
  },
  optionDocs: {
    occlusion:
      "Options of the occlusion reference map (window, stride, baseline), as for the 'occlusion' method.",
  },
  async evaluate(ctx, opts) {
    const samples: SampleScore[] = [];
    let done = 0;
    const method = occlusionMethod();
    const options = { ...method.defaults, ...opts.occlusion };
    for (const part of chunks(ctx.samples, ctx.maxBatch)) {
      const targets = ctx.targets.subarray(done, done + part.length);
      const maps = await ctx.maps(part, targets);
      const reference = await ctx.mapsOf(method, options, `${ctx.checkId}/occlusion`, part, targets);
      for (let i = 0; i < part.length; i++) {
        const rho = spearman(maps[i].map, reference[i].map);
        samples.push(
          Number.isNaN(rho)
            ? { score: null, error: 'one of the maps is constant, so no rank correlation exists' }
            : { score: rho },
        );
      }
      done += part.length;
      ctx.progress(done);
    }
    return samples;
  },
  summarize: () => ({ stats: {} }),
};
