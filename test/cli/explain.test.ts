import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/core/npy.js';
import { decodeSample } from '../../src/data/image.js';
import type { InputTransform } from '../../src/data/input.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { fixedRandom } from '../helpers/analytic-models.js';
import { runCli } from '../helpers/cli.js';

const MODEL = 'fixtures/models/tiny-cnn';
const plain: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [16, 16, 3] };
let dir: string;
let model: Model;
const x = Float32Array.from(fixedRandom(2 * 16 * 16 * 3, 17), (v) => (v + 1) / 2);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-explain-'));
  model = await loadModel(MODEL);
  await writeNpy(join(dir, 'x.npy'), x, [2, 16, 16, 3]);
});
afterAll(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The method called directly the way explain calls it: ids `<input>[i]`, unit id = method id, seed 0, maxBatch 32. */
async function direct(
  id: string,
  opts: Record<string, unknown>,
  input: string,
  xs: Float32Array,
  n: number,
  targets: number[],
  t = plain,
) {
  const m = methods[id];
  return m.attribute(
    model,
    {
      x: xs,
      n,
      ids: Array.from({ length: n }, (_, i) => (input.endsWith('.npy') ? `${input}[${i}]` : input)),
    },
    Int32Array.from(targets),
    { ...m.defaults, ...opts },
    { seed: 0, unitId: id, input: t, maxBatch: 32 },
  );
}

describe('xaudit explain', () => {
  it('writes an NHWC float32 .npy equal to calling the method directly, plus timings.json', async () => {
    const input = join(dir, 'x.npy');
    for (const [id, opts] of [
      ['lime', { samples: 30, segments: 10 }],
      ['feature-ablation', { grid: [4, 4] }],
      ['rise', { masks: 40 }],
    ] as const) {
      const out = join(dir, `${id}.npy`);
      const r = await runCli([
        'explain',
        '--model',
        MODEL,
        '--method',
        id,
        '--options',
        JSON.stringify(opts),
        '--input',
        input,
        '--target',
        '1',
        '--out',
        out,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('[2, 16, 16, 3] float32');
      const a = await readNpy(out);
      expect(a.dtype).toBe('float32');
      expect(a.shape).toEqual([2, 16, 16, 3]);
      const want = await direct(id, opts, input, x, 2, [1, 1]);
      expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)).toEqual(
        Buffer.from(want.values.buffer),
      );
      const timings = JSON.parse(await readFile(join(dir, 'timings.json'), 'utf8'));
      expect(timings.method).toBe(id);
      expect(timings.options).toEqual({ ...methods[id].defaults, ...opts });
      expect(timings.targets).toEqual([1, 1]);
      expect(timings.timings.attribute_s).toBeGreaterThanOrEqual(0);
      expect(timings.timings.total_s).toBeGreaterThanOrEqual(timings.timings.attribute_s);
    }
  });

  it('keeps an [h,w,c] input rank, defaults to the predicted class and takes per-sample targets from a .npy', async () => {
    const one = join(dir, 'one.npy');
    await writeNpy(one, x.subarray(0, 768), [16, 16, 3]);
    const out = join(dir, 'one-out.npy');
    const r = await runCli([
      'explain',
      '--model',
      MODEL,
      '--method',
      'saliency',
      '--input',
      one,
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect((await readNpy(out)).shape.slice(0, 2)).toEqual([16, 16]);
    const logits = (await model.forward(x.subarray(0, 768), 1)).logits;
    const predicted = logits.indexOf(Math.max(...logits));
    expect(JSON.parse(await readFile(join(dir, 'timings.json'), 'utf8')).targets).toEqual([predicted]);

    await writeNpy(join(dir, 't.npy'), Int32Array.from([2, 0]), [2]);
    const r2 = await runCli([
      'explain',
      '--model',
      MODEL,
      '--method',
      'kernel-shap',
      '--options',
      '{"features":"grid","grid":[2,2]}',
      '--input',
      join(dir, 'x.npy'),
      '--target',
      join(dir, 't.npy'),
      '--seed',
      '3',
      '--out',
      join(dir, 'ks.npy'),
    ]);
    expect(r2.code).toBe(0);
    const a = await readNpy(join(dir, 'ks.npy'));
    const m = methods['kernel-shap'];
    const want = await m.attribute(
      model,
      { x, n: 2, ids: [`${join(dir, 'x.npy')}[0]`, `${join(dir, 'x.npy')}[1]`] },
      Int32Array.from([2, 0]),
      { ...m.defaults, features: 'grid', grid: [2, 2] },
      { seed: 3, unitId: 'kernel-shap', input: plain, maxBatch: 32 },
    );
    expect(Array.from(a.data)).toEqual(Array.from(want.values));
  });

  it('decodes an image with --range/--mean/--std and resolves a class name with --classes', async () => {
    const png = join(dir, 'img.png');
    const pixels = Buffer.from(Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256));
    await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } })
      .png()
      .toFile(png);
    const t: InputTransform = {
      range: [0, 255],
      mean: [120, 110, 100],
      std: [60, 60, 60],
      shape: [16, 16, 3],
    };
    const out = join(dir, 'img-out.npy');
    const classes = Array.from({ length: model.info.outputs }, (_, i) => `c${i}`);
    const r = await runCli([
      'explain',
      '--model',
      MODEL,
      '--method',
      'feature-ablation',
      '--input',
      png,
      '--range',
      '0,255',
      '--mean',
      '120,110,100',
      '--std',
      '60',
      '--classes',
      classes.join(','),
      '--target',
      'c1',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const decoded = await decodeSample(
      { id: png, file: png, label: '', labelIndex: -1, boxes: [], mask: null, group: null, line: 0 },
      t,
    );
    const want = await direct('feature-ablation', {}, png, decoded.x, 1, [1], t);
    expect(Array.from((await readNpy(out)).data)).toEqual(Array.from(want.values));
  });

  it('fails with exit 2 and a did-you-mean on unknown methods, options, classes and bad inputs', async () => {
    const base = ['explain', '--model', MODEL, '--input', join(dir, 'x.npy'), '--out', join(dir, 'bad.npy')];
    const cases: [string[], RegExp][] = [
      [['--method', 'kernelshap'], /Unknown method 'kernelshap'.*Did you mean 'kernel-shap'\?/],
      [
        ['--method', 'lime', '--options', '{"sampels": 10}'],
        /Unknown option 'sampels' for method 'lime' \(at options.sampels\). Did you mean 'samples'\?/,
      ],
      [['--method', 'rise', '--options', '{"keep": 2}'], /options.keep/],
      [['--method', 'lime', '--options', '{samples: 1'], /--options is not valid JSON/],
      [['--method', 'lime', '--options', '[1]'], /must be a JSON object/],
      [
        ['--method', 'saliency', '--classes', 'a,b,c,d', '--target', 'x'],
        /not one of the classes|--classes lists/,
      ],
      [['--method', 'saliency', '--target', 'wolf'], /no --classes were given/],
      [['--method', 'saliency', '--target', '99'], /target 99 is out of range/],
      [['--method', 'saliency', '--size', '32,32'], /--size 32,32 does not fit the model/],
      [['--method', 'saliency', '--mean', '1,2'], /--mean '1,2' is not 1 or 3/],
      [['--method', 'saliency', '--seed', '-1'], /--seed '-1' is not a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...base, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    await writeNpy(join(dir, 'wrong.npy'), new Float32Array(8 * 8 * 3), [1, 8, 8, 3]);
    const wrong = await runCli([
      'explain',
      '--model',
      MODEL,
      '--method',
      'saliency',
      '--input',
      join(dir, 'wrong.npy'),
      '--out',
      join(dir, 'bad.npy'),
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/MODEL_INPUT_MISMATCH.*shape \[1, 8, 8, 3\]/);
    const missing = await runCli([
      'explain',
      '--model',
      MODEL,
      '--method',
      'saliency',
      '--input',
      join(dir, 'nope.npy'),
      '--out',
      join(dir, 'bad.npy'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/FILE_MISSING/);
  });
});
