import { checks } from '../checks/registry.js';
import type { JsonSchema, UnitMeta } from '../core/unit.js';
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

/** Bounds `{'>=': v, ...}` on `what`; several must all hold. */
const boundProperties = (what: string): JsonSchema =>
  Object.fromEntries(
    COMPARISONS.map((op) => [
      op,
      {
        type: 'number',
        description: `Bound on ${what}: e.g. \`'>=': 0.6\` holds when it is >= 0.6; several bounds must all hold.`,
      },
    ]),
  );

const bound = (what: string, description: string): JsonSchema => ({
  type: 'object',
  description,
  properties: boundProperties(what),
  additionalProperties: false,
});

const ciBound = (end: 'lower' | 'upper'): JsonSchema => ({
  type: 'object',
  description: `Bounds on the ${end} end of the statistic's seeded percentile-bootstrap interval over the check's samples.`,
  properties: {
    ...boundProperties(`the interval's ${end} end`),
    level: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.95,
      description: 'Confidence level of the two-sided interval; default 0.95.',
    },
    resamples: {
      type: 'integer',
      minimum: 100,
      maximum: 100000,
      default: 1000,
      description: 'Bootstrap resamples; default 1000.',
    },
  },
  additionalProperties: false,
});

export const expectSchema: JsonSchema = {
  type: 'object',
  description:
    "Expectations, `{<statistic>: {<op>: value}}`, all of which must hold. Statistics: mean, median, min, max, quantile, fraction and the check's own (see Checks).",
  minProperties: 1,
  additionalProperties: {
    type: 'object',
    title: 'statistic',
    description: 'Bounds on one statistic of the per-sample scores (or a dataset-level value of the check).',
    properties: {
      ...boundProperties('the statistic'),
      q: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.5,
        description: "quantile's q (numpy's linear quantile of the scores); default 0.5.",
      },
      where: bound(
        'a sample score',
        "fraction's per-sample bound: fraction is the share of scored samples whose score meets it; default none (every sample counts).",
      ),
      ci_lower: ciBound('lower'),
      ci_upper: ciBound('upper'),
      delta_vs_baseline: bound(
        'current minus baseline',
        "Bounds on the statistic minus the baseline's, over the samples both scored; needs a baseline (`baseline:`, --baseline-model or --baseline-report).",
      ),
    },
    additionalProperties: false,
    minProperties: 1,
  },
};

const numberPair = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 };

const oneOrMore = (what: string): JsonSchema => ({
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
  description: `${what}; a list matches any of its values.`,
});

/** The structure of a spec; units' own options are validated against their schemas afterwards. */
export const baseSpecSchema: JsonSchema = {
  type: 'object',
  description: 'An xaudit audit spec. Relative paths in it resolve against the folder of the spec file.',
  properties: {
    version: { const: 1, description: 'Spec format version; must be 1.' },
    name: {
      type: 'string',
      minLength: 1,
      description: 'Name shown in reports; default: the spec path as given on the command line.',
    },
    seed: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        'Seeds every random draw (keyed by seed, unit id and sample id, so batch size and order do not matter), bootstrap intervals included; default 0.',
    },
    model: {
      type: 'object',
      description: 'The audited model and how images become its inputs.',
      properties: {
        path: {
          type: 'string',
          minLength: 1,
          description:
            'Model file: tfjs model.json (layers or graph model; a folder holding model.json also works), Keras .keras / .h5 / .hdf5, or .onnx.',
        },
        classes: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          minItems: 1,
          description:
            "Class names in the order of the model's outputs (two for a single sigmoid unit); this or classes_file is required, and this wins when both are given.",
        },
        classes_file: {
          type: 'string',
          minLength: 1,
          description: 'File of class names: one per line (blank lines skipped), or a JSON array of strings.',
        },
        input: {
          type: 'object',
          description:
            'How images become model inputs: resized, scaled from 0..255 to range, then (v - mean) / std.',
          properties: {
            size: {
              type: 'array',
              items: { type: 'integer', minimum: 1 },
              minItems: 2,
              maxItems: 2,
              description:
                "[height, width] in pixels; must match the model's input; default: the model's input size.",
            },
            channels: {
              enum: [1, 3],
              default: 3,
              description: "Colour channels (1: greyscale); must match the model's input; default 3.",
            },
            range: {
              ...numberPair,
              default: [0, 1],
              description:
                '[min, max] that pixel values 0..255 are scaled to; every magnitude in the spec (baselines, fills, epsilon) is in these units; default [0, 1].',
            },
            mean: {
              type: 'array',
              items: { type: 'number' },
              minItems: 1,
              maxItems: 3,
              description:
                'Subtracted after scaling to range: one value for every channel, or one per channel; default 0.',
            },
            std: {
              type: 'array',
              items: { type: 'number', exclusiveMinimum: 0 },
              minItems: 1,
              maxItems: 3,
              description: 'Divides after mean: one value for every channel, or one per channel; default 1.',
            },
            layout: {
              enum: ['auto', 'nhwc'],
              description:
                'Accepted and ignored: xaudit reads the layout from the model (NHWC for tfjs and Keras, NCHW for ONNX, transposed at import).',
            },
            resize: {
              enum: ['stretch'],
              default: 'stretch',
              description:
                'How images reach size: stretch (bilinear, aspect ratio not kept) is the only one; default stretch.',
            },
          },
          additionalProperties: false,
        },
        engine: {
          enum: ['auto', 'wasm', 'cpu', 'onnxruntime', 'tfjs-node'],
          default: 'auto',
          description:
            'Engine that runs the model: auto = onnxruntime for .onnx files where onnxruntime-node loads, else wasm; tfjs-node (TensorFlow through @tensorflow/tfjs-node, which the user installs) runs only when named, as its results depend on the batch size at float rounding; onnxruntime runs .onnx files only; --engine overrides it; default auto.',
        },
        batch_size: {
          type: 'integer',
          minimum: 1,
          default: 32,
          description: 'Most samples per engine call (results do not depend on it); default 32.',
        },
        memory_mb: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 1048576,
          description:
            "Working memory of one engine call in MiB; engines split larger calls, with the same results (on tfjs-node up to float rounding). XAUDIT_MEMORY_MB (the machine's limit) and --memory-mb override it; default 1024.",
        },
      },
      required: ['path'],
      additionalProperties: false,
    },
    data: {
      type: 'object',
      description: 'Datasets by name (at least one); checks pick one with data:.',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        title: 'dataset',
        description: 'A dataset, named by its key.',
        properties: {
          manifest: {
            type: 'string',
            minLength: 1,
            description:
              'CSV manifest with columns path,label[,box][,mask][,group]; the paths in it are relative to the manifest.',
          },
        },
        required: ['manifest'],
        additionalProperties: false,
      },
    },
    explanations: {
      type: 'object',
      description:
        'Explanation methods with their options, by id, for the checks that score one; default none.',
      additionalProperties: {
        type: 'object',
        title: 'explanation',
        description: "An explanation, named by its key: method plus that method's options (see Methods).",
        properties: { method: { type: 'string', description: 'Method id, e.g. grad-cam (see Methods).' } },
        required: ['method'],
      },
    },
    checks: {
      type: 'array',
      description: 'The checks, run and reported in this order (at least one).',
      minItems: 1,
      items: {
        type: 'object',
        description: "A check: these fields plus the check's own options (see Checks).",
        properties: {
          id: {
            type: 'string',
            pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
            description: 'Unique id of the check in reports and in --only.',
          },
          check: { type: 'string', description: 'Check id, e.g. accuracy (see Checks).' },
          explanation: {
            type: 'string',
            description:
              'Id of an entry of explanations; required by checks that score an explanation, not allowed on the others.',
          },
          data: {
            type: 'string',
            description:
              'Dataset name (a key of data); default: the only dataset, required when there are several.',
          },
          where: {
            type: 'object',
            description:
              'Selects the samples the check scores; every key given must match; default: all samples.',
            properties: {
              label: oneOrMore("Label (one of the model's classes) or labels"),
              group: oneOrMore(
                "Value or values of the manifest's group column (samples without a group never match)",
              ),
            },
            additionalProperties: false,
          },
          expect: expectSchema,
          severity: {
            enum: ['error', 'warn'],
            default: 'error',
            description:
              'error: an unmet expectation fails the check (exit 1); warn: its outcome is warn (exit 0); default error.',
          },
          max_errors: {
            type: 'integer',
            minimum: 0,
            default: 0,
            description:
              'Samples that may fail to be scored (no box, all-zero map, NaN output) before the check errors (exit 2); default 0.',
          },
          target: {
            type: 'string',
            minLength: 1,
            default: 'label',
            description:
              "Class whose pre-softmax logit is explained and scored: label (the sample's label), predicted (the model's top class) or a class name; default label.",
          },
          description: {
            type: 'string',
            description: 'Free text for readers of the spec; xaudit does not use it.',
          },
        },
        required: ['id', 'check', 'expect'],
      },
    },
    baseline: {
      type: 'object',
      description:
        'What the checks are compared with (baseline mode, delta_vs_baseline): exactly one of model and report; --baseline-model and --baseline-report override it; default none.',
      properties: {
        model: {
          type: 'string',
          minLength: 1,
          description:
            'A second model file, scored on the same samples with the same input settings and engine.',
        },
        report: {
          type: 'string',
          minLength: 1,
          description: "A report.json of an earlier whole run of this spec (not one shard's).",
        },
      },
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    },
    report: {
      type: 'object',
      description: 'What reports keep of each check.',
      properties: {
        worst: {
          type: 'integer',
          minimum: 0,
          default: 5,
          description: "Worst-scoring samples listed per check (by the check's score direction); default 5.",
        },
        heatmaps: {
          type: 'integer',
          minimum: 0,
          maximum: 32,
          default: 4,
          description:
            'Heatmap overlays kept per check that scores an explanation, of its worst samples; 0 for none; default 4.',
        },
      },
      additionalProperties: false,
    },
  },
  required: ['version', 'model', 'data', 'checks'],
  additionalProperties: false,
};

/** A unit's option schemas, each with its one-line doc as description (editor hovers). */
function documentedOptions(unit: UnitMeta<unknown>): JsonSchema {
  const docs = unit.optionDocs as Record<string, string>;
  return Object.fromEntries(
    Object.entries((unit.schema.properties as Record<string, JsonSchema> | undefined) ?? {}).map(([k, s]) => [
      k,
      s.description === undefined && docs[k] !== undefined ? { ...s, description: docs[k] } : s,
    ]),
  );
}

/**
 * The whole spec schema with every unit's options, for editors (yaml-language-server)
 * and docs: `xaudit schema > spec.schema.json`.
 */
export function fullSpecSchema(): JsonSchema {
  const base = structuredClone(baseSpecSchema) as { properties: Record<string, JsonSchema> };
  const explanations = base.properties.explanations as { additionalProperties: JsonSchema };
  const { title, description } = explanations.additionalProperties;
  explanations.additionalProperties = {
    title,
    description,
    oneOf: Object.values(methods).map((m) => ({
      type: 'object',
      properties: { method: { const: m.id, description: m.title }, ...documentedOptions(m) },
      required: ['method'],
      additionalProperties: false,
    })),
  };
  const items = (base.properties.checks as { items: JsonSchema }).items as {
    properties: JsonSchema;
    description: string;
  };
  const common = items.properties;
  (base.properties.checks as { items: JsonSchema }).items = {
    description: items.description,
    oneOf: Object.values(checks).map((c) => ({
      type: 'object',
      properties: { ...common, check: { const: c.id, description: c.title }, ...documentedOptions(c) },
      required: ['id', 'check', 'expect'],
      additionalProperties: false,
    })),
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', title: 'xaudit audit spec', ...base };
}
