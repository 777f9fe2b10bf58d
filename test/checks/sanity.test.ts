/**
 * Sanity checks (Adebayo et al. 2018; Sixt et al. 2020) on a real model and on methods with known
 * behaviour: gradient maps change when the model is randomised, an input-only edge detector does
 * not (similarity exactly 1: the check fails it, as in the paper); a model whose classes look at
 * disjoint pixels gives class-specific maps, one whose classes share them does not.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import type { PreparedAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';
import { spearman } from '../../src/checks/_core/stats.js';
import { modelParameterRandomisation as mprt } from '../../src/checks/model-parameter-randomisation.js';
import { randomLogit } from '../../src/checks/random-logit.js';
import type { ExplanationHandle, SampleScore } from '../../src/checks/types.js';
import type { InputTransform } from '../../src/data/input.js';
import type { Method } from '../../src/methods/types.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { randomiseGraph } from '../../src/models/randomise.js';
import { checkContext } from '../helpers/check-context.js';
import { linearModel } from '../helpers/linear-model.js';
import { preparedOn } from '../helpers/prepared.js';
import { GraphBuilder } from '../models/helpers/ir-build.js';

const H = 16;
const CLASSES = ['a', 'b', 'c'];
const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [H, H, 3] };
let dir: string;

/** A textured background with a bright square at (x0, y0): edges for Sobel, structure for SSIM. */
async function scene(name: string, x0: number, y0: number, seed: number) {
  const px = Buffer.alloc(H * H * 3);
  let s = seed;
  for (let p = 0; p < H * H; p++) {
    const x = p % H;
    const y = Math.floor(p / H);
    s = (s * 1103515245 + 12345) >>> 0;
    const inside = x >= x0 && x < x0 + 6 && y >= y0 && y < y0 + 6;
    for (let k = 0; k < 3; k++) px[p * 3 + k] = inside ? 200 + k * 20 : 40 + ((s >>> (8 + k * 4)) & 63);
  }
  await sharp(px, { raw: { width: H, height: H, channels: 3 } })
    .png()
    .toFile(join(dir, name));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-sanity-'));
  const rows = ['path,label'];
  for (let i = 0; i < 6; i++) {
    await scene(`s${i}.png`, 1 + 2 * i, 9 - i, 17 + i);
    rows.push(`s${i}.png,${CLASSES[i % 3]}`);
  }
  await writeFile(join(dir, 'm.csv'), `${rows.join('\n')}\n`);
  await writeFile(join(dir, 'model.json'), '{}');
});

async function prepare(checksYaml: string, model: Model): Promise<PreparedAudit> {
  const spec = await parseSpec(
    `version: 1
seed: 5
model: { path: model.json, classes: [a, b, c], input: { size: [16, 16] }, batch_size: 4 }
data: { val: { manifest: m.csv } }
explanations:
  sal: { method: saliency }
checks:
${checksYaml}`,
    join(dir, 'spec.yaml'),
  );
  return preparedOn(spec, model, join(dir, 'm.csv'), CLASSES, transform);
}

/** Sobel gradient magnitude of the input, summed over channels: it never looks at the model. */
const sobel: Method<Record<string, never>> = {
  id: 'sobel-edges',
  title: 'Sobel edges (test)',
  summary: 'An edge detector posing as an attribution method.',
  references: [],
  schema: { type: 'object', properties: {}, additionalProperties: false },
  defaults: {},
  optionDocs: {},
  family: 'gradient',
  completeness: false,
  async attribute(model, batch) {
    const [h, w, c] = model.info.inputShape;
    const out = new Float32Array(batch.n * h * w);
    const at = (i: number, y: number, x: number, k: number) =>
      batch.x[((i * h + Math.min(h - 1, Math.max(0, y))) * w + Math.min(w - 1, Math.max(0, x))) * c + k];
    for (let i = 0; i < batch.n; i++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let m = 0;
          for (let k = 0; k < c; k++) {
            const gx =
              at(i, y - 1, x + 1, k) +
              2 * at(i, y, x + 1, k) +
              at(i, y + 1, x + 1, k) -
              at(i, y - 1, x - 1, k) -
              2 * at(i, y, x - 1, k) -
              at(i, y + 1, x - 1, k);
            const gy =
              at(i, y + 1, x - 1, k) +
              2 * at(i, y + 1, x, k) +
              at(i, y + 1, x + 1, k) -
              at(i, y - 1, x - 1, k) -
              2 * at(i, y - 1, x, k) -
              at(i, y - 1, x + 1, k);
            m += Math.hypot(gx, gy);
          }
          out[(i * h + y) * w + x] = m;
        }
      }
    }
    return { values: out, shape: [batch.n, h, w, 1] };
  },
};
const edges: ExplanationHandle = { id: 'edges', method: sobel, options: {} };

const scores = (s: SampleScore[]) => s.map((r) => r.score);

describe('model-parameter-randomisation', () => {
  let cnn: Model;
  beforeAll(async () => {
    cnn = await loadModel('fixtures/models/tiny-cnn/model.json', { engine: 'cpu' });
  });
  afterAll(() => cnn.dispose());

  it('saliency maps change when the model is randomised; the original model is untouched', async () => {
    const prepared = await prepare(
      '  - { id: r, check: model-parameter-randomisation, explanation: sal, expect: { mean: { "<=": 0.9 } } }\n',
      cnn,
    );
    const x = (await prepared.datasets.get('val')!.stack(prepared.datasets.get('val')!.samples)).x;
    const before = (await cnn.forward(x, 6)).logits;
    const [r] = (await runAudit(prepared)).report.checks;
    expect(r.outcome, r.message).toBe('pass');
    for (const s of r.samples) {
      expect(s.error).toBeUndefined();
      expect(s.score!).toBeLessThan(0.9);
      // Cascading, output first; the score is the last step's.
      expect(Object.keys(s.details!).filter((k) => k.startsWith('layer:'))).toEqual([
        'layer:probs',
        'layer:conv3',
        'layer:bn2',
        'layer:conv2',
        'layer:conv1',
      ]);
      expect(s.details!['layer:conv1']).toBe(s.score);
      expect(s.details!.spearman).toBe(s.score);
      expect(typeof s.details!.ssim).toBe('number');
    }
    expect(Object.keys(r.breakdown.mean_similarity_by_layer)).toHaveLength(5);
    expect((await cnn.forward(x, 6)).logits).toEqual(before);
  });

  it('an input-only edge detector keeps similarity exactly 1 (it fails the check)', async () => {
    const prepared = await prepare(
      '  - { id: r, check: model-parameter-randomisation, explanation: sal, expect: { mean: { "<=": 0.9 } } }\n',
      cnn,
    );
    for (const similarity of ['spearman', 'ssim'] as const) {
      const opts = { ...mprt.defaults, similarity };
      const s = await mprt.evaluate(checkContext(prepared, 0, edges), opts);
      for (const r of s) {
        expect(r.error).toBeUndefined();
        expect(r.score).toBeCloseTo(1, 12);
        expect(r.details!.ssim).toBeCloseTo(1, 12);
      }
    }
  });

  it('is deterministic; cascading and independent agree on the first (top) step', async () => {
    const prepared = await prepare(
      '  - { id: r, check: model-parameter-randomisation, explanation: sal, expect: { mean: { "<=": 1 } } }\n',
      cnn,
    );
    const cascading = await mprt.evaluate(checkContext(prepared), mprt.defaults);
    expect(scores(await mprt.evaluate(checkContext(prepared), mprt.defaults))).toEqual(scores(cascading));
    const independent = await mprt.evaluate(checkContext(prepared), {
      ...mprt.defaults,
      mode: 'independent',
    });
    for (const [i, r] of independent.entries()) {
      const d = r.details!;
      expect(d['layer:probs']).toBe(cascading[i].details!['layer:probs']);
      const layers = Object.keys(d).filter((k) => k.startsWith('layer:'));
      const mean = layers.reduce((a, k) => a + (d[k] as number), 0) / layers.length;
      expect(r.score).toBeCloseTo(mean, 12);
    }
    const top2 = await mprt.evaluate(checkContext(prepared), { ...mprt.defaults, layers: 2 });
    expect(Object.keys(top2[0].details!).filter((k) => k.startsWith('layer:'))).toEqual([
      'layer:probs',
      'layer:conv3',
    ]);
    expect(top2[0].details!['layer:conv3']).toBe(cascading[0].details!['layer:conv3']);
  });

  it('on one dense layer the score is Spearman of the weight column before and after (closed form)', async () => {
    // logits = W^T flatten(x) + b: the saliency of class t is |W[:, t]|, channel-summed per pixel.
    const b = new GraphBuilder();
    const out = b.dense('fc', b.unary('flat', 'flatten', b.input([H, H, 3])), 3);
    const { graph, info } = b.build(out);
    const model = await TfjsModel.create(graph, info, 'cpu');
    const prepared = await prepare(
      '  - { id: r, check: model-parameter-randomisation, explanation: sal, expect: { mean: { "<=": 1 } } }\n',
      model,
    );
    const got = await mprt.evaluate(checkContext(prepared), mprt.defaults);
    const fresh = randomiseGraph(graph, info, ['fc'], 5).nodes.find((n) => n.name === 'fc')!;
    // Saliency's default abs=True takes |gradient| per channel before the channel sum.
    const column = (kernel: Float32Array, t: number) =>
      Float64Array.from({ length: H * H }, (_, p) => {
        let m = 0;
        for (let c = 0; c < 3; c++) m += Math.abs(kernel[(p * 3 + c) * 3 + t]);
        return m;
      });
    if (out.op !== 'dense' || fresh.op !== 'dense') throw new Error('fc is not dense');
    for (const [i, s] of prepared.datasets.get('val')!.samples.entries()) {
      const t = s.labelIndex;
      expect(got[i].score).toBeCloseTo(
        spearman(column(out.weights.kernel, t), column(fresh.weights.kernel, t)),
        5,
      );
    }
    model.dispose();
  });

  it('refuses more layers than the model has, and a model that cannot be randomised', async () => {
    const prepared = await prepare(
      '  - { id: r, check: model-parameter-randomisation, explanation: sal, expect: { mean: { "<=": 1 } } }\n',
      cnn,
    );
    await expect(mprt.evaluate(checkContext(prepared), { ...mprt.defaults, layers: 6 })).rejects.toThrow(
      /layers: 6, but the model has 5 layers with parameters/,
    );
    const analytic = linearModel(
      [H, H, 3],
      [0, 1, 2].map(() => new Float32Array(H * H * 3).fill(1)),
    );
    // An unusable model ends the run (exit 2), not just this check.
    const spec =
      '  - { id: r, check: model-parameter-randomisation, explanation: sal, expect: { mean: { "<=": 0.9 } } }\n';
    await expect(runAudit(await prepare(spec, analytic))).rejects.toThrow(
      /engine analytic\) cannot be randomised/,
    );
  });
});

describe('random-logit', () => {
  /** Class k's weights: `f(k, column)` on every row and channel. */
  const classWeights = (f: (k: number, x: number) => number) =>
    [0, 1, 2].map((k) => Float32Array.from({ length: H * H * 3 }, (_, i) => f(k, Math.floor(i / 3) % H)));

  it('classes on disjoint pixels give dissimilar maps; classes sharing them give ssim 1', async () => {
    const yaml = '  - { id: l, check: random-logit, explanation: sal, expect: { mean: { "<=": 0.5 } } }\n';
    // Class k looks at columns [5k, 5k + 5) only (class 2 up to the edge).
    const disjoint = linearModel(
      [H, H, 3],
      classWeights((k, x) => (Math.min(2, Math.floor(x / 5)) === k ? 1 : 0)),
    );
    const [low] = (await runAudit(await prepare(yaml, disjoint))).report.checks;
    expect(low.outcome, low.message).toBe('pass');
    for (const s of low.samples) {
      expect(s.score!).toBeLessThan(0.3);
      expect(s.details!.spearman as number).toBeLessThan(0);
      expect(s.details!.other_class).not.toBe(s.label);
    }
    // Every class weighs the same pixels (scaled): after max-normalisation the maps are equal.
    const shared = linearModel(
      [H, H, 3],
      classWeights((k, x) => (k + 1) * (1 + (x % 4))),
    );
    const [high] = (await runAudit(await prepare(yaml, shared))).report.checks;
    expect(high.outcome).toBe('fail');
    for (const s of high.samples) expect(s.score).toBeCloseTo(1, 12);
  });

  it('draws the other class uniformly, never the target, seeded per sample', async () => {
    const disjoint = linearModel(
      [H, H, 3],
      classWeights((k, x) => (Math.min(2, Math.floor(x / 5)) === k ? 1 : 0)),
    );
    const prepared = await prepare(
      '  - { id: l, check: random-logit, explanation: sal, expect: { mean: { "<=": 1 } } }\n',
      disjoint,
    );
    const a = await randomLogit.evaluate(checkContext(prepared, 0, undefined, 1), randomLogit.defaults);
    const b = await randomLogit.evaluate(checkContext(prepared, 0, undefined, 4), randomLogit.defaults);
    expect(b.map((s) => s.details!.other_class)).toEqual(a.map((s) => s.details!.other_class));
    expect(scores(b)).toEqual(scores(a));
    expect(new Set(a.map((s) => s.details!.other_class)).size).toBeGreaterThan(1);
  });

  it('refuses ssim on maps smaller than its window, and models with one output', async () => {
    const disjoint = linearModel(
      [H, H, 3],
      classWeights((k, x) => (Math.min(2, Math.floor(x / 5)) === k ? 1 : 0)),
    );
    const prepared = await prepare(
      '  - { id: l, check: random-logit, explanation: sal, expect: { mean: { "<=": 1 } } }\n',
      disjoint,
    );
    const small = {
      ...checkContext(prepared),
      input: { ...transform, shape: [6, 6, 3] as [number, number, number] },
    };
    await expect(randomLogit.evaluate(small, randomLogit.defaults)).rejects.toThrow(
      /at least 7x7 pixels; the input is 6x6/,
    );
    const one = linearModel([H, H, 3], [new Float32Array(H * H * 3).fill(1)]);
    await expect(
      randomLogit.evaluate({ ...checkContext(prepared), model: one }, randomLogit.defaults),
    ).rejects.toThrow(/at least 2 outputs/);
  });

  it('an input-only edge detector scores 1: its map ignores the class', async () => {
    const cnn = await loadModel('fixtures/models/tiny-cnn/model.json', { engine: 'cpu' });
    const prepared = await prepare(
      '  - { id: l, check: random-logit, explanation: sal, expect: { mean: { "<=": 1 } } }\n',
      cnn,
    );
    for (const r of await randomLogit.evaluate(checkContext(prepared, 0, edges), randomLogit.defaults)) {
      expect(r.score).toBeCloseTo(1, 12);
    }
    cnn.dispose();
  });
});
