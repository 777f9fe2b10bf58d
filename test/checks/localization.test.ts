import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import type { CheckReport } from '../../src/audit/report.js';
import { runAudit } from '../../src/audit/run.js';
import {
  distanceSquared,
  energyPointingGame,
  expectedTopHits,
  massInRegion,
  pointingGame,
  relevanceRankAccuracy,
  topKIoU,
  topKPixels,
} from '../../src/checks/_core/localization.js';
import { complement, regionOf } from '../../src/checks/_core/region.js';
import type { InputTransform } from '../../src/data/input.js';
import type { Model } from '../../src/models/model.js';
import { linearModel } from '../helpers/linear-model.js';
import { preparedOn } from '../helpers/prepared.js';

/** A region of an h x w grid from a predicate on (row, column). */
function grid(h: number, w: number, f: (i: number, j: number) => number): Float64Array {
  return Float64Array.from({ length: h * w }, (_, p) => f(Math.floor(p / w), p % w));
}

describe('localization scores on constructed maps', () => {
  const h = 6;
  const w = 8;
  const box = Uint8Array.from(grid(h, w, (i, j) => (i >= 1 && i < 4 && j >= 2 && j < 6 ? 1 : 0)));
  const area = 12;

  it('a map that is the region scores 1 everywhere', () => {
    const perfect = grid(h, w, (i, j) => box[i * w + j] * 2.5);
    expect(pointingGame(perfect, box, h, w).score).toBe(1);
    expect(massInRegion(perfect, box).score).toBe(1);
    expect(relevanceRankAccuracy(perfect, box).score).toBe(1);
    expect(topKIoU(perfect, box).score).toBe(1);
    expect(energyPointingGame(perfect, box).score).toBe(1);
  });

  it('a map peaked outside the region scores 0; its rank accuracy is the tie expectation', () => {
    const n = h * w;
    const peak = grid(h, w, (i, j) => (i === 5 && j === 7 ? 1 : 0));
    expect(pointingGame(peak, box, h, w).score).toBe(0);
    expect(massInRegion(peak, box).score).toBe(0);
    expect(energyPointingGame(peak, box).score).toBe(0);
    // The peak takes one of the |R| slots; the other |R| - 1 come from the n - 1 tied zeros,
    // |R| of which are inside: (|R| - 1) * |R| / (n - 1) hits expected.
    expect(relevanceRankAccuracy(peak, box).score).toBeCloseTo((area - 1) / (n - 1), 12);
    expect(expectedTopHits(peak, box, area)).toBeCloseTo(((area - 1) * area) / (n - 1), 12);
  });

  it('pointing game: tied maxima hit when any is inside; tolerance is Euclidean between pixel centres', () => {
    const two = grid(h, w, (i, j) => ((i === 0 && j === 0) || (i === 2 && j === 3) ? 1 : 0.5));
    expect(pointingGame(two, box, h, w).score).toBe(1);
    const dot = Uint8Array.from(grid(7, 7, (i, j) => (i === 2 && j === 2 ? 1 : 0)));
    const farRight = grid(7, 7, (i, j) => (i === 2 && j === 5 ? 1 : 0)); // 3 px away
    expect(pointingGame(farRight, dot, 7, 7, 2.9).score).toBe(0);
    expect(pointingGame(farRight, dot, 7, 7, 3).score).toBe(1);
    const diagonal = grid(7, 7, (i, j) => (i === 4 && j === 4 ? 1 : 0)); // sqrt(8) = 2.828 px away
    expect(pointingGame(diagonal, dot, 7, 7, 2.82).score).toBe(0);
    expect(pointingGame(diagonal, dot, 7, 7, 2.83).score).toBe(1);
    // Chance: the grown region's share; a dot grown by 1 is a plus of 5 pixels.
    expect(pointingGame(diagonal, dot, 7, 7, 1).details?.chance).toBeCloseTo(5 / 49, 12);
    expect(pointingGame(diagonal, dot, 7, 7).details).toMatchObject({ x: 4, y: 4, chance: 1 / 49 });
  });

  it('distanceSquared is the exact squared Euclidean distance to the region (against brute force)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const [hh, ww, density] of [
      [9, 13, 0.05],
      [13, 9, 0.2],
      [1, 11, 0.1],
      [16, 16, 0.01],
    ]) {
      const region = Uint8Array.from({ length: hh * ww }, () => (rand() < density ? 1 : 0));
      region[Math.floor(rand() * hh * ww)] = 1;
      const d = distanceSquared(region, hh, ww);
      for (let p = 0; p < hh * ww; p++) {
        let best = Number.POSITIVE_INFINITY;
        for (let q = 0; q < hh * ww; q++) {
          if (!region[q]) continue;
          const di = Math.floor(p / ww) - Math.floor(q / ww);
          const dj = (p % ww) - (q % ww);
          best = Math.min(best, di * di + dj * dj);
        }
        expect(d[p]).toBe(best);
      }
    }
  });

  it('energy pointing game min-max normalises: shifts and scales of the map change nothing', () => {
    // A ramp 0, 1, 2, 3 over a row with the right half as region: e = 0, 1/3, 2/3, 1 -> (5/3) / 2.
    const ramp = [0, 1, 2, 3];
    const right = [0, 0, 1, 1];
    expect(energyPointingGame(ramp, right).score).toBeCloseTo(5 / 6, 12);
    expect(
      energyPointingGame(
        ramp.map((v) => 7 + 4 * v),
        right,
      ).score,
    ).toBeCloseTo(5 / 6, 12);
    // Mass drops negative values instead: -1 outside and +1 inside is all inside for both.
    const signed = [-1, -1, 1, 1];
    expect(energyPointingGame(signed, right).score).toBe(1);
    expect(massInRegion(signed, right).score).toBe(1);
    expect(massInRegion([-1, 2, 1, 1], right).score).toBeCloseTo(0.5, 12);
  });

  it('top-k IoU: k pixels of the map against the region, I / (k + |R| - I)', () => {
    const ranked = grid(h, w, (i, j) => box[i * w + j] * 10 + (i * w + j) / 100); // region first
    expect(topKIoU(ranked, box, area).score).toBe(1);
    const twice = topKIoU(ranked, box, 2 * area);
    expect(twice.score).toBeCloseTo(area / (2 * area), 12);
    expect(twice.details?.precision).toBeCloseTo(0.5, 12);
    expect(topKIoU(ranked, box, 3).score).toBeCloseTo(3 / area, 12);
    expect(topKPixels('region', box)).toBe(area);
    expect(topKPixels(0.1, box)).toBe(5); // round(0.1 * 48)
    expect(topKPixels(1e-9, box)).toBe(1);
    expect(topKIoU(ranked, box, 0).error).toMatch(/not between 1 and the 48 pixels/);
  });

  it('per-sample problems are errors with a reason, never a number', () => {
    const empty = new Uint8Array(h * w);
    const ok = grid(h, w, (i, j) => i + j);
    const nan = ok.slice();
    nan[3] = Number.NaN;
    const inf = ok.slice();
    inf[5] = Number.POSITIVE_INFINITY;
    const zero = new Float64Array(h * w);
    const constant = new Float64Array(h * w).fill(0.3);
    const negative = new Float64Array(h * w).fill(-1);
    const all = [
      (m: ArrayLike<number>, r: ArrayLike<number>) => pointingGame(m, r, h, w),
      (m: ArrayLike<number>, r: ArrayLike<number>) => relevanceRankAccuracy(m, r),
      (m: ArrayLike<number>, r: ArrayLike<number>) => topKIoU(m, r),
      (m: ArrayLike<number>, r: ArrayLike<number>) => energyPointingGame(m, r),
      (m: ArrayLike<number>, r: ArrayLike<number>) => massInRegion(m, r),
    ];
    for (const f of all) {
      expect(f(ok, empty)).toEqual({ score: null, error: 'the region covers no pixel at model resolution' });
      expect(f(nan, box).error).toBe('the attribution contains NaN or infinity');
      expect(f(inf, box).error).toBe('the attribution contains NaN or infinity');
      expect(f(zero, box).score).toBeNull();
      expect(f(ok, box.subarray(1)).error).toMatch(/the attribution has 48 pixels, the region 47/);
    }
    for (const f of all.slice(0, 4)) {
      expect(f(zero, box).error).toBe('the attribution is zero everywhere');
      expect(f(constant, box).error).toBe('the attribution is constant: it singles out no pixel');
    }
    expect(massInRegion(zero, box).error).toBe('the attribution has no positive mass');
    expect(massInRegion(negative, box).error).toBe('the attribution has no positive mass');
    expect(massInRegion(ok, empty, 'mask').error).toBe('the mask covers no pixel at model resolution');
  });

  it('regionOf prefers the segmentation mask to the boxes', () => {
    const m = Uint8Array.of(1, 0);
    const b = Uint8Array.of(0, 1);
    expect(regionOf({ mask: m, boxMask: b })).toEqual({ mask: m, source: 'mask' });
    expect(regionOf({ mask: null, boxMask: b })).toEqual({ mask: b, source: 'box' });
    expect(regionOf({ mask: null, boxMask: null })).toBeNull();
    expect(Array.from(complement(b))).toEqual([1, 0]);
  });
});

// End to end: 8x8 scenes, an "animal" in [2,2,6,6) given as a box, as a mask PNG, or both.
const H = 8;
const BOX = [2, 2, 6, 6] as const;
const inBox = (p: number) => {
  const y = Math.floor(p / H);
  const x = p % H;
  return x >= BOX[0] && x < BOX[2] && y >= BOX[1] && y < BOX[3];
};
let dir: string;
const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [H, H, 3] };

async function png(name: string, value: (p: number) => number, channels: 1 | 3) {
  const px = Buffer.alloc(H * H * channels);
  for (let p = 0; p < H * H; p++) px.fill(value(p), p * channels, (p + 1) * channels);
  await sharp(px, { raw: { width: H, height: H, channels } })
    .png()
    .toFile(join(dir, name));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-localization-'));
  await png('w.png', (p) => (inBox(p) ? 100 : 230), 3);
  await png('h.png', (p) => (inBox(p) ? 160 : 30), 3);
  await png('animal.png', (p) => (inBox(p) ? 255 : 0), 1);
  // The left half of the animal only: x in [2, 4).
  await png('left.png', (p) => (inBox(p) && p % H < 4 ? 1 : 0), 1);
  const box = BOX.join(' ');
  await writeFile(join(dir, 'box.csv'), `path,label,box\nw.png,wolf,${box}\nh.png,husky,${box}\n`);
  await writeFile(join(dir, 'mask.csv'), 'path,label,mask\nw.png,wolf,animal.png\nh.png,husky,animal.png\n');
  await writeFile(
    join(dir, 'both.csv'),
    `path,label,box,mask\nw.png,wolf,${box},left.png\nh.png,husky,${box},left.png\n`,
  );
  await writeFile(join(dir, 'none.csv'), 'path,label\nw.png,wolf\nh.png,husky\n');
  await writeFile(join(dir, 'model.json'), '{}');
});

async function audit(manifest: string, checksYaml: string, model: Model): Promise<CheckReport[]> {
  const spec = await parseSpec(
    `version: 1
seed: 3
model: { path: model.json, classes: [husky, wolf], input: { size: [8, 8] } }
data: { val: { manifest: ${manifest} } }
explanations:
  sal: { method: saliency }
checks:
${checksYaml}`,
    join(dir, 'spec.yaml'),
  );
  const prepared = await preparedOn(spec, model, join(dir, manifest), ['husky', 'wolf'], transform);
  return (await runAudit(prepared)).report.checks;
}

/** Class-1 weights f(p) on every channel, class 0 their negation: saliency = 6|f(p)| per pixel. */
function linear(f: (p: number) => number): Model {
  const w1 = new Float32Array(H * H * 3);
  for (let p = 0; p < H * H; p++) w1.fill(f(p), p * 3, p * 3 + 3);
  return linearModel([H, H, 3], [w1.map((v) => -v), w1]);
}
const animalModel = () => linear((p) => (inBox(p) ? -0.02 : 0));
const backgroundModel = () => linear((p) => (inBox(p) ? 0 : 0.02));

const ALL = `  - { id: pg, check: pointing-game, explanation: sal, expect: { mean: { ">=": 0.5 } } }
  - { id: rra, check: relevance-rank-accuracy, explanation: sal, expect: { mean: { ">=": 0.5 } } }
  - { id: iou, check: top-k-iou, explanation: sal, expect: { mean: { ">=": 0.5 } } }
  - { id: energy, check: energy-pointing-game, explanation: sal, expect: { mean: { ">=": 0.5 } } }
  - { id: mass, check: attribution-mass-in-box, explanation: sal, expect: { mean: { ">=": 0.5 } } }
  - { id: spurious, check: attribution-mass-in-region, explanation: sal, region: mask, expect: { mean: { "<=": 0.5 } } }
`;

describe('localization checks through runAudit', () => {
  it('with a mask column only: the animal model scores 1 on the object, the background model 0', async () => {
    const good = await audit('mask.csv', ALL, animalModel());
    for (const r of good) {
      expect(r.stats.mean, r.id).toBe(1);
      expect(r.outcome, r.id).toBe(r.id === 'spurious' ? 'fail' : 'pass');
      expect(r.samples[0].details?.region ?? 'mask', r.id).toBe('mask');
    }
    expect(good.find((r) => r.id === 'mass')?.stats.chance).toBe(16 / 64);
    const bad = await audit('mask.csv', ALL, backgroundModel());
    for (const r of bad) {
      expect(r.stats.mean, r.id).toBe(0);
      expect(r.outcome, r.id).toBe(r.id === 'spurious' ? 'pass' : 'fail');
    }
  });

  it('a mask takes precedence over the box: half the animal holds half the mass', async () => {
    const [mass, pg] = await audit(
      'both.csv',
      `  - { id: mass, check: attribution-mass-in-box, explanation: sal, expect: { mean: { ">=": 0.9 } } }
  - { id: pg, check: pointing-game, explanation: sal, expect: { mean: { ">=": 0.9 } } }
`,
      animalModel(),
    );
    expect(mass.stats.mean).toBeCloseTo(0.5, 6);
    expect(mass.stats.chance).toBe(8 / 64);
    expect(mass.samples[0].details?.region).toBe('mask');
    expect(mass.outcome).toBe('fail');
    expect(pg.stats.mean).toBe(1); // the uniform maximum covers the mask too
  });

  it('attribution-mass-in-region outside-box measures the background', async () => {
    const yaml =
      '  - { id: bg, check: attribution-mass-in-region, explanation: sal, region: outside-box, expect: { mean: { "<=": 0.2 } } }\n';
    const [clean] = await audit('box.csv', yaml, animalModel());
    expect(clean.stats.mean).toBe(0);
    expect(clean.stats.chance).toBe(48 / 64);
    expect(clean.outcome).toBe('pass');
    const [cheat] = await audit('box.csv', yaml, backgroundModel());
    expect(cheat.stats.mean).toBe(1);
    expect(cheat.outcome).toBe('fail');
    // Asking for a mask on a box-only manifest: every sample says why.
    const [noMask] = await audit('box.csv', yaml.replace('outside-box', 'mask'), animalModel());
    expect(noMask.outcome).toBe('error');
    expect(noMask.samples[0].error).toBe('the sample has no mask');
  });

  it('a manifest with neither boxes nor masks is refused up front', async () => {
    const [r] = await audit('none.csv', ALL.split('\n')[0], animalModel());
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/needs a 'box' or 'mask' column/);
  });

  it("regression: a mask-only manifest passed background-swap's box check, then every sample errored", async () => {
    const [r] = await audit(
      'mask.csv',
      '  - { id: swap, check: background-swap, background: fill, expect: { flip_rate: { "<=": 0.1 } } }\n',
      animalModel(),
    );
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/needs a 'box' column/);
    expect(r.samples).toEqual([]);
  });
});
