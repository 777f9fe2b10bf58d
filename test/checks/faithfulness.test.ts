import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import { runAudit } from '../../src/audit/run.js';
import { linearImputation } from '../../src/checks/_core/imputation.js';
import { curves, fillImage, stepBoundaries } from '../../src/checks/_core/perturbation-curve.js';
import { deletion } from '../../src/checks/deletion.js';
import { faithfulnessCorrelation } from '../../src/checks/faithfulness-correlation.js';
import { insertion } from '../../src/checks/insertion.js';
import { road } from '../../src/checks/road.js';
import type { AnyCheck, CheckContext, SampleMap, SampleScore } from '../../src/checks/types.js';
import { rngFor } from '../../src/core/rng.js';
import type { Dataset } from '../../src/data/dataset.js';
import type { InputTransform } from '../../src/data/input.js';
import type { Sample } from '../../src/data/manifest.js';
import type { Model } from '../../src/models/model.js';
import { functionModel } from '../helpers/function-model.js';
import { linearModel } from '../helpers/linear-model.js';
import { neighbourMean } from '../helpers/neighbour-mean.js';
import { preparedOn } from '../helpers/prepared.js';

type Shape = [number, number, number];

interface Scene {
  model: Model;
  shape: Shape;
  images: Float32Array[];
  maps: Float32Array[];
  targets: number[];
  maxBatch?: number;
  seed?: number;
  input?: Partial<InputTransform>;
}

/** A CheckContext over in-memory inputs (already normalised) and maps: the checks' evaluate() sees what a run gives it. */
function context(s: Scene): CheckContext {
  const c = s.shape[2];
  const input: InputTransform = {
    range: [0, 1],
    mean: new Array(c).fill(0),
    std: new Array(c).fill(1),
    shape: s.shape,
    ...s.input,
  };
  const samples: Sample[] = s.images.map((_, i) => ({
    id: `s${i}.png`,
    file: `/tmp/s${i}.png`,
    label: String(s.targets[i]),
    labelIndex: s.targets[i],
    boxes: [],
    mask: null,
    group: null,
    line: i + 2,
  }));
  const index = new Map(samples.map((x, i) => [x.id, i]));
  const stackX = (part: readonly Sample[]) => {
    const size = s.images[0].length;
    const x = new Float32Array(part.length * size);
    for (const [j, p] of part.entries()) x.set(s.images[index.get(p.id) as number], j * size);
    return x;
  };
  const dataset = {
    name: 'val',
    samples,
    async stack(part: readonly Sample[]) {
      return { x: stackX(part), decoded: [] };
    },
  } as unknown as Dataset;
  // Built as a variable, not returned as a literal: members CheckContext gains later (unused here)
  // are then a type error only where required, not an excess-property error.
  const ctx = {
    checkId: 'faith',
    model: s.model,
    classes: Array.from({ length: Math.max(2, s.model.info.outputs) }, (_, k) => String(k)),
    dataset,
    samples,
    targets: Int32Array.from(s.targets),
    seed: s.seed ?? 7,
    input,
    maxBatch: s.maxBatch ?? 64,
    explanation: null,
    async maps(part: readonly Sample[]): Promise<SampleMap[]> {
      return part.map((p) => ({ map: s.maps[index.get(p.id) as number], outputDelta: null }));
    },
    async mapsOf(): Promise<SampleMap[]> {
      throw new Error('not used');
    },
    async attributeInputs(): Promise<SampleMap[]> {
      throw new Error('not used');
    },
    async logits(part: readonly Sample[]) {
      return (await s.model.forward(stackX(part), part.length)).logits;
    },
    progress() {},
  };
  return ctx;
}

async function run(check: AnyCheck, s: Scene, options: Record<string, unknown> = {}): Promise<SampleScore[]> {
  return check.evaluate(context(s), { ...structuredClone(check.defaults), ...options });
}

const scores = (r: SampleScore[]) =>
  r.map((x) => {
    expect(x.error).toBeUndefined();
    return x.score as number;
  });

/** Seeded uniform values in [lo, hi). */
function uniform(n: number, key: string, lo = 0, hi = 1): Float32Array {
  const rng = rngFor(1, 'faithfulness-test', key);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Channel-summed W * (x - fill) of class `k`'s weights: the exact attribution of a linear model. */
function exactMap(weights: Float32Array, x: Float32Array, fill: number, c: number): Float32Array {
  const out = new Float32Array(x.length / c);
  for (let p = 0; p < out.length; p++)
    for (let q = 0; q < c; q++) out[p] += weights[p * c + q] * (x[p * c + q] - fill);
  return out;
}

// A two-class linear model on 6x6 RGB inputs: logit 1 = W . x, logit 0 = 0.
const SHAPE: Shape = [6, 6, 3];
const SIZE = 6 * 6 * 3;
const W1 = uniform(SIZE, 'w', -1, 1);
const linear = () => linearModel(SHAPE, [new Float32Array(SIZE), W1]);
const IMAGES = [0, 1, 2, 3].map((i) => uniform(SIZE, `x${i}`));
const TRUE_MAPS = IMAGES.map((x) => exactMap(W1, x, 0, 3));
const RANDOM_MAPS = IMAGES.map((_, i) => uniform(36, `random${i}`, -1, 1));
const NEGATED = TRUE_MAPS.map((m) => m.map((v) => -v));
const linearScene = (maps: Float32Array[], extra: Partial<Scene> = {}): Scene => ({
  model: linear(),
  shape: SHAPE,
  images: IMAGES,
  maps,
  targets: [1, 1, 1, 1],
  ...extra,
});

describe('deletion and insertion', () => {
  const fill = { fill: { constant: 0 }, steps: 36 };

  it('the exact attribution of a linear model beats a random map and its negation (MoRF)', async () => {
    const del = scores(await run(deletion, linearScene(TRUE_MAPS), fill));
    const delRandom = scores(await run(deletion, linearScene(RANDOM_MAPS), fill));
    const delNeg = scores(await run(deletion, linearScene(NEGATED), fill));
    const ins = scores(await run(insertion, linearScene(TRUE_MAPS), fill));
    const insRandom = scores(await run(insertion, linearScene(RANDOM_MAPS), fill));
    const insNeg = scores(await run(insertion, linearScene(NEGATED), fill));
    for (let i = 0; i < 4; i++) {
      expect(del[i]).toBeLessThan(delRandom[i]);
      expect(del[i]).toBeLessThan(delNeg[i]);
      expect(ins[i]).toBeGreaterThan(insRandom[i]);
      expect(ins[i]).toBeGreaterThan(insNeg[i]);
    }
  });

  it('on a linear model the exact map is optimal at every point of the curve, not only in area', async () => {
    // Removing the k pixels of largest W(x - fill) lowers the logit most, for every k (and softmax is monotone).
    const ctx = context(linearScene(TRUE_MAPS));
    const opts = { order: 'most' as const, steps: 36, fill: { constant: 0 }, output: 'probability' as const };
    const best = await curves(ctx, 'deletion', opts, ctx.samples, ctx.targets, TRUE_MAPS);
    const other = await curves(ctx, 'deletion', opts, ctx.samples, ctx.targets, RANDOM_MAPS);
    for (let i = 0; i < 4; i++) {
      const b = best[i];
      const o = other[i];
      if (typeof b === 'string' || typeof o === 'string') throw new Error('unexpected error');
      for (let j = 0; j < b.values.length; j++) expect(b.values[j]).toBeLessThanOrEqual(o.values[j] + 1e-7);
    }
  });

  it('a model whose output is the mean of the pixels has a linear curve: AUC in closed form', async () => {
    // logit 1 = mean over all values; an image of constant v. Deleting a fraction f (fill u) leaves
    // v (1 - f) + u f, so the AUC is (v + u) / 2 whatever the map and however the pixels are chunked;
    // inserting into the fill gives u (1 - f) + v f, the same area.
    const shape: Shape = [8, 8, 1];
    const mean = functionModel(shape, 2, (x) => [0, x.reduce((a, b) => a + b, 0) / x.length]);
    const v = 0.8;
    const scene: Scene = {
      model: mean,
      shape,
      images: [new Float32Array(64).fill(v)],
      maps: [uniform(64, 'mean-map')],
      targets: [1],
    };
    for (const [u, steps] of [
      [0, 10],
      [0.25, 7],
      [0.5, 64],
    ] as const) {
      const opts = { output: 'logit', fill: { constant: u }, steps };
      const [d] = await run(deletion, scene, opts);
      const [ins] = await run(insertion, scene, opts);
      expect(d.score).toBeCloseTo((v + u) / 2, 6);
      expect(ins.score).toBeCloseTo((v + u) / 2, 6);
      expect(d.details).toMatchObject({ start: expect.closeTo(v, 6), end: expect.closeTo(u, 6) });
    }
    // Probability output: the clean point is the softmax of the clean logits.
    const [p] = await run(deletion, scene, { fill: { constant: 0 }, steps: 4 });
    expect(p.details?.start).toBeCloseTo(1 / (1 + Math.exp(-v)), 6);
  });

  it('fill: blur of a constant image is the image, so the curve is flat at p(x)', async () => {
    const shape: Shape = [8, 8, 3];
    const img = new Float32Array(192).fill(0.3);
    const model = linearModel(shape, [new Float32Array(192), uniform(192, 'wb', -1, 1)]);
    const [r] = await run(insertion, { model, shape, images: [img], maps: [uniform(64, 'm')], targets: [1] });
    const z = (await model.forward(img, 1)).logits[1];
    expect(r.score).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
  });

  it('fill: noise draws seeded pixel values inside input.range, normalised like the input', () => {
    const t: InputTransform = { range: [0, 255], mean: [100, 0], std: [50, 2], shape: [4, 4, 2] };
    const a = fillImage('noise', new Float32Array(32), t, 3, 'u', 's');
    expect(fillImage('noise', new Float32Array(32), t, 3, 'u', 's')).toEqual(a);
    expect(fillImage('noise', new Float32Array(32), t, 3, 'u', 'other')).not.toEqual(a);
    for (let p = 0; p < 32; p++) {
      const pixel = p % 2 === 0 ? a[p] * 50 + 100 : a[p] * 2;
      expect(pixel).toBeGreaterThanOrEqual(0);
      expect(pixel).toBeLessThan(255);
    }
    // zeros is 0 after normalisation: pixel value mean[k] (RISE's torch.zeros_like substrate).
    expect(fillImage('zeros', new Float32Array(32).fill(9), t, 3, 'u', 's')).toEqual(new Float32Array(32));
    // {constant: v} is a pixel value: 255 -> (255 - 100) / 50 on channel 0.
    expect(fillImage({ constant: 255 }, new Float32Array(32), t, 3, 'u', 's')[0]).toBeCloseTo(3.1, 6);
  });

  it('chunks are as even as possible and end at every pixel', () => {
    expect(Array.from(stepBoundaries(10, 4))).toEqual([0, 3, 5, 8, 10]);
    expect(Array.from(stepBoundaries(3, 100))).toEqual([0, 1, 2, 3]);
  });

  it('a constant or NaN map is a per-sample error', async () => {
    const maps = [
      new Float32Array(36),
      TRUE_MAPS[1],
      TRUE_MAPS[2].map((v, p) => (p === 3 ? Number.NaN : v)),
      TRUE_MAPS[3],
    ];
    const r = await run(deletion, linearScene(maps));
    expect(r[0]).toEqual({ score: null, error: 'the attribution is constant, so it orders no pixel' });
    expect(r[2]).toEqual({ score: null, error: 'the attribution contains NaN' });
    expect(r[1].score).not.toBeNull();
  });
});

describe('ROAD linear imputation', () => {
  const h = 7;
  const w = 9;
  const c = 2;
  const plane = (r: number, col: number, q: number) =>
    q === 0 ? 0.1 + 0.05 * r - 0.03 * col : 2 - 0.2 * r + 0.1 * col;
  const image = () => {
    const x = new Float32Array(h * w * c);
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++)
        for (let q = 0; q < c; q++) x[(r * w + col) * c + q] = plane(r, col, q);
    return x;
  };

  it('reproduces a linear ramp exactly where no removed pixel is on the border', () => {
    const removed = new Uint8Array(h * w);
    for (let r = 1; r < h - 1; r++) for (let col = 1; col < w - 1; col++) removed[r * w + col] = 1; // all 35 interior pixels
    const x = image();
    const poisoned = x.slice();
    for (let p = 0; p < h * w; p++) if (removed[p]) poisoned.fill(99, p * c, p * c + c);
    const out = linearImputation(poisoned, h, w, c, removed);
    for (let p = 0; p < x.length; p++) expect(out[p]).toBeCloseTo(x[p], 5);
  });

  it('a lone removed pixel is the 1/6 (direct), 1/12 (diagonal) weighted mean of its in-image neighbours', () => {
    const x = uniform(h * w * c, 'lone');
    for (const [r, col] of [
      [3, 4],
      [0, 0],
      [0, 5],
    ]) {
      const removed = new Uint8Array(h * w);
      removed[r * w + col] = 1;
      const out = linearImputation(x, h, w, c, removed);
      for (let q = 0; q < c; q++) {
        expect(out[(r * w + col) * c + q]).toBeCloseTo(neighbourMean(x, h, w, c, r, col, q), 6);
      }
    }
  });

  it('solves the whole coupled system: each imputed value is the weighted mean of its neighbours, imputed or not', () => {
    const x = uniform(h * w * c, 'system');
    const rng = rngFor(1, 'road-test', 'mask');
    const removed = Uint8Array.from({ length: h * w }, () => (rng.next() < 0.9 ? 1 : 0));
    removed[0] = 0;
    const out = linearImputation(x, h, w, c, removed);
    for (let p = 0; p < h * w; p++) {
      const r = Math.floor(p / w);
      const col = p % w;
      for (let q = 0; q < c; q++) {
        if (!removed[p]) {
          expect(out[p * c + q]).toBe(x[p * c + q]);
          continue;
        }
        expect(out[p * c + q]).toBeCloseTo(neighbourMean(out, h, w, c, r, col, q), 5);
      }
    }
  });
});

describe('road', () => {
  it('noise 0 is deterministic; noise is seeded per sample and independent of the batch size', async () => {
    const a = await run(road, linearScene(TRUE_MAPS), { noise: 0, output: 'probability' });
    const b = await run(road, linearScene(TRUE_MAPS, { seed: 99 }), { noise: 0, output: 'probability' });
    expect(a).toEqual(b);
    const n1 = await run(road, linearScene(TRUE_MAPS, { maxBatch: 1 }), {
      noise: 0.05,
      output: 'probability',
    });
    const n64 = await run(road, linearScene(TRUE_MAPS, { maxBatch: 64 }), {
      noise: 0.05,
      output: 'probability',
    });
    expect(n1).toEqual(n64);
    expect(n1).not.toEqual(a);
  });

  it('removing the pixels the model reads first (MoRF) costs more than removing them last (LeRF)', async () => {
    // A smooth ramp with 4 isolated bright spikes; the logit reads only the spikes. Imputation turns a
    // removed spike into its neighbours' ramp value, so the output drops as soon as the spikes go.
    const shape: Shape = [8, 8, 1];
    const spikes = [9, 22, 45, 53];
    const img = Float32Array.from({ length: 64 }, (_, p) => 0.1 + 0.01 * (p % 8) + 0.02 * Math.floor(p / 8));
    const w = new Float32Array(64);
    for (const p of spikes) {
      img[p] += 0.7;
      w[p] = 5;
    }
    const model = linearModel(shape, [new Float32Array(64), w], [0, -10]);
    const scene: Scene = { model, shape, images: [img], maps: [w.map((v, p) => v * img[p])], targets: [1] };
    const [most] = scores(await run(road, scene, { noise: 0, output: 'probability' }));
    const [least] = scores(await run(road, scene, { noise: 0, output: 'probability', order: 'least' }));
    expect(most).toBeLessThan(least - 0.3);
    // 10% and 20% (6 and 12 pixels) remove all 4 spikes first under MoRF: the argmax flips (accuracy 0),
    // while LeRF removes only unread ramp pixels (accuracy 1).
    const [clean] = await run(road, scene, { noise: 0, percentages: [1] });
    expect(clean.score).toBe(1);
    expect(scores(await run(road, scene, { noise: 0, percentages: [10, 20] }))).toEqual([0]);
    expect(scores(await run(road, scene, { noise: 0, percentages: [10, 20], order: 'least' }))).toEqual([1]);
  });
});

describe('faithfulness-correlation', () => {
  it('is 1 for the exact attribution of a linear model with the logit output, -1 for its negation', async () => {
    // Replacing subset S by the baseline b drops the logit by sum_{p in S} sum_k W_pk (x_pk - b): the map's subset sum.
    const base = 0.2;
    const maps = IMAGES.map((x) => exactMap(W1, x, base, 3));
    const r = scores(
      await run(faithfulnessCorrelation, linearScene(maps), { baseline: base, runs: 30, subset: 10 }),
    );
    for (const v of r) expect(v).toBeCloseTo(1, 5);
    const neg = scores(
      await run(faithfulnessCorrelation, linearScene(maps.map((m) => m.map((v) => -v))), {
        baseline: base,
        runs: 30,
        subset: 10,
      }),
    );
    for (const v of neg) expect(v).toBeCloseTo(-1, 5);
  });

  it('a single sigmoid unit explains target 0 by -z: the negated exact map scores 1', async () => {
    const model = linearModel(SHAPE, [W1]);
    const maps = IMAGES.map((x) => exactMap(W1, x, 0, 3).map((v) => -v));
    const r = scores(
      await run(
        faithfulnessCorrelation,
        { model, shape: SHAPE, images: IMAGES, maps, targets: [0, 0, 0, 0] },
        { runs: 20 },
      ),
    );
    for (const v of r) expect(v).toBeCloseTo(1, 5);
  });

  it('clamps the subset to pixels - 1 and says so', async () => {
    const [r] = await run(faithfulnessCorrelation, linearScene(TRUE_MAPS), { runs: 10 });
    expect(r.details?.subset).toBe(35);
  });
});

describe('batch size invariance', () => {
  it('maxBatch 1 and 64 give identical scores for every check', async () => {
    const cases: [AnyCheck, Record<string, unknown>][] = [
      [deletion, { steps: 9, fill: 'noise' }],
      [insertion, { steps: 9 }],
      [road, { percentages: [10, 50, 90], output: 'probability' }],
      [faithfulnessCorrelation, { runs: 12, subset: 5 }],
    ];
    for (const [check, opts] of cases) {
      const a = await run(check, linearScene(RANDOM_MAPS, { maxBatch: 1 }), opts);
      const b = await run(check, linearScene(RANDOM_MAPS, { maxBatch: 64 }), opts);
      expect(a, check.id).toEqual(b);
      expect(
        a.every((s) => s.score !== null),
        check.id,
      ).toBe(true);
    }
  });
});

describe('parity with Quantus 0.6.0 (fixtures/reference/quantus-faithfulness)', async () => {
  interface Ref {
    shape: Shape;
    model: { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] };
    x: number[][];
    maps: number[][];
    logits: number[][];
    targets: number[];
    pixelFlipping: { curves: number[][] };
    road: { percentages: number[]; correct: number[][]; probability: number[][] };
    faithfulnessCorrelation: { xaudit: { runs: number; subset: number; seed: number }; scores: number[] };
  }
  const ref = JSON.parse(
    await readFile(
      new URL('../../fixtures/reference/quantus-faithfulness/quantus.json', import.meta.url),
      'utf8',
    ),
  ) as Ref;
  // The torch MLP, Flatten -> Linear -> ReLU -> Linear, on one channel (NHWC flattening = NCHW's).
  const mlp = functionModel(ref.shape, 3, (x) => {
    const hidden = ref.model.w1.map((row, j) =>
      Math.max(
        0,
        row.reduce((s, v, p) => s + v * x[p], ref.model.b1[j]),
      ),
    );
    return ref.model.w2.map((row, k) => row.reduce((s, v, j) => s + v * hidden[j], ref.model.b2[k]));
  });
  const scene = (): Scene => ({
    model: mlp,
    shape: ref.shape,
    images: ref.x.map((v) => Float32Array.from(v)),
    maps: ref.maps.map((v) => Float32Array.from(v)),
    targets: ref.targets,
  });

  it('the rebuilt model gives the logits torch gave', async () => {
    const z = (await mlp.forward(Float32Array.from(ref.x.flat()), ref.x.length)).logits;
    for (const [i, row] of ref.logits.entries())
      for (const [k, v] of row.entries()) expect(z[i * 3 + k]).toBeCloseTo(v, 5);
  });

  it('deletion (steps 16, fill 0) follows PixelFlipping(features_in_step=4, black) point for point', async () => {
    const ctx = context(scene());
    const opts = { order: 'most' as const, steps: 16, fill: { constant: 0 }, output: 'probability' as const };
    const got = await curves(ctx, 'deletion', opts, ctx.samples, ctx.targets, scene().maps);
    for (const [i, quantusCurve] of ref.pixelFlipping.curves.entries()) {
      const c = got[i];
      if (typeof c === 'string') throw new Error(c);
      // Quantus' curve starts after the first step; ours also has the clean point at fraction 0.
      expect(c.values.length).toBe(quantusCurve.length + 1);
      for (const [j, v] of quantusCurve.entries()) expect(c.values[j + 1]).toBeCloseTo(v, 5);
      // Quantus' AUC (np.trapz, dx=1) = steps * ours - (p0 + p1) / 2.
      const [d] = await run(
        deletion,
        { ...scene(), images: [scene().images[i]], maps: [scene().maps[i]], targets: [ref.targets[i]] },
        opts,
      );
      const quantusAuc = quantusCurve.slice(1).reduce((s, v, j) => s + (v + quantusCurve[j]) / 2, 0);
      expect(16 * (d.score as number) - (c.values[0] + c.values[1]) / 2).toBeCloseTo(quantusAuc, 4);
    }
  });

  it('faithfulness-correlation matches FaithfulnessCorrelation (logits, black) on the same subsets', async () => {
    // The script feeds Quantus the subsets of xaudit's RNG for (seed 7, 'faith', s<i>.png): same draws, same numbers.
    const { runs, subset, seed } = ref.faithfulnessCorrelation.xaudit;
    expect(context(scene()).checkId).toBe('faith');
    const r = scores(await run(faithfulnessCorrelation, { ...scene(), seed }, { runs, subset, baseline: 0 }));
    for (const [i, v] of ref.faithfulnessCorrelation.scores.entries()) expect(r[i]).toBeCloseTo(v, 5);
  });

  it('road with noise 0 matches ROAD(noise=0): correctness and probabilities at every percentage', async () => {
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const acc = scores(await run(road, scene(), { noise: 0 }));
    const prob = scores(await run(road, scene(), { noise: 0, output: 'probability' }));
    for (let i = 0; i < ref.targets.length; i++) {
      expect(acc[i]).toBeCloseTo(mean(ref.road.correct[i]), 10);
      expect(prob[i]).toBeCloseTo(mean(ref.road.probability[i]), 5);
    }
    // Percentage by percentage, one at a time.
    for (const [pi, p] of ref.road.percentages.entries()) {
      if (pi % 7 !== 0) continue;
      const r = scores(await run(road, scene(), { noise: 0, output: 'probability', percentages: [p] }));
      for (let i = 0; i < ref.targets.length; i++) expect(r[i]).toBeCloseTo(ref.road.probability[i][pi], 5);
    }
  });
});

describe('in an audit (spec parsing, explanation maps, runner)', () => {
  const H = 6;
  let dir: string;
  const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [H, H, 3] };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xaudit-faith-'));
    for (const [name, seed] of [
      ['a.png', 'pa'],
      ['b.png', 'pb'],
    ]) {
      const px = Buffer.from(Array.from(uniform(H * H * 3, seed), (v) => Math.round(v * 255)));
      await sharp(px, { raw: { width: H, height: H, channels: 3 } })
        .png()
        .toFile(join(dir, name));
    }
    await writeFile(join(dir, 'm.csv'), 'path,label\na.png,wolf\nb.png,husky\n');
    await writeFile(join(dir, 'model.json'), '{}');
  });

  const specText = (
    check: string,
    unit = 'occlusion-agreement',
    expect = '{ mean: { ">=": 0.99 } }',
  ) => `version: 1
seed: 3
model: { path: model.json, classes: [husky, wolf], input: { size: [${H}, ${H}] } }
data: { val: { manifest: m.csv } }
explanations:
  ig: { method: integrated-gradients, steps: 8, baseline: black }
checks:
  - { id: o, check: ${unit}, explanation: ig, ${check}, expect: ${expect} }
`;

  async function audit(check: string, unit?: string, expect?: string) {
    const spec = await parseSpec(specText(check, unit, expect), join(dir, 'spec.yaml'));
    const w = uniform(H * H * 3, 'occ-w', -1, 1);
    const prepared = await preparedOn(
      spec,
      linearModel([H, H, 3], [w.map((v) => -v), w]),
      join(dir, 'm.csv'),
      ['husky', 'wolf'],
      transform,
    );
    return (await runAudit(prepared)).report.checks[0];
  }

  it('IG with a black baseline and input-x-gradient agree exactly on a linear model (Spearman 1)', async () => {
    const r = await audit('reference: { method: input-x-gradient }');
    expect(r.outcome, r.message).toBe('pass');
    expect(r.stats.mean).toBeCloseTo(1, 10);
  });

  it('without reference it still compares with occlusion (existing specs unchanged)', async () => {
    // A 1x1 occlusion window with baseline 0 on a linear model is W * x per value: IG's map again.
    const r = await audit('occlusion: { window: [1, 1], stride: [1, 1], baseline: 0 }');
    expect(r.outcome, r.message).toBe('pass');
  });

  it('an unknown method or option is a spec error with a did-you-mean', async () => {
    await expect(
      parseSpec(specText('reference: { method: integrated-gradient }'), join(dir, 's.yaml')),
    ).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      hint: "Did you mean 'integrated-gradients'?",
    });
    await expect(
      parseSpec(specText('reference: { method: integrated-gradients, stpes: 8 }'), join(dir, 's.yaml')),
    ).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringMatching(/Unknown option 'stpes'/),
      hint: "Did you mean 'steps'?",
    });
    await expect(
      parseSpec(specText('reference: { method: integrated-gradients, steps: many }'), join(dir, 's.yaml')),
    ).rejects.toMatchObject({ code: 'SPEC_INVALID', message: expect.stringMatching(/Expected integer/) });
    await expect(parseSpec(specText('reference: { steps: 8 }'), join(dir, 's.yaml'))).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringMatching(/Missing required field 'method'/),
    });
  });

  it('faithfulness-correlation of IG (black baseline) on a linear model is 1 end to end', async () => {
    const r = await audit('runs: 20, subset: 8', 'faithfulness-correlation', '{ min: { ">=": 0.9999 } }');
    expect(r.outcome, r.message).toBe('pass');
  });

  it('deletion, insertion and ROAD score every sample through the runner', async () => {
    for (const [unit, opts] of [
      ['deletion', 'steps: 12'],
      ['insertion', 'fill: { blur: 1 }, steps: 12'],
      ['road', 'percentages: [20, 60], noise: 0'],
    ]) {
      const r = await audit(opts, unit, '{ mean: { ">=": 0 } }');
      expect(r.outcome, `${unit}: ${r.message}`).toBe('pass');
      expect(r.samples.every((x) => x.score !== null && x.score >= 0 && x.score <= 1)).toBe(true);
    }
  });

  it('a misspelt fill is a spec error with a did-you-mean', async () => {
    await expect(parseSpec(specText('fill: blurr', 'deletion'), join(dir, 's.yaml'))).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      hint: "Did you mean 'blur'?",
    });
    await expect(
      parseSpec(specText('fill: { constnt: 0 }', 'insertion'), join(dir, 's.yaml')),
    ).rejects.toMatchObject({ code: 'SPEC_INVALID', hint: "Did you mean 'constant'?" });
    await expect(
      parseSpec(specText('fill: { blur: -1 }', 'insertion'), join(dir, 's.yaml')),
    ).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringMatching(/-1 must be > 0/),
    });
  });
});
