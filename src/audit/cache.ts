import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleMap } from '../checks/types.js';
import { writeFileAtomic } from '../core/atomic.js';
import { sha256 } from '../core/hash.js';

/** Everything an attribution map depends on (DESIGN.md "Conventions": cache keys). */
export interface CacheKeyParts {
  model: string; // sha256 of the model bytes
  method: string;
  options: Record<string, unknown>;
  /** Keys the method's RNG stream (the explanation id). */
  unit: string;
  target: number;
  /** The input transform (range, mean, std, shape): preprocessing. */
  input: unknown;
  seed: number;
  /** Engine name and version, e.g. tfjs-wasm@4.22.0. */
  engine: string;
  /**
   * Its thread count: onnxruntime's backward graph takes another (equally exact) form on 1-2
   * threads than on more (onnx-emit/backward.ts), which changes a gradient's last bits.
   */
  threads: number;
  xaudit: string;
  /** The sample's id keys its random draws; its content hash covers the pixels after preprocessing. */
  sample: string;
  content: string;
  /** For methods that draw baselines from the data set: its manifest hash; else null. */
  data: string | null;
  /** Folder that baseline files are resolved against. */
  baseDir: string;
}

export interface CacheStats {
  hits: number;
  misses: number;
  corrupt: number;
  /** Writes that failed (the audit goes on without caching them). */
  unwritable: number;
}

/** JSON with object keys sorted at every depth, so equal options hash alike. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const FORMAT = 'xaudit-attribution-1';

interface EntryHeader {
  format: string;
  key: string;
  length: number;
  outputDelta: number | null;
  checksum: string;
}

const checksumOf = (key: string, outputDelta: number | null, payload: Uint8Array) =>
  sha256(Buffer.concat([Buffer.from(`${key}\n${JSON.stringify(outputDelta)}\n`), payload]));

/**
 * Attribution maps on disk, one file per (key): a JSON header line with a
 * checksum, then the float32 map. Written atomically; an entry that fails its
 * checks (truncated, corrupt, foreign) is a miss, reported and overwritten.
 */
export class AttributionCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0, unwritable: 0 };

  constructor(
    readonly dir: string,
    private readonly onWarn: (message: string) => void = () => {},
  ) {}

  key(parts: CacheKeyParts): string {
    return sha256(canonicalJson(parts));
  }

  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`);
  }

  async get(key: string): Promise<SampleMap | null> {
    const file = this.pathOf(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      this.stats.misses++;
      return null;
    }
    const problem = (why: string) => {
      this.stats.corrupt++;
      this.stats.misses++;
      this.onWarn(`cache entry ${file} is unusable (${why}); recomputing it`);
      return null;
    };
    const nl = bytes.indexOf(10);
    if (nl < 0) return problem('no header');
    let h: EntryHeader;
    try {
      h = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as EntryHeader;
    } catch {
      return problem('unreadable header');
    }
    if (h.format !== FORMAT || h.key !== key) return problem('wrong format or key');
    const payload = bytes.subarray(nl + 1);
    if (payload.length !== h.length * 4) return problem(`${payload.length} bytes, expected ${h.length * 4}`);
    if (checksumOf(key, h.outputDelta, payload) !== h.checksum) return problem('checksum mismatch');
    // Copy into an aligned buffer: the payload's offset in the file need not be a multiple of 4.
    const map = new Float32Array(h.length);
    new Uint8Array(map.buffer).set(payload);
    this.stats.hits++;
    return { map, outputDelta: h.outputDelta };
  }

  async set(key: string, value: SampleMap): Promise<void> {
    // JSON has no NaN or Infinity; such a delta is an error case anyway, so it is not cached.
    if (value.outputDelta !== null && !Number.isFinite(value.outputDelta)) return;
    const payload = new Uint8Array(value.map.buffer, value.map.byteOffset, value.map.byteLength);
    const header: EntryHeader = {
      format: FORMAT,
      key,
      length: value.map.length,
      outputDelta: value.outputDelta,
      checksum: checksumOf(key, value.outputDelta, payload),
    };
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      await writeFileAtomic(
        this.pathOf(key),
        Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), payload]),
      );
    } catch (e) {
      this.stats.unwritable++;
      this.onWarn(`cannot write cache entry ${this.pathOf(key)}: ${e instanceof Error ? e.message : e}`);
    }
  }
}
