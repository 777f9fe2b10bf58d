/** Reads a tfjs weightsManifest: groups of binary shards, concatenated per group, float32 only. */

import { dirname, join } from 'node:path';
import { XauditError } from '../../core/errors.js';
import { asArray, asNumber, asObject, asString, formatError } from './json-fields.js';
import { readModelFile } from './model-files.js';

export interface NamedWeight {
  /** Normalised name, e.g. `conv1/kernel` (the last two path segments, `:0` dropped). */
  key: string;
  /** As written in the manifest. */
  name: string;
  shape: number[];
  data: Float32Array;
}

/** `model/conv1/kernel:0` -> `conv1/kernel`. */
export function weightKey(name: string): string {
  const parts = name.replace(/:\d+$/, '').split('/');
  return parts.slice(-2).join('/');
}

/** One weight of a weightsManifest, as the manifest names it. */
export interface ManifestWeight {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * Every weight of a weightsManifest, in manifest order: each group's shards concatenated, then
 * sliced (copied, so that each weight is aligned and independent of the shard buffer). float32,
 * and int32 where `int32` is set (graph models carry shapes and axes that way).
 */
export async function readManifest(
  manifest: unknown,
  modelJson: string,
  int32 = false,
): Promise<ManifestWeight[]> {
  const dir = dirname(modelJson);
  const out: ManifestWeight[] = [];
  const groups = asArray(manifest ?? [], modelJson, 'weightsManifest');
  for (const [g, groupRaw] of groups.entries()) {
    const group = asObject(groupRaw, modelJson, `weightsManifest[${g}]`);
    const paths = asArray(group.paths, modelJson, `weightsManifest[${g}].paths`).map((p, i) =>
      asString(p, modelJson, `weightsManifest[${g}].paths[${i}]`),
    );
    const specs = asArray(group.weights, modelJson, `weightsManifest[${g}].weights`).map((w, i) =>
      parseSpec(w, modelJson, `weightsManifest[${g}].weights[${i}]`, int32),
    );
    const expected = specs.reduce((s, w) => s + w.size * 4, 0);
    const bytes = await readShards(paths.map((p) => join(dir, p)));
    if (bytes.length < expected) {
      throw new XauditError(
        'MODEL_FORMAT',
        `${modelJson}: weight shards ${paths.join(', ')} hold ${bytes.length} bytes but the manifest needs ${expected} bytes (truncated or wrong file)`,
        { location: { file: join(dir, paths[paths.length - 1] ?? '') } },
      );
    }
    let offset = 0;
    for (const s of specs) {
      const data = s.dtype === 'int32' ? new Int32Array(s.size) : new Float32Array(s.size);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + s.size * 4));
      offset += s.size * 4;
      out.push({ name: s.name, shape: s.shape, data });
    }
  }
  return out;
}

/** A layers model's weights (float32 only), keyed by weightKey. */
export async function readWeights(manifest: unknown, modelJson: string): Promise<Map<string, NamedWeight>> {
  const out = new Map<string, NamedWeight>();
  for (const w of await readManifest(manifest, modelJson)) {
    const key = weightKey(w.name);
    if (out.has(key))
      throw formatError(modelJson, `two weights map to '${key}' (${out.get(key)?.name}, ${w.name})`);
    out.set(key, { key, name: w.name, shape: w.shape, data: w.data as Float32Array });
  }
  return out;
}

interface Spec {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  size: number;
}

function parseSpec(raw: unknown, file: string, what: string, int32: boolean): Spec {
  const w = asObject(raw, file, what);
  const name = asString(w.name, file, `${what}.name`);
  const dtype = w.dtype === undefined ? 'float32' : asString(w.dtype, file, `${what}.dtype`);
  if ((dtype !== 'float32' && !(int32 && dtype === 'int32')) || w.quantization !== undefined) {
    const kind = w.quantization !== undefined ? `quantized ${dtype}` : dtype;
    const allowed = int32 ? 'float32 (and int32 shape/axis)' : 'float32';
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: weight '${name}' has dtype ${kind}; only ${allowed} weights are supported`,
      { location: { file } },
    );
  }
  const shape = asArray(w.shape, file, `${what}.shape`).map((d) => asNumber(d, file, `${what}.shape`));
  return { name, dtype: dtype as Spec['dtype'], shape, size: shape.reduce((a, b) => a * b, 1) };
}

async function readShards(paths: string[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const p of paths) parts.push(await readModelFile(p, 'weight shard'));
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
