import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttributionCache, type CacheKeyParts, canonicalJson } from '../../src/audit/cache.js';
import type { Report } from '../../src/audit/report.js';
import { runCli } from '../helpers/cli.js';

const SPEC = 'audits/wolf-snow-biased.yaml';
// Grad-CAM maps (evidence-on-animal) and the occlusion reference maps (mapsOf) both go through the cache.
const ONLY = 'evidence-on-animal,gradcam-agrees-with-occlusion';

async function audit(cacheArgs: string[]) {
  const out = await mkdtemp(join(tmpdir(), 'xaudit-cache-out-'));
  const r = await runCli(['run', SPEC, '--only', ONLY, '--out', out, '--verbose', ...cacheArgs]);
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
  const stats = /cache .*: (\d+) hits, (\d+) misses, (\d+) corrupt/.exec(r.stderr);
  report.timings = { totalMs: 0, checks: {} };
  return {
    ...r,
    json: JSON.stringify(report),
    hits: Number(stats?.[1] ?? -1),
    misses: Number(stats?.[2] ?? -1),
    corrupt: Number(stats?.[3] ?? -1),
    printed: stats !== null,
  };
}

async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(dir))
    for (const f of await readdir(join(dir, sub))) out.push(join(dir, sub, f));
  return out.sort();
}

describe('attribution cache on disk', () => {
  it('a re-run reads every map back; --no-cache bypasses; corrupt entries are recomputed alike', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'xaudit-cache-')), 'c');
    const first = await audit(['--cache-dir', dir]);
    expect(first.code, first.stderr).toBe(1);
    expect(first.hits).toBe(0);
    expect(first.misses).toBeGreaterThan(0);
    const files = await entries(dir);
    expect(files.length).toBe(first.misses);

    const second = await audit(['--cache-dir', dir]);
    expect(second.hits).toBe(first.misses);
    expect(second.misses).toBe(0);
    expect(second.json).toBe(first.json);

    const off = await audit(['--cache-dir', join(dir, 'unused'), '--no-cache']);
    expect(off.printed).toBe(false);
    expect(existsSync(join(dir, 'unused'))).toBe(false);
    expect(off.json).toBe(first.json);

    // Truncate one entry, flip a payload byte of another, make a third not an entry at all.
    await truncate(files[0], 100);
    const bytes = await readFile(files[1]);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(files[1], bytes);
    await writeFile(files[2], 'garbage');
    const third = await audit(['--cache-dir', dir]);
    expect(third.corrupt).toBe(3);
    expect(third.misses).toBe(3);
    expect(third.hits).toBe(first.misses - 3);
    expect(third.stderr).toMatch(/cache entry .* is unusable \((.*bytes, expected|checksum mismatch)/);
    expect(third.json).toBe(first.json);
    // The recomputed entries were written back whole.
    const fourth = await audit(['--cache-dir', dir]);
    expect(fourth.hits).toBe(first.misses);
    expect(fourth.corrupt).toBe(0);
  }, 180_000);

  it('keys change with every part and ignore option key order', () => {
    const cache = new AttributionCache('/nonexistent');
    const base: CacheKeyParts = {
      model: 'a'.repeat(64),
      method: 'integrated-gradients',
      options: { steps: 32, baseline: 'black' },
      unit: 'ig',
      target: 1,
      input: { range: [0, 1], mean: [0], std: [1], shape: [8, 8, 1] },
      seed: 0,
      engine: 'tfjs-wasm@4.22.0',
      threads: 1,
      xaudit: '0.1.0',
      sample: 'a.png',
      content: 'b'.repeat(64),
      data: null,
      baseDir: '/x',
    };
    const k = cache.key(base);
    expect(cache.key({ ...base, options: { baseline: 'black', steps: 32 } })).toBe(k);
    const variants: Partial<CacheKeyParts>[] = [
      { model: 'c'.repeat(64) },
      { method: 'saliency' },
      { options: { steps: 33, baseline: 'black' } },
      { unit: 'ig2' },
      { target: 0 },
      { input: { range: [0, 255], mean: [0], std: [1], shape: [8, 8, 1] } },
      { seed: 1 },
      { engine: 'tfjs-cpu@4.22.0' },
      { threads: 2 },
      { xaudit: '0.2.0' },
      { sample: 'b.png' },
      { content: 'd'.repeat(64) },
      { data: 'e'.repeat(64) },
    ];
    for (const v of variants) expect(cache.key({ ...base, ...v }), JSON.stringify(v)).not.toBe(k);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
