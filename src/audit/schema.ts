import { checks } from '../checks/registry.js';
import type { JsonSchema } from '../core/unit.js';
import { methods } from '../methods/registry.js';
import { COMPARISONS } from './expect.js';

/** Keys every check entry may have besides its own options. */
export const CHECK_COMMON_KEYS = [
  'id',
  'check',
  'explanation',
  'data',
  'where',
  'expect',
  'severity',
  'max_errors',
  'target',
  'description',
] as const;

const bound: JsonSchema = {
  type: 'object',
  properties: Object.fromEntries(COMPARISONS.map((op) => [op, { type: 'number' }])),
  additionalProperties: false,
};

const ciBound: JsonSchema = {
  type: 'object',
  properties: {
    ...(bound.properties as JsonSchema),
    level: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    resamples: { type: 'integer', minimum: 100, maximum: 100000 },
  },
  additionalProperties: false,
};

export const expectSchema: JsonSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: {
    type: 'object',
    properties: {
      ...(bound.properties as JsonSchema),
      q: { type: 'number', minimum: 0, maximum: 1 },
      where: bound,
      ci_lower: ciBound,
      ci_upper: ciBound,
      delta_vs_baseline: bound,
    },
    additionalProperties: false,
    minProperties: 1,
  },
};

const numberPair = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 };

/** The structure of a spec; units' own options are validated against their schemas afterwards. */
export const baseSpecSchema: JsonSchema = {
  type: 'object',
  properties: {
    version: { const: 1 },
    name: { type: 'string', minLength: 1 },
    seed: { type: 'integer', minimum: 0 },
    model: {
      type: 'object',
      properties: {
        path: { type: 'string', minLength: 1 },
        classes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
        classes_file: { type: 'string', minLength: 1 },
        input: {
          type: 'object',
          properties: {
            size: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
            channels: { enum: [1, 3] },
            range: numberPair,
            mean: { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 3 },
            std: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, maxItems: 3 },
            layout: { enum: ['auto', 'nhwc'] },
            resize: { enum: ['stretch'] },
          },
          additionalProperties: false,
        },
        engine: { enum: ['auto', 'wasm', 'cpu', 'onnxruntime', 'tfjs-node'] },
        batch_size: { type: 'integer', minimum: 1 },
      },
      required: ['path'],
      additionalProperties: false,
    },
    data: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        properties: { manifest: { type: 'string', minLength: 1 } },
        required: ['manifest'],
        additionalProperties: false,
      },
    },
    explanations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { method: { type: 'string' } },
        required: ['method'],
      },
    },
    checks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' },
          check: { type: 'string' },
          explanation: { type: 'string' },
          data: { type: 'string' },
          where: {
            type: 'object',
            properties: {
              label: {
                anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
              },
              group: {
                anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
              },
            },
            additionalProperties: false,
          },
          expect: expectSchema,
          severity: { enum: ['error', 'warn'] },
          max_errors: { type: 'integer', minimum: 0 },
          target: { type: 'string', minLength: 1 },
          description: { type: 'string' },
        },
        required: ['id', 'check', 'expect'],
      },
    },
    baseline: {
      type: 'object',
      properties: {
        model: { type: 'string', minLength: 1 },
        report: { type: 'string', minLength: 1 },
      },
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    },
    report: {
      type: 'object',
      properties: {
        worst: { type: 'integer', minimum: 0 },
        heatmaps: { type: 'integer', minimum: 0, maximum: 32 },
      },
      additionalProperties: false,
    },
  },
  required: ['version', 'model', 'data', 'checks'],
  additionalProperties: false,
};

/**
 * The whole spec schema with every unit's options, for editors (yaml-language-server)
 * and docs: `xaudit schema > spec.schema.json`.
 */
export function fullSpecSchema(): JsonSchema {
  const base = structuredClone(baseSpecSchema) as { properties: Record<string, JsonSchema> };
  const explanations = base.properties.explanations as { additionalProperties: JsonSchema };
  explanations.additionalProperties = {
    oneOf: Object.values(methods).map((m) => ({
      type: 'object',
      properties: { method: { const: m.id }, ...((m.schema.properties as JsonSchema) ?? {}) },
      required: ['method'],
      additionalProperties: false,
    })),
  };
  const items = (base.properties.checks as { items: JsonSchema }).items as { properties: JsonSchema };
  const common = items.properties;
  (base.properties.checks as { items: JsonSchema }).items = {
    oneOf: Object.values(checks).map((c) => ({
      type: 'object',
      properties: { ...common, check: { const: c.id }, ...((c.schema.properties as JsonSchema) ?? {}) },
      required: ['id', 'check', 'expect'],
      additionalProperties: false,
    })),
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', title: 'xaudit audit spec', ...base };
}
