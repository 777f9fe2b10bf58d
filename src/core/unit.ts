/** What every registered unit (method, check, reporter) publishes about itself, as data. */

/** A JSON Schema object (draft 2020-12 subset understood by ajv). */
export type JsonSchema = { [key: string]: unknown };

export interface UnitMeta<O> {
  /** Registry id; equals the file name. */
  id: string;
  title: string;
  summary: string;
  /** Papers and reference implementations whose semantics the unit follows. */
  references: string[];
  /** JSON Schema of the options object (properties, types, ranges); additionalProperties is false. */
  schema: JsonSchema;
  /** Every option's default; must validate against `schema`. */
  defaults: O;
  /** Per option: one sentence for the docs, with its Captum/Quantus equivalent where there is one. */
  optionDocs: Record<keyof O & string, string>;
}
