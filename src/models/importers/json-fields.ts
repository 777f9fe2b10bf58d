/** Narrowing helpers for untyped model JSON; every failure is a MODEL_FORMAT error naming the field. */

import { XauditError } from '../../core/errors.js';

export type Json = Record<string, unknown>;

export function formatError(file: string, what: string): XauditError {
  return new XauditError('MODEL_FORMAT', `${file}: ${what}`, { location: { file } });
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: unknown, file: string, what: string): Json {
  if (!isObject(v)) throw formatError(file, `${what} is not an object`);
  return v;
}

export function asArray(v: unknown, file: string, what: string): unknown[] {
  if (!Array.isArray(v)) throw formatError(file, `${what} is not a list`);
  return v;
}

export function asString(v: unknown, file: string, what: string): string {
  if (typeof v !== 'string') throw formatError(file, `${what} is not a string`);
  return v;
}

export function asNumber(v: unknown, file: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw formatError(file, `${what} is not a number`);
  return v;
}

/** A Keras "int or tuple of ints" field as a pair. */
export function asPair(v: unknown, file: string, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  const a = asArray(v, file, what);
  if (a.length === 1) {
    const x = asNumber(a[0], file, what);
    return [x, x];
  }
  if (a.length !== 2) throw formatError(file, `${what} must have 2 entries`);
  return [asNumber(a[0], file, what), asNumber(a[1], file, what)];
}

/** A shape with a leading batch dimension (null) dropped. */
export function asBatchShape(v: unknown, file: string, what: string): number[] {
  const a = asArray(v, file, what);
  return a.slice(1).map((d, i) => {
    if (typeof d !== 'number')
      throw formatError(file, `${what}[${i + 1}] must be a fixed size, got ${String(d)}`);
    return d;
  });
}
