/**
 * The decode cache is bounded by bytes and evicts the least recently used sample: a large data
 * set streams in the memory of a small one, and what is evicted decodes to the same values.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dataset, DECODE_CACHE_BYTES, decodeCacheBytes } from '../../src/data/dataset.js';
import type { InputTransform } from '../../src/data/input.js';
import { loadManifest, type Manifest } from '../../src/data/manifest.js';
import { generateWolfSnowSplit, writeWolfSnowSplit } from '../../src/data/synthetic/wolf-snow.js';

const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [64, 64, 3] };
/** Bytes the cache charges per 64x64x3 sample: float32 + uint8 per value, two uint8 masks. */
const PER_SAMPLE = 64 * 64 * 3 * 5 + 64 * 64 * 2;

let manifest: Manifest;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xaudit-dataset-'));
  const file = await writeWolfSnowSplit(
    dir,
    generateWolfSnowSplit({ seed: 3, split: 'ds', count: 12, confound: 1 }),
  );
  manifest = await loadManifest(file, ['husky', 'wolf']);
});

describe('Dataset decode cache', () => {
  it('holds as many samples as the byte budget allows, at least one', () => {
    expect(new Dataset('d', manifest, transform, 3 * PER_SAMPLE).cacheEntries).toBe(3);
    expect(new Dataset('d', manifest, transform, 3 * PER_SAMPLE - 1).cacheEntries).toBe(2);
    expect(new Dataset('d', manifest, transform, 0).cacheEntries).toBe(1);
    expect(new Dataset('d', manifest, transform, DECODE_CACHE_BYTES).cacheEntries).toBe(
      Math.floor(DECODE_CACHE_BYTES / PER_SAMPLE),
    );
  });

  it('stays within its bound over a pass through the data', async () => {
    const ds = new Dataset('d', manifest, transform, 4 * PER_SAMPLE);
    for (const s of ds.samples) await ds.decode(s);
    expect(ds.samples.length).toBe(12);
    expect(ds.cached).toBe(4);
    await ds.stack(ds.samples);
    expect(ds.cached).toBe(4);
  });

  it('evicts the least recently used sample, not the oldest inserted', async () => {
    const ds = new Dataset('d', manifest, transform, 2 * PER_SAMPLE);
    const [a, b, c] = ds.samples;
    const pa = ds.decode(a);
    const pb = ds.decode(b);
    expect(ds.decode(a)).toBe(pa); // hit: a becomes the most recent
    ds.decode(c); // evicts b
    expect(ds.decode(a)).toBe(pa);
    const pb2 = ds.decode(b);
    expect(pb2).not.toBe(pb);
    // A re-decoded sample has the same values.
    const [first, again] = await Promise.all([pb, pb2]);
    expect(again.x).toEqual(first.x);
    expect(again.pixels).toEqual(first.pixels);
  });

  it('reads its budget from XAUDIT_DECODE_CACHE_MB', () => {
    expect(decodeCacheBytes({})).toBe(DECODE_CACHE_BYTES);
    expect(decodeCacheBytes({ XAUDIT_DECODE_CACHE_MB: '16' })).toBe(16 * 2 ** 20);
    expect(decodeCacheBytes({ XAUDIT_DECODE_CACHE_MB: '0' })).toBe(0);
    for (const bad of ['', ' ', '-1', 'lots']) {
      expect(decodeCacheBytes({ XAUDIT_DECODE_CACHE_MB: bad })).toBe(DECODE_CACHE_BYTES);
    }
  });
});
