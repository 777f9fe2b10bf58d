import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { XauditError } from '../../src/core/errors.js';
import { boxesToMask, decodeSample, resizeMask } from '../../src/data/image.js';
import type { InputTransform } from '../../src/data/input.js';
import type { Box, Sample } from '../../src/data/manifest.js';

// A 10x6 source image and masks drawn on it in source pixels.
const SW = 10;
const SH = 6;
let dir: string;

function sample(mask: string | null, boxes: Box[] = []): Sample {
  return {
    id: 'i.png',
    file: join(dir, 'i.png'),
    label: 'wolf',
    labelIndex: 1,
    boxes,
    mask: mask === null ? null : join(dir, mask),
    group: null,
    line: 2,
  };
}

const at = (h: number, w: number): InputTransform => ({
  range: [0, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  shape: [h, w, 3],
});

/** A PNG of the source's size whose pixels are `inside` within the box and 0 elsewhere. */
async function boxPng(name: string, [x0, y0, x1, y1]: Box, inside: number[], channels: 1 | 3 | 4) {
  const px = Buffer.alloc(SW * SH * channels);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) px.set(inside, (y * SW + x) * channels);
  await sharp(px, { raw: { width: SW, height: SH, channels } })
    .png()
    .toFile(join(dir, name));
}

const BOX: Box = [3, 1, 8, 5];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-mask-'));
  const img = Buffer.alloc(SW * SH * 3, 128);
  await sharp(img, { raw: { width: SW, height: SH, channels: 3 } })
    .png()
    .toFile(join(dir, 'i.png'));
  await boxPng('grey.png', BOX, [255], 1);
  await boxPng('faint.png', BOX, [0, 0, 1], 3); // non-zero in one channel only is inside
  await boxPng('alpha.png', BOX, [9, 9, 9, 255], 4);
  await sharp(Buffer.alloc(4 * 4, 255), { raw: { width: 4, height: 4, channels: 1 } })
    .png()
    .toFile(join(dir, 'small.png'));
  await writeFile(join(dir, 'corrupt.png'), 'not a png');
});

describe('segmentation masks', () => {
  it('a mask drawn as a box decodes to exactly the box mask at every model size (pixel centres)', async () => {
    for (const [h, w] of [
      [6, 10],
      [3, 5],
      [4, 7],
      [5, 3],
      [12, 20],
      [13, 17],
      [1, 1],
    ]) {
      const d = await decodeSample(sample('grey.png', [BOX]), at(h, w));
      expect(d.mask, `${h}x${w}`).not.toBeNull();
      expect(Array.from(d.mask ?? []), `${h}x${w}`).toEqual(Array.from(d.boxMask ?? []));
    }
  });

  it('at the source size the mask is the PNG itself', async () => {
    const d = await decodeSample(sample('grey.png'), at(SH, SW));
    const want = boxesToMask([BOX], SH, SW);
    expect(Array.from(d.mask ?? [])).toEqual(Array.from(want));
    expect(want.reduce((a, b) => a + b, 0)).toBe(20);
    expect(d.boxMask).toBeNull();
  });

  it('non-zero in any colour channel is inside; alpha is dropped', async () => {
    const want = Array.from(boxesToMask([BOX], SH, SW));
    for (const file of ['faint.png', 'alpha.png']) {
      const d = await decodeSample(sample(file), at(SH, SW));
      expect(Array.from(d.mask ?? []), file).toEqual(want);
    }
  });

  it('regression: a 16-bit label map lost labels below 128 (read at 8 bits)', async () => {
    // A grey16 PNG written by hand (sharp would scale on the way in): label 1 in the box, 0 elsewhere.
    const rows: Buffer[] = [];
    for (let y = 0; y < SH; y++) {
      const row = Buffer.alloc(1 + SW * 2);
      for (let x = 0; x < SW; x++) if (x >= 2 && x < 5 && y >= 1 && y < 4) row.writeUInt16BE(1, 1 + x * 2);
      rows.push(row);
    }
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([len, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(SW, 0);
    ihdr.writeUInt32BE(SH, 4);
    ihdr.set([16, 0, 0, 0, 0], 8);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.concat(rows))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    await writeFile(join(dir, 'label16.png'), png);
    expect((await sharp(join(dir, 'label16.png')).metadata()).depth).toBe('ushort');
    const d = await decodeSample(sample('label16.png'), at(SH, SW));
    expect(Array.from(d.mask ?? [])).toEqual(Array.from(boxesToMask([[2, 1, 5, 4]], SH, SW)));
  });

  it('a sample without a mask has mask null', async () => {
    expect((await decodeSample(sample(null), at(3, 5))).mask).toBeNull();
  });

  it('an unreadable, missing or mis-sized mask is IMAGE_DECODE naming the mask and the sample', async () => {
    for (const [file, why] of [
      ['corrupt.png', /Cannot decode the mask/],
      ['missing.png', /Cannot decode the mask/],
      ['small.png', /is 4x4, the image is 10x6/],
    ] as const) {
      const e = (await decodeSample(sample(file), at(3, 5)).catch((x: unknown) => x)) as XauditError;
      expect(e.code, file).toBe('IMAGE_DECODE');
      expect(e.message).toMatch(why);
      expect(e.message).toContain(file);
      expect(e.message).toContain("'i.png'");
    }
  });

  it('resizeMask samples the source pixel under each model pixel centre', () => {
    // 1x4 source [0 1 1 0] to 1x2: centres at source x = 1 and 3 -> [1, 0]; to 1x8: each doubled.
    const src = Uint8Array.from([0, 1, 1, 0]);
    expect(Array.from(resizeMask(src, 1, 4, 1, 2))).toEqual([1, 0]);
    expect(Array.from(resizeMask(src, 1, 4, 1, 8))).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
    expect(Array.from(resizeMask(src, 1, 4, 1, 4))).toEqual([0, 1, 1, 0]);
  });
});
