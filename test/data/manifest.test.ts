import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { parseCsv } from '../../src/data/csv.js';
import { decodeSample } from '../../src/data/image.js';
import { type Box, loadManifest, type Sample } from '../../src/data/manifest.js';

/** A wolf sample of the manifest's line 2, for decoding tests. */
function sample(dir: string, id: string, boxes: Box[]): Sample {
  return { id, file: join(dir, id), label: 'wolf', labelIndex: 1, boxes, mask: null, group: null, line: 2 };
}

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'xaudit-manifest-'));
}

describe('csv', () => {
  it('handles quotes, escaped quotes, CRLF and blank lines', () => {
    const rows = parseCsv('a,b\r\n"x,1","say ""hi"""\n\nlast,2\n');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x,1', 'say "hi"'] },
      { line: 4, cells: ['last', '2'] },
    ]);
  });
});

describe('manifest', () => {
  it('parses boxes and groups', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'a.png'), '');
    await writeFile(join(dir, 'm.csv'), 'path,label,box,group\na.png,wolf,1 2 10 12;0 0 2 2,snow\n');
    const m = await loadManifest(join(dir, 'm.csv'), ['husky', 'wolf']);
    expect(m.samples[0]).toMatchObject({ id: 'a.png', labelIndex: 1, group: 'snow', line: 2 });
    expect(m.samples[0].boxes).toEqual([
      [1, 2, 10, 12],
      [0, 0, 2, 2],
    ]);
  });

  const bad: [string, string, RegExp, number][] = [
    ['unknown label', 'path,label\na.png,wolff\n', /Label 'wolff'.*Did you mean 'wolf'/, 2],
    ['bad box', 'path,label,box\na.png,wolf,1 2 0 4\n', /Invalid box/, 2],
    ['unknown column', 'path,label,bx\na.png,wolf,1\n', /Unknown column 'bx'.*Did you mean 'box'/, 1],
    ['missing image', 'path,label\nnope.png,wolf\n', /does not exist/, 2],
    ['ragged row', 'path,label\na.png\n', /1 cells/, 2],
  ];
  for (const [name, text, re, line] of bad) {
    it(`rejects ${name} with file:line`, async () => {
      const dir = await tmp();
      await writeFile(join(dir, 'a.png'), '');
      await writeFile(join(dir, 'm.csv'), text);
      const e = await loadManifest(join(dir, 'm.csv'), ['husky', 'wolf']).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(XauditError);
      expect((e as XauditError).format()).toMatch(re);
      expect((e as XauditError).format()).toContain(`m.csv:${line}`);
    });
  }

  it('decodes, resizes and normalises, scaling boxes with the image', async () => {
    const dir = await tmp();
    // 8x4 image: left half black, right half white.
    const px = Buffer.alloc(8 * 4 * 3);
    for (let y = 0; y < 4; y++)
      for (let x = 4; x < 8; x++) px.fill(255, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    await sharp(px, { raw: { width: 8, height: 4, channels: 3 } })
      .png()
      .toFile(join(dir, 'i.png'));
    const d = await decodeSample(sample(dir, 'i.png', [[4, 0, 8, 4]]), {
      range: [0, 1],
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      shape: [4, 8, 3],
    });
    expect(d.x[0]).toBeCloseTo(-1, 6);
    expect(d.x[(0 * 8 + 7) * 3]).toBeCloseTo(1, 6);
    expect(Array.from(d.boxMask ?? [])).toEqual(Array.from({ length: 32 }, (_, p) => (p % 8 >= 4 ? 1 : 0)));
    const small = await decodeSample(sample(dir, 'i.png', [[4, 0, 8, 4]]), {
      range: [0, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      shape: [2, 4, 3],
    });
    expect(small.boxes).toEqual([[2, 0, 4, 2]]);
  });

  it('names an undecodable image', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'bad.png'), 'not a png');
    const e = await decodeSample(sample(dir, 'bad.png', []), {
      range: [0, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      shape: [4, 4, 3],
    }).catch((x: unknown) => x);
    expect((e as XauditError).code).toBe('IMAGE_DECODE');
    expect((e as XauditError).message).toContain('bad.png');
  });
});
