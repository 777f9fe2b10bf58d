import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import type { CheckReport } from '../../src/audit/report.js';
import { runAudit } from '../../src/audit/run.js';
import type { InputTransform } from '../../src/data/input.js';
import type { Model } from '../../src/models/model.js';
import { fixedRandom } from '../helpers/analytic-models.js';
import { linearModel } from '../helpers/linear-model.js';
import { preparedOn } from '../helpers/prepared.js';

// 8x8 RGB images of seeded pixel values in [40, 215] / 255: a radius of 0.02 (pixel units) is
// never clipped, so the closed forms below hold exactly.
const H = 8;
const SIZE = H * H * 3;
const NAMES = ['a.png', 'b.png', 'c.png', 'd.png'];
let dir: string;
let pixels: Float32Array[];
// Non-trivial normalisation: a radius taken in normalised units would be off by 1/std.
const transform: InputTransform = {
  range: [0, 1],
  mean: [0.4, 0.5, 0.6],
  std: [0.5, 0.25, 2],
  shape: [H, H, 3],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-robustness-'));
  pixels = [];
  for (const [i, name] of NAMES.entries()) {
    const px = Buffer.from(Array.from(fixedRandom(SIZE, 30 + i), (v) => Math.round(127.5 + v * 87.5)));
    pixels.push(Float32Array.from(px, (v) => v / 255));
    await sharp(px, { raw: { width: H, height: H, channels: 3 } })
      .png()
      .toFile(join(dir, name));
  }
  await writeFile(
    join(dir, 'm.csv'),
    `path,label\n${NAMES.map((n, i) => `${n},${i % 2 ? 'wolf' : 'husky'}`).join('\n')}\n`,
  );
  await writeFile(join(dir, 'model.json'), '{}');
});

// Class 1 (wolf) weights; class 0 is their negation. Targets are the labels.
const W = fixedRandom(SIZE, 77);
const linear = () => linearModel([H, H, 3], [W.map((v) => -v), W], [0, 0.1]);

async function audit(checksYaml: string, model: Model, opts: { seed?: number; batch?: number } = {}) {
  const spec = await parseSpec(
    `version: 1
seed: ${opts.seed ?? 3}
model: { path: model.json, classes: [husky, wolf], input: { size: [8, 8] }, batch_size: ${opts.batch ?? 32} }
data: { val: { manifest: m.csv } }
explanations:
  sal: { method: saliency }
  ixg: { method: input-x-gradient }
checks:
${checksYaml}`,
    join(dir, 'spec.yaml'),
  );
  const prepared = await preparedOn(spec, model, join(dir, 'm.csv'), ['husky', 'wolf'], transform);
  return (await runAudit(prepared)).report.checks;
}

const scores = (r: CheckReport) => r.samples.map((s) => s.score);

/**
 * Input x gradient of the linear model: a_p(x) = sum_c s w_pc x_pc (normalised x, s = -1 for class
 * 0), so under pixel noise delta, a_p(x') - a_p(x) = sum_c s w_pc delta_pc / std_c exactly. With
 * |delta| <= r: ||a(x') - a(x)||_2 <= r * sqrt(sum_p (sum_c |w_pc| / std_c)^2), and for uniform noise
 * E||a(x') - a(x)||_2^2 = r^2 / 3 * sum_pc (w_pc / std_c)^2.
 */
function linearIxg(i: number, r: number) {
  const s = i % 2 ? 1 : -1;
  let a2 = 0;
  let bound2 = 0;
  let expected2 = 0;
  for (let p = 0; p < H * H; p++) {
    let a = 0;
    let abs = 0;
    for (let c = 0; c < 3; c++) {
      const q = p * 3 + c;
      const v = W[q] / transform.std[c];
      a += s * W[q] * ((pixels[i][q] - transform.mean[c]) / transform.std[c]);
      abs += Math.abs(v);
      expected2 += v * v;
    }
    a2 += a * a;
    bound2 += abs * abs;
  }
  const norm = Math.sqrt(a2);
  return { bound: (r * Math.sqrt(bound2)) / norm, rms: (r * Math.sqrt(expected2 / 3)) / norm };
}

describe('max-sensitivity and avg-sensitivity', () => {
  it('are 0 for a map that does not depend on the input (saliency of a linear model)', async () => {
    const [max, avg] = await audit(
      `  - { id: max, check: max-sensitivity, explanation: sal, radius: 0.1, expect: { max: { "<=": 0 } } }
  - { id: avg, check: avg-sensitivity, explanation: sal, radius: 0.1, expect: { max: { "<=": 0 } } }
`,
      linear(),
    );
    expect(scores(max)).toEqual([0, 0, 0, 0]);
    expect(scores(avg)).toEqual([0, 0, 0, 0]);
    expect(max.outcome, max.message).toBe('pass');
  });

  it('match the closed form of input x gradient on a linear model (bound and expected norm, pixel units)', async () => {
    const r = 0.02;
    const [max, avg] = await audit(
      `  - { id: max, check: max-sensitivity, explanation: ixg, radius: ${r}, samples: 200, expect: { max: { "<=": 1 } } }
  - { id: avg, check: avg-sensitivity, explanation: ixg, radius: ${r}, samples: 200, expect: { max: { "<=": 1 } } }
`,
      linear(),
    );
    for (let i = 0; i < NAMES.length; i++) {
      const { bound, rms } = linearIxg(i, r);
      const m = max.samples[i].score as number;
      const a = avg.samples[i].score as number;
      expect(m).toBeLessThanOrEqual(bound * (1 + 1e-5));
      expect(m).toBeGreaterThan(a);
      // The mean norm sits just under the root-mean-square norm (Jensen), within Monte Carlo error.
      expect(a / rms).toBeGreaterThan(0.95);
      expect(a / rms).toBeLessThan(1.02);
      // Each reports both reductions of its own draws (the streams are keyed by the check id).
      expect(max.samples[i].details?.max).toBe(m);
      expect(avg.samples[i].details?.mean).toBe(a);
      expect((max.samples[i].details?.mean as number) / rms).toBeGreaterThan(0.95);
    }
  });

  it('are seeded: the same scores for any batch size, other scores for another seed', async () => {
    const yaml = '  - { id: max, check: max-sensitivity, explanation: ixg, expect: { max: { "<=": 1 } } }\n';
    const [a] = await audit(yaml, linear(), { batch: 32 });
    const [b] = await audit(yaml, linear(), { batch: 1 });
    const [c] = await audit(yaml, linear(), { batch: 3 });
    const [d] = await audit(yaml, linear(), { seed: 4 });
    expect(scores(b)).toEqual(scores(a));
    expect(scores(c)).toEqual(scores(a));
    expect(scores(d)).not.toEqual(scores(a));
    for (const s of scores(a)) expect(s).toBeGreaterThan(0);
  });

  it('an all-zero map is a per-sample error, not a score', async () => {
    const zero = linearModel([H, H, 3], [new Float32Array(SIZE), new Float32Array(SIZE)]);
    const [r] = await audit(
      '  - { id: max, check: max-sensitivity, explanation: sal, expect: { max: { "<=": 1 } } }\n',
      zero,
    );
    expect(r.outcome).toBe('error');
    expect(r.samples[0].error).toMatch(/all zero/);
  });
});

describe('explanation-stability', () => {
  it('is 1 for a map that does not depend on the input, and for no noise', async () => {
    const [sal, none] = await audit(
      `  - { id: sal, check: explanation-stability, explanation: sal, stdev: 0.2, expect: { min: { ">=": 1 } } }
  - { id: none, check: explanation-stability, explanation: ixg, stdev: 0, metric: top-k-intersection, expect: { min: { ">=": 1 } } }
`,
      linear(),
    );
    expect(scores(sal)).toEqual([1, 1, 1, 1]);
    expect(sal.samples[0].details?.top_k_intersection).toBe(1);
    expect(scores(none)).toEqual([1, 1, 1, 1]);
  });

  it('falls as the noise grows (input x gradient of a linear model), and is seeded per sample', async () => {
    const [small, large] = await audit(
      `  - { id: small, check: explanation-stability, explanation: ixg, stdev: 0.01, expect: { min: { ">=": 0 } } }
  - { id: large, check: explanation-stability, explanation: ixg, stdev: 0.3, expect: { min: { ">=": 0 } } }
`,
      linear(),
    );
    for (let i = 0; i < NAMES.length; i++) {
      const s = small.samples[i];
      const l = large.samples[i];
      expect(s.score).toBeLessThan(1);
      expect(s.score).toBeGreaterThan(0.9);
      expect(l.score).toBeLessThan(s.score as number);
      expect(l.details?.top_k_intersection).toBeLessThan(s.details?.top_k_intersection as number);
    }
    const yaml =
      '  - { id: small, check: explanation-stability, explanation: ixg, stdev: 0.01, expect: { min: { ">=": 0 } } }\n';
    const [batched] = await audit(yaml, linear(), { batch: 1 });
    expect(scores(batched)).toEqual(scores(small));
  });

  it('a constant map is a per-sample error (it ranks nothing)', async () => {
    const flat = linearModel([H, H, 3], [new Float32Array(SIZE).fill(-1), new Float32Array(SIZE).fill(1)]);
    const [r] = await audit(
      '  - { id: s, check: explanation-stability, explanation: sal, expect: { min: { ">=": 0 } } }\n',
      flat,
    );
    expect(r.outcome).toBe('error');
    expect(r.samples[0].error).toMatch(/constant/);
  });
});

describe('adversarial-accuracy with PGD in a spec', () => {
  it('refuses PGD-only options on fgsm', async () => {
    await expect(
      audit(
        '  - { id: a, check: adversarial-accuracy, attack: { method: fgsm, epsilon: 0.1, steps: 5 }, expect: { accuracy: { ">=": 0 } } }\n',
        linear(),
      ),
    ).rejects.toThrow(/"steps" is not allowed/);
  });

  it('L2 PGD flips every correct sample just above the closed-form epsilon and none below it, for any batch size', async () => {
    // Two classes with weights -W and W: the logit margin m = 2 W . x_norm + 0.1 (wolf minus husky)
    // moves by at most epsilon * ||2 W / std||_2 in the pixel L2 ball.
    let wn = 0;
    for (let q = 0; q < SIZE; q++) wn += ((2 * W[q]) / transform.std[q % 3]) ** 2;
    const thresholds: number[] = [];
    for (const [i, x] of pixels.entries()) {
      let m = 0.1;
      for (let q = 0; q < SIZE; q++) m += 2 * W[q] * ((x[q] - transform.mean[q % 3]) / transform.std[q % 3]);
      if ((m > 0 ? 1 : 0) === i % 2) thresholds.push(Math.abs(m) / Math.sqrt(wn));
    }
    expect(thresholds.length).toBeGreaterThan(0);
    const run = (epsilon: number, batch?: number) =>
      audit(
        `  - { id: a, check: adversarial-accuracy, attack: { method: pgd, norm: l2, epsilon: ${epsilon} }, expect: { accuracy: { ">=": 0 } } }\n`,
        linear(),
        { batch },
      );
    const [below] = await run(0.98 * Math.min(...thresholds));
    expect(below.stats.clean_accuracy).toBe(thresholds.length / NAMES.length);
    expect(below.stats.attack_success_rate).toBe(0);
    // 1.05: from a random start 10 steps of 0.25 epsilon reach >= 98% of the optimal perturbation.
    const [above] = await run(1.05 * Math.max(...thresholds));
    expect(above.stats.attack_success_rate).toBe(1);
    expect(above.stats.accuracy).toBe(0);
    const [batched] = await run(1.05 * Math.max(...thresholds), 1);
    expect(batched.samples).toEqual(above.samples);
  });
});
