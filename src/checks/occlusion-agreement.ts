import { firstViolation } from '../audit/validate-options.js';
import { XauditError } from '../core/errors.js';
import type { JsonSchema } from '../core/unit.js';
import { getMethod, methods } from '../methods/registry.js';
import { byBatch } from './_core/batches.js';
import { spearman } from './_core/stats.js';
import type { Check } from './types.js';

export interface OcclusionAgreementOptions {
  /** Options of the reference occlusion run (when no other reference is named). */
  occlusion: Record<string, unknown>;
  /** Any method as the reference: {method: <id>, ...its options}; replaces `occlusion`. null: occlusion. */
  reference: ({ method: string } & Record<string, unknown>) | null;
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
      properties: {
        occlusion: occlusionMethod().schema,
        reference: { oneOf: [{ type: 'null' }, referenceSchema()] },
      },
      additionalProperties: false,
    };
    return schema;
  },
  get defaults() {
    return { occlusion: { ...occlusionMethod().defaults }, reference: null };
  },
  optionDocs: {
    occlusion:
      "Options of the occlusion reference map (window, stride, baseline), as for the 'occlusion' method; used when `reference` is not given.",
    reference:
      "Another method as the reference, compared with the explanation instead of occlusion: {method: <method id>, ...that method's options} (e.g. {method: integrated-gradients, steps: 64}); its options are validated like an explanation's, unset ones take the method's defaults. Default null: occlusion with the `occlusion` options.",
  },
  async evaluate(ctx, opts) {
    const { method, options, unitId } = resolveReference(ctx.checkId, opts);
    return byBatch(ctx, async (part, targets, samples) => {
      const maps = await ctx.maps(part, targets);
      const reference = await ctx.mapsOf(method, options, unitId, part, targets);
      for (let i = 0; i < part.length; i++) {
        const rho = spearman(maps[i].map, reference[i].map);
        samples.push(
          Number.isNaN(rho)
            ? { score: null, error: 'one of the maps is constant, so no rank correlation exists' }
            : { score: rho },
        );
      }
    });
  },
  summarize: () => ({ stats: {} }),
};

/**
 * `reference` per method: its `method` names a registered method and the rest must
 * pass that method's option schema. Written as "method is not X, or the options fit
 * X" (if/then without a `then` key), so a wrong option gets X's own did-you-mean.
 */
function referenceSchema(): JsonSchema {
  const ids = Object.keys(methods);
  return {
    type: 'object',
    properties: { method: { enum: ids } },
    required: ['method'],
    allOf: ids.map((id) => {
      const own = methods[id].schema;
      return {
        anyOf: [
          { not: { properties: { method: { const: id } }, required: ['method'] } },
          { ...own, properties: { ...((own.properties as JsonSchema | undefined) ?? {}), method: {} } },
        ],
      };
    }),
  };
}

function resolveReference(
  checkId: string,
  opts: OcclusionAgreementOptions,
): { method: ReturnType<typeof getMethod>; options: Record<string, unknown>; unitId: string } {
  if (opts.reference === null || opts.reference === undefined) {
    const method = occlusionMethod();
    // The unit id of the occlusion reference is unchanged, so existing specs keep their numbers and caches.
    return { method, options: { ...method.defaults, ...opts.occlusion }, unitId: `${checkId}/occlusion` };
  }
  const { method: id, ...given } = opts.reference;
  // getMethod throws SPEC_REFERENCE with a did-you-mean; run.ts turns both errors into an errored check.
  const method = getMethod(id);
  const options = { ...structuredClone(method.defaults as Record<string, unknown>), ...given };
  const v = firstViolation(method.schema, options);
  if (v !== null) {
    throw new XauditError('SPEC_INVALID', `${v.message} in reference.${v.path.join('.')} (method '${id}')`, {
      hint: v.hint,
    });
  }
  return { method, options, unitId: `${checkId}/reference` };
}
