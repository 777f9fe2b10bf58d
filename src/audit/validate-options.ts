import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { didYouMean } from '../core/suggest.js';
import type { JsonSchema } from '../core/unit.js';

/** A schema violation in words, with the path (relative to the validated value) it is about. */
export interface Violation {
  /** Path segments into the validated value. */
  path: (string | number)[];
  /** True when the violation is about a key (an unknown option), not a value. */
  atKey: boolean;
  message: string;
  hint?: string;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export function compile(schema: JsonSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Validate `value`; return the most useful violation, or null. */
export function firstViolation(schema: JsonSchema, value: unknown): Violation | null {
  const validate = compile(schema);
  if (validate(value)) return null;
  const errors = (validate.errors ?? []).filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
  if (errors.length === 0) return describe((validate.errors ?? [])[0]);
  // Prefer unknown keys and missing fields (most actionable), then the deepest error.
  const rank = (e: ErrorObject) =>
    (e.keyword === 'additionalProperties' ? 0 : e.keyword === 'required' ? 1 : 2) * 1000 -
    e.instancePath.split('/').length;
  errors.sort((a, b) => rank(a) - rank(b));
  return describe(errors[0]);
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject): Violation {
  const path = pathOf(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties as JsonSchema | undefined) ?? {});
      return {
        path: [...path, key],
        atKey: true,
        message: `Unknown option '${key}'`,
        hint: allowed.length > 0 ? didYouMean(key, allowed) : 'This object takes no options.',
      };
    }
    case 'required':
      return { path, atKey: false, message: `Missing required field '${String(params.missingProperty)}'` };
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map(String);
      return {
        path,
        atKey: false,
        message: `${JSON.stringify(e.data)} is not allowed; expected one of ${allowed.join(', ')}`,
        hint: typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined,
      };
    }
    case 'const':
      return {
        path,
        atKey: false,
        message: `Expected ${JSON.stringify(params.allowedValue)}, got ${JSON.stringify(e.data)}`,
      };
    case 'type':
      return {
        path,
        atKey: false,
        message: `Expected ${String(params.type)}, got ${describeValue(e.data)}`,
      };
    default:
      return { path, atKey: false, message: `${describeValue(e.data)} ${e.message ?? 'is invalid'}` };
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 40)})`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
