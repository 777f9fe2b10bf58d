import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateWolfSnowSample,
  generateWolfSnowSplit,
  WOLF_SNOW_BOX_MAX,
  WOLF_SNOW_BOX_MIN,
  WOLF_SNOW_SIZE,
  type WolfSnowSample,
  wolfSnowManifest,
  writeWolfSnowSplit,
} from '../../../src/data/synthetic/wolf-snow.js';

const VAL_DIR = resolve(import.meta.dirname, '../../../fixtures/wolf-snow/val');
const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'xaudit-wolf-snow-'));
  temps.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

function insideBox(s: WolfSnowSample, x: number, y: number): boolean {
  return x >= s.box[0] && x < s.box[2] && y >= s.box[1] && y < s.box[3];
}

describe('wolf-snow generator', () => {
  it('is deterministic: same seed and key give identical bytes, other seeds differ', () => {
    const a = generateWolfSnowSplit({ seed: 7, split: 't', count: 6, confound: 0.5 });
    const b = generateWolfSnowSplit({ seed: 7, split: 't', count: 6, confound: 0.5 });
    const c = generateWolfSnowSplit({ seed: 8, split: 't', count: 6, confound: 0.5 });
    expect(a.every((s, i) => Buffer.from(s.image).equals(Buffer.from(b[i].image)))).toBe(true);
    expect(a.map((s) => s.box)).toEqual(b.map((s) => s.box));
    expect(Buffer.from(a[0].image).equals(Buffer.from(c[0].image))).toBe(false);
  });

  it('writes byte-identical PNGs and manifests for the same seed', async () => {
    const samples = generateWolfSnowSplit({ seed: 3, split: 'p', count: 4, confound: 1 });
    const [d1, d2] = [await tempDir(), await tempDir()];
    await writeWolfSnowSplit(d1, samples);
    await writeWolfSnowSplit(d2, generateWolfSnowSplit({ seed: 3, split: 'p', count: 4, confound: 1 }));
    const files = (await readdir(d1)).sort();
    expect(files).toEqual(['0000.png', '0001.png', '0002.png', '0003.png', 'manifest.csv']);
    for (const f of files)
      expect((await readFile(join(d1, f))).equals(await readFile(join(d2, f)))).toBe(true);
    const decoded = await sharp(join(d1, '0002.png')).raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width: 64, height: 64, channels: 3 });
    expect(decoded.data.equals(Buffer.from(samples[2].image))).toBe(true);
  });

  it('keeps every box fully inside the image with sides in [20, 32]', () => {
    for (const s of generateWolfSnowSplit({ seed: 11, split: 'b', count: 300, confound: 0.5 })) {
      const [x0, y0, x1, y1] = s.box;
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(y0).toBeGreaterThanOrEqual(0);
      expect(x1).toBeLessThanOrEqual(WOLF_SNOW_SIZE);
      expect(y1).toBeLessThanOrEqual(WOLF_SNOW_SIZE);
      for (const side of [x1 - x0, y1 - y0]) {
        expect(side).toBeGreaterThanOrEqual(WOLF_SNOW_BOX_MIN);
        expect(side).toBeLessThanOrEqual(WOLF_SNOW_BOX_MAX);
      }
      expect(s.image.length).toBe(WOLF_SNOW_SIZE * WOLF_SNOW_SIZE * 3);
    }
  });

  it('balances classes and follows confound and cueAgreement', () => {
    const conf = generateWolfSnowSplit({ seed: 5, split: 'c', count: 400, confound: 1 });
    expect(conf.filter((s) => s.label === 'wolf')).toHaveLength(200);
    expect(conf.every((s) => s.group === (s.label === 'wolf' ? 'snow' : 'grass'))).toBe(true);
    expect(conf.every((s) => s.appearance === s.label)).toBe(true);

    const indep = generateWolfSnowSplit({
      seed: 5,
      split: 'i',
      count: 400,
      confound: 0.5,
      cueAgreement: 0.5,
    });
    expect(indep.filter((s) => s.label === 'husky')).toHaveLength(200);
    for (const label of ['wolf', 'husky'] as const) {
      const ofClass = indep.filter((s) => s.label === label);
      const snow = ofClass.filter((s) => s.group === 'snow').length / ofClass.length;
      const lookAlike = ofClass.filter((s) => s.appearance === label).length / ofClass.length;
      expect(snow).toBeGreaterThan(0.38);
      expect(snow).toBeLessThan(0.62);
      expect(lookAlike).toBeGreaterThan(0.38);
      expect(lookAlike).toBeLessThan(0.62);
    }
    expect(() => generateWolfSnowSplit({ seed: 1, split: 'x', count: 2, confound: 1.5 })).toThrow(/confound/);
  });

  it('draws wolf and husky differently only inside the box', () => {
    for (let i = 0; i < 10; i++) {
      const wolf = generateWolfSnowSample(9, `k/${i}`, 'wolf', { confound: 0.5, cueAgreement: 1 });
      const lookalike = generateWolfSnowSample(9, `k/${i}`, 'wolf', { confound: 0.5, cueAgreement: 0 });
      expect(lookalike.appearance).toBe('husky');
      expect(lookalike.box).toEqual(wolf.box);
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < WOLF_SNOW_SIZE; y++) {
        for (let x = 0; x < WOLF_SNOW_SIZE; x++) {
          for (let c = 0; c < 3; c++) {
            const p = (y * WOLF_SNOW_SIZE + x) * 3 + c;
            if (lookalike.image[p] === wolf.image[p]) continue;
            if (insideBox(wolf, x, y)) inside++;
            else outside++;
          }
        }
      }
      expect(outside).toBe(0);
      expect(inside).toBeGreaterThan(100);
    }
  });

  it('writes the manifest as path,label,box,group with paths relative to it', () => {
    const samples = generateWolfSnowSplit({ seed: 2, split: 'm', count: 3, confound: 1 });
    const lines = wolfSnowManifest(samples).trimEnd().split('\n');
    expect(lines[0]).toBe('path,label,box,group');
    expect(lines).toHaveLength(4);
    lines.slice(1).forEach((line, i) => {
      expect(line).toMatch(/^\d{4}\.png,(wolf|husky),\d+ \d+ \d+ \d+,(snow|grass)$/);
      expect(line).toBe(
        `${String(i).padStart(4, '0')}.png,${samples[i].label},${samples[i].box.join(' ')},${samples[i].group}`,
      );
    });
  });

  it('matches the committed audit set fixtures/wolf-snow/val (regenerate with make-wolf-snow.mjs)', async () => {
    const samples = generateWolfSnowSplit({
      seed: 1234,
      split: 'val',
      count: 64,
      confound: 1,
      cueAgreement: 1,
    });
    expect(await readFile(join(VAL_DIR, 'manifest.csv'), 'utf8')).toBe(wolfSnowManifest(samples));
    for (const i of [0, 1, 31, 63]) {
      const file = join(VAL_DIR, `${String(i).padStart(4, '0')}.png`);
      const raw = await sharp(file).raw().toBuffer();
      expect(raw.equals(Buffer.from(samples[i].image))).toBe(true);
    }
  });
});
