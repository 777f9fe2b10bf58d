import { dirname, resolve } from 'node:path';
import type { CheckContext, ExplanationHandle, SampleMap } from '../checks/types.js';
import { sha256, sha256File } from '../core/hash.js';
import { rngFor } from '../core/rng.js';
import { sumChannels } from '../core/tensor.js';
import { chunks, type Dataset } from '../data/dataset.js';
import type { Sample } from '../data/manifest.js';
import { methods } from '../methods/registry.js';
import type { AnyMethod } from '../methods/types.js';
import type { Model } from '../models/model.js';
import { VERSION } from '../version.js';
import type { AttributionCache } from './cache.js';
import type { PreparedAudit } from './prepare.js';
import type { CheckSpec } from './spec.js';

/** How many data set inputs make the baseline distribution of expected-gradients (SHAP-style background). */
const DATA_BASELINES = 32;

/**
 * Caches shared by every check of one run: logits per sample and the maps of
 * each explanation per (sample, target), so checks over the same explanation
 * compute it once.
 */
export class RunCaches {
  readonly logits = new Map<string, Float32Array>();
  readonly maps = new Map<string, SampleMap>();
  /** sha256 of each sample's preprocessed input, for disk cache keys. */
  readonly content = new Map<string, string>();

  /** `disk`: the on-disk attribution cache shared across runs, or null. */
  constructor(readonly disk: AttributionCache | null = null) {}

  mapKey(explanation: string, sample: Sample, target: number): string {
    return `${explanation}\u0000${target}\u0000${sample.file}`;
  }

  /** Drop an explanation's maps (no later check scores it): memory stays bounded by one explanation. */
  release(explanation: string): void {
    const prefix = `${explanation}\u0000`;
    for (const k of this.maps.keys()) if (k.startsWith(prefix)) this.maps.delete(k);
  }
}

export interface ContextOptions {
  prepared: PreparedAudit;
  caches: RunCaches;
  check: CheckSpec;
  dataset: Dataset;
  samples: Sample[];
  targets: Int32Array;
  maxBatch: number;
  signal?: AbortSignal;
  onProgress(done: number): void;
  /** Keep the explanation's maps for later checks (false for its last check: memory stays per batch). */
  retainMaps?: boolean;
}

export function createCheckContext(o: ContextOptions): CheckContext {
  const { prepared, caches } = o;
  const { model, spec, input } = prepared;
  const explanation: ExplanationHandle | null =
    o.check.explanation === null
      ? null
      : (() => {
          const e = spec.explanations[o.check.explanation];
          return { id: e.id, method: methods[e.method], options: e.options };
        })();

  // Reference inputs for methods whose baseline is drawn from the data (expected-gradients): a
  // seeded sample of the whole data set, so it is the same for every shard, batch and check.
  const references = new Map<string, Promise<{ x: Float32Array; n: number }>>();
  const dataBaselines = (unitId: string) => {
    let r = references.get(unitId);
    if (r === undefined) {
      const all = o.dataset.samples;
      const rng = rngFor(spec.seed, unitId, 'data-baselines');
      const order = all.map((_, i) => i);
      const k = Math.min(DATA_BASELINES, all.length);
      for (let i = 0; i < k; i++) {
        const j = i + rng.int(order.length - i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      r = o.dataset.stack(order.slice(0, k).map((i) => all[i])).then(({ x }) => ({ x, n: k }));
      references.set(unitId, r);
    }
    return r;
  };

  // One method on one batch of normalised inputs, channel-summed per sample.
  const attributeBatch = async (
    method: AnyMethod,
    options: Record<string, unknown>,
    unitId: string,
    on: Model,
    x: Float32Array,
    ids: string[],
    targets: Int32Array,
  ): Promise<SampleMap[]> => {
    const baselines = method.usesDataBaselines?.(options) === true ? await dataBaselines(unitId) : undefined;
    const a = await method.attribute(on, { x, n: ids.length, ids }, targets, options, {
      seed: spec.seed,
      unitId,
      input,
      maxBatch: o.maxBatch,
      signal: o.signal,
      baselines,
      baseDir: dirname(spec.file),
    });
    const [, h, w, c] = a.shape;
    const size = h * w * c;
    return ids.map((_, i) => ({
      map: sumChannels(a.values.slice(i * size, (i + 1) * size), c),
      outputDelta: a.outputDelta === undefined ? null : a.outputDelta[i],
    }));
  };

  const computeMaps: CheckContext['mapsOf'] = async (
    method,
    options,
    unitId,
    samples,
    targets,
    on = model,
  ) => {
    const out: SampleMap[] = [];
    let offset = 0;
    for (const part of chunks(samples, o.maxBatch)) {
      o.signal?.throwIfAborted();
      const { x } = await o.dataset.stack(part);
      const ids = part.map((s) => s.id);
      out.push(
        ...(await attributeBatch(
          method,
          options,
          unitId,
          on,
          x,
          ids,
          targets.slice(offset, offset + part.length),
        )),
      );
      offset += part.length;
    }
    return out;
  };

  // Disk cache around computeMaps: hits are read back, only the misses are computed (results
  // do not depend on batch composition, see the RNG convention).
  const runMethod: CheckContext['mapsOf'] = async (method, options, unitId, samples, targets, on) => {
    const disk = caches.disk;
    if (disk === null || (on !== undefined && on !== model)) {
      return computeMaps(method, options, unitId, samples, targets, on);
    }
    // What the map depends on beyond the sample: the drawn reference inputs' pixels (not the
    // manifest text) and the bytes of any baseline file the options name.
    const refs = method.usesDataBaselines?.(options) === true ? await dataBaselines(unitId) : null;
    const data =
      refs === null ? null : sha256(new Uint8Array(refs.x.buffer, refs.x.byteOffset, refs.x.byteLength));
    const keyOptions = { ...options, __files: await fileHashes(options, dirname(spec.file)) };
    const keys: string[] = [];
    for (const [i, s] of samples.entries()) {
      let content = caches.content.get(s.file);
      if (content === undefined) {
        const { x } = await o.dataset.decode(s);
        content = sha256(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
        caches.content.set(s.file, content);
      }
      keys.push(
        disk.key({
          model: prepared.modelSha256,
          method: method.id,
          options: keyOptions,
          unit: unitId,
          target: targets[i],
          input,
          seed: spec.seed,
          engine: model.engine,
          threads: model.threads ?? 1,
          xaudit: VERSION,
          sample: s.id,
          content,
          data,
          baseDir: dirname(spec.file),
        }),
      );
    }
    const out: (SampleMap | null)[] = [];
    for (const k of keys) out.push(await disk.get(k));
    const missing = out.map((m, i) => (m === null ? i : -1)).filter((i) => i >= 0);
    if (missing.length > 0) {
      const computed = await computeMaps(
        method,
        options,
        unitId,
        missing.map((i) => samples[i]),
        Int32Array.from(missing, (i) => targets[i]),
      );
      for (const [j, i] of missing.entries()) {
        out[i] = computed[j];
        await disk.set(keys[i], computed[j]);
      }
    }
    return out as SampleMap[];
  };

  return {
    checkId: o.check.id,
    model,
    classes: spec.model.classes,
    dataset: o.dataset,
    samples: o.samples,
    targets: o.targets,
    seed: spec.seed,
    input,
    maxBatch: o.maxBatch,
    signal: o.signal,
    explanation,
    async maps(samples, targets) {
      if (explanation === null) throw new Error(`check '${o.check.id}' has no explanation`);
      const keys = samples.map((s, i) => caches.mapKey(explanation.id, s, targets[i]));
      const missing = samples.map((_, i) => i).filter((i) => !caches.maps.has(keys[i]));
      if (missing.length > 0) {
        const computed = await runMethod(
          explanation.method,
          explanation.options,
          explanation.id,
          missing.map((i) => samples[i]),
          Int32Array.from(missing, (i) => targets[i]),
        );
        if (o.retainMaps === false) {
          const fresh = new Map(missing.map((i, j) => [keys[i], computed[j]]));
          return keys.map((k) => (fresh.get(k) ?? caches.maps.get(k)) as SampleMap);
        }
        for (const [j, i] of missing.entries()) caches.maps.set(keys[i], computed[j]);
      }
      return keys.map((k) => caches.maps.get(k) as SampleMap);
    },
    mapsOf: runMethod,
    async attributeInputs(x, n, ids, targets) {
      if (explanation === null) throw new Error(`check '${o.check.id}' has no explanation`);
      const size = x.length / n;
      const out: SampleMap[] = [];
      for (let i = 0; i < n; i += o.maxBatch) {
        o.signal?.throwIfAborted();
        const m = Math.min(o.maxBatch, n - i);
        const maps = await attributeBatch(
          explanation.method,
          explanation.options,
          explanation.id,
          model,
          x.slice(i * size, (i + m) * size),
          ids.slice(i, i + m),
          targets.slice(i, i + m),
        );
        out.push(...maps);
      }
      return out;
    },
    async logits(samples) {
      const missing = samples.filter((s) => !caches.logits.has(s.file));
      for (const part of chunks(missing, o.maxBatch)) {
        o.signal?.throwIfAborted();
        const { x } = await o.dataset.stack(part);
        const { logits } = await model.forward(x, part.length);
        const k = logits.length / part.length;
        for (const [i, s] of part.entries()) caches.logits.set(s.file, logits.slice(i * k, (i + 1) * k));
      }
      const k = model.info.outputs;
      const out = new Float32Array(samples.length * k);
      for (const [i, s] of samples.entries()) out.set(caches.logits.get(s.file) as Float32Array, i * k);
      return out;
    },
    progress: o.onProgress,
  };
}

/** sha256 of every `{file: path}` an options object names (resolved against the spec's folder). */
async function fileHashes(options: unknown, baseDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (v: unknown): Promise<void> => {
    if (Array.isArray(v)) for (const x of v) await walk(x);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'file' && typeof x === 'string') {
          out[x] = await sha256File(resolve(baseDir, x)).catch(() => 'unreadable');
        } else await walk(x);
      }
    }
  };
  await walk(options);
  return out;
}
