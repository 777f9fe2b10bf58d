import { type DecodedSample, decodeSample } from './image.js';
import type { InputTransform } from './input.js';
import type { Manifest, Sample } from './manifest.js';

/**
 * A manifest plus decoding on demand. Decoded samples are memoised up to a
 * bound so several checks over the same data decode each image once, while a
 * large dataset still streams.
 */
export class Dataset {
  private readonly cache = new Map<string, Promise<DecodedSample>>();

  constructor(
    readonly name: string,
    readonly manifest: Manifest,
    readonly transform: InputTransform,
    private readonly cacheLimit = 4096,
  ) {}

  get samples(): Sample[] {
    return this.manifest.samples;
  }

  decode(sample: Sample): Promise<DecodedSample> {
    let p = this.cache.get(sample.id);
    if (p === undefined) {
      p = decodeSample(sample, this.transform);
      if (this.cache.size >= this.cacheLimit) {
        const first = this.cache.keys().next().value;
        if (first !== undefined) this.cache.delete(first);
      }
      this.cache.set(sample.id, p);
    }
    return p;
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
