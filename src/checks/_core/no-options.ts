import type { JsonSchema } from '../../core/unit.js';

export type NoOptions = Record<string, never>;

/** Schema, defaults and docs of a check that takes no options of its own. */
export const noOptions: { schema: JsonSchema; defaults: NoOptions; optionDocs: Record<string, never> } = {
  schema: { type: 'object', properties: {}, additionalProperties: false },
  defaults: {},
  optionDocs: {},
};
