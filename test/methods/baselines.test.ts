import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../src/core/npy.js';
import { normalise } from '../../src/data/input.js';
import { gaussianBlur } from '../../src/methods/_core/blur.js';
import { integratedGradients as ig } from '../../src/methods/integrated-gradients.js';
import { fixedRandom, linear } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const shape: [number, number, number] = [4, 4, 3];
const size = 48;
const t = transformOf(shape);
const W = [fixedRandom(size, 11), fixedRandom(size, 12)];
const model = linear(shape, W);

/** A version 1.0 .npy file byte by byte: magic, version, header length, header, little-endian data. */
function npyBytes(descr: '<f4' | '<f8', shapeText: string, values: number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const header = `${dict}${' '.repeat(63 - ((10 + dict.length) % 64))}\n`; // data starts at a multiple of 64
  const bytes = descr === '<f4' ? 4 : 8;
  const out = new Uint8Array(10 + header.length + values.length * bytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, 10 + header.length);
  for (const [i, v] of values.entries()) {
    if (bytes === 4) view.setFloat32(i * 4, v, true);
    else view.setFloat64(i * 8, v, true);
  }
  return out;
}

/** IG on the linear model: (x - b) * W_target whatever the rule; returns the map of a 1-sample batch. */
const igOf = async (x: Float32Array, baseline: typeof ig.defaults.baseline, ctx = ctxOf(t), sigma = 5) =>
  ig.attribute(
    model,
    batchOf(x, x.length / size),
    Int32Array.from({ length: x.length / size }, () => 1),
    {
      ...ig.defaults,
      steps: 4,
      baseline,
      sigma,
    },
    ctx,
  );

describe('gaussian blur (baseline: blur)', () => {
  it('equals scipy.ndimage.gaussian_filter (mode reflect, truncate 4), also when the kernel outgrows the image', () => {
    const x = Float32Array.from({ length: 20 }, (_, i) => i ** 1.5 / 7);
    const want = [
      1.2867396985981785, 1.5028553711753276, 1.861179451709308, 2.2524073058611815, 2.522807085819214,
      2.7107510175444967, 3.000297161940198, 3.4652670499872755, 3.95627230863359, 4.288748628919672,
      4.955084702017068, 5.335804624677199, 5.934490863840367, 6.552093465853028, 6.963981580053455,
      6.730302124499036, 7.168575699795772, 7.852559586340819, 8.551933338956733, 9.015553342951968,
    ];
    expect(maxAbsDiff(gaussianBlur(x, 4, 5, 1, 1.2), want)).toBeLessThan(1e-5);
    expect(
      maxAbsDiff(
        gaussianBlur(Float32Array.from([0, 1, 2]), 1, 3, 1, 2),
        [0.8884272507536544, 1, 1.1115727492463456],
      ),
    ).toBeLessThan(1e-6);
    // Channels are blurred separately: a two-channel image is two one-channel blurs.
    const two = new Float32Array(40);
    x.forEach((v, i) => {
      two[2 * i] = v;
      two[2 * i + 1] = 3;
    });
    const b = gaussianBlur(two, 4, 5, 2, 1.2);
    expect(
      maxAbsDiff(
        b.filter((_, i) => i % 2 === 0),
        want,
      ),
    ).toBeLessThan(1e-5);
    expect(
      maxAbsDiff(
        b.filter((_, i) => i % 2 === 1),
        new Array(20).fill(3),
      ),
    ).toBeLessThan(1e-6);
  });

  it('IG from the blurred input is (x - blur(x)) * W on a linear model, with F(x) - F(blur(x)) per sample', async () => {
    const x = inputsOf(t, 2);
    const a = await igOf(x, 'blur', ctxOf(t), 1.5);
    for (let i = 0; i < 2; i++) {
      const xi = x.subarray(i * size, (i + 1) * size);
      const b = gaussianBlur(xi, 4, 4, 3, 1.5);
      const want = Array.from(xi, (v, p) => (v - b[p]) * W[1][p]);
      expect(maxAbsDiff(a.values.subarray(i * size, (i + 1) * size), want)).toBeLessThan(1e-5);
      expect(a.outputDelta![i]).toBeCloseTo(
        want.reduce((s, v) => s + v, 0),
        4,
      );
    }
  });
});

describe("integrated-gradients baseline: 'uniform'", () => {
  it('draws one noise image per sample id, inside the normalised range, independent of batching', async () => {
    const x = inputsOf(t, 3);
    const a = await igOf(x, 'uniform');
    const bs: number[][] = [];
    for (let i = 0; i < 3; i++) {
      // Linear: a = (x - b) W, so b = x - a / W.
      const b = Array.from({ length: size }, (_, p) => x[i * size + p] - a.values[i * size + p] / W[1][p]);
      b.forEach((v, p) => {
        const k = p % 3;
        expect(v).toBeGreaterThan(normalise(t, 0, k) - 1e-3);
        expect(v).toBeLessThan(normalise(t, 1, k) + 1e-3);
      });
      bs.push(b);
      expect(a.outputDelta![i]).toBeCloseTo(
        a.values.subarray(i * size, (i + 1) * size).reduce((s, v) => s + v, 0),
        4,
      );
    }
    expect(maxAbsDiff(bs[0], bs[1])).toBeGreaterThan(0.1);
    const one = await ig.attribute(
      model,
      { x: x.subarray(2 * size), n: 1, ids: ['s2'] },
      Int32Array.from([1]),
      { ...ig.defaults, steps: 4, baseline: 'uniform' },
      ctxOf(t, 1),
    );
    expect(Array.from(one.values)).toEqual(Array.from(a.values.subarray(2 * size)));
  });
});

describe('integrated-gradients baseline: {file}', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xaudit-npy-'));
  const pixels = Array.from({ length: size }, (_, p) => ((p * 7) % 11) / 10);

  it('reads a hand-written float32 .npy of pixel values and normalises it like the input', async () => {
    const bytes = npyBytes('<f4', '4, 4, 3', pixels);
    const parsed = parseNpy(bytes);
    expect(parsed.shape).toEqual([4, 4, 3]);
    expect(maxAbsDiff(parsed.data, pixels)).toBeLessThan(1e-7);
    writeFileSync(join(dir, 'base.npy'), bytes);
    const x = inputsOf(t, 1);
    const a = await igOf(x, { file: 'base.npy' }, { ...ctxOf(t), baseDir: dir });
    const want = pixels.map((v, p) => (x[p] - normalise(t, v, p % 3)) * W[1][p]);
    expect(maxAbsDiff(a.values, want)).toBeLessThan(1e-5);
    // float64 with a leading batch axis, by absolute path.
    writeFileSync(join(dir, 'base64.npy'), npyBytes('<f8', '1, 4, 4, 3', pixels));
    const b = await igOf(x, { file: join(dir, 'base64.npy') });
    expect(maxAbsDiff(b.values, want)).toBeLessThan(1e-5);
  });

  it('refuses a file of the wrong shape, naming the expected one, and a missing file', async () => {
    writeFileSync(join(dir, 'wrong.npy'), npyBytes('<f4', '4, 3, 4', pixels));
    const x = inputsOf(t, 1);
    const e = await igOf(x, { file: join(dir, 'wrong.npy') }).catch((err: unknown) => err);
    expect(e).toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringMatching(/expected float32 or float64 \[4, 4, 3\]/),
    });
    const m = await igOf(x, { file: join(dir, 'nope.npy') }).catch((err: unknown) => err);
    expect(m).toMatchObject({ code: 'FILE_MISSING' });
  });
});
