import { type DecodedSample, decodeSample } from './image.js';
import type { InputTransform } from './input.js';
import type { Manifest, Sample } from './manifest.js';

/** Default bytes of decoded samples a Dataset keeps (XAUDIT_DECODE_CACHE_MB overrides). */
export const DECODE_CACHE_BYTES = 64 * 2 ** 20;

/** The decode cache budget: XAUDIT_DECODE_CACHE_MB (a non-negative number) or the default. */
export function decodeCacheBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = env.XAUDIT_DECODE_CACHE_MB;
  const v = mb === undefined || mb.trim() === '' ? Number.NaN : Number(mb);
  return Number.isFinite(v) && v >= 0 ? v * 2 ** 20 : DECODE_CACHE_BYTES;
}

/**
 * A manifest plus decoding on demand. Decoded samples are memoised, least recently used first
 * out, under a byte budget, so several checks over the same data decode each image once while
 * the data set fits, and a larger one streams in the same memory (the cache used to hold 4,096
 * samples whatever their size: ~270 MiB at 64x64, ~3.3 GiB at 224x224).
 */
export class Dataset {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly cache = new Map<string, Promise<DecodedSample>>();
  /** Entries the budget holds (at least one, so that decode() followed by a read stays cheap). */
  readonly cacheEntries: number;

  constructor(
    readonly name: string,
    readonly manifest: Manifest,
    readonly transform: InputTransform,
    cacheBytes = decodeCacheBytes(),
  ) {
    const [h, w, c] = transform.shape;
    // x (float32) + pixels (uint8) per value, box and segmentation masks (uint8) per pixel.
    const perSample = h * w * c * 5 + h * w * 2;
    this.cacheEntries = Math.max(1, Math.floor(cacheBytes / perSample));
  }

  get samples(): Sample[] {
    return this.manifest.samples;
  }

  decode(sample: Sample): Promise<DecodedSample> {
    let p = this.cache.get(sample.id);
    if (p !== undefined) {
      this.cache.delete(sample.id);
    } else {
      p = decodeSample(sample, this.transform);
      while (this.cache.size >= this.cacheEntries) {
        const oldest = this.cache.keys().next().value;
        if (oldest === undefined) break;
        this.cache.delete(oldest);
      }
    }
    this.cache.set(sample.id, p);
    return p;
  }

  /** Samples whose decoded form is held now (for tests and diagnostics). */
  get cached(): number {
    return this.cache.size;
  }

  /** Decode samples and stack their inputs into one [n, h, w, c] array. */
  async stack(samples: readonly Sample[]): Promise<{ x: Float32Array; decoded: DecodedSample[] }> {
    const decoded = await Promise.all(samples.map((s) => this.decode(s)));
    const size = decoded.length > 0 ? decoded[0].x.length : 0;
    const x = new Float32Array(size * decoded.length);
    for (const [i, d] of decoded.entries()) x.set(d.x, i * size);
    return { x, decoded };
  }
}

/** Split into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
