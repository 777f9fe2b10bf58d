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
import { linearModel } from '../helpers/linear-model.js';
import { preparedOn } from '../helpers/prepared.js';

// 8x8 RGB scenes: a grey "animal" in the box [2,2,6,6) on a bright (snow) or dark (grass) background.
const H = 8;
const BOX = [2, 2, 6, 6] as const;
const inBox = (p: number) => {
  const y = Math.floor(p / H);
  const x = p % H;
  return x >= BOX[0] && x < BOX[2] && y >= BOX[1] && y < BOX[3];
};
let dir: string;
const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [H, H, 3] };

async function scene(name: string, background: number, animal: number) {
  const px = Buffer.alloc(H * H * 3);
  for (let p = 0; p < H * H; p++) px.fill(inBox(p) ? animal : background, p * 3, p * 3 + 3);
  await sharp(px, { raw: { width: H, height: H, channels: 3 } })
    .png()
    .toFile(join(dir, name));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-checks-'));
  await scene('w1.png', 230, 100);
  await scene('w2.png', 220, 110);
  await scene('h1.png', 30, 160);
  await scene('h2.png', 40, 170);
  const box = BOX.join(' ');
  await writeFile(
    join(dir, 'm.csv'),
    `path,label,box,group\nw1.png,wolf,${box},snow\nw2.png,wolf,${box},snow\nh1.png,husky,${box},grass\nh2.png,husky,${box},grass\n`,
  );
  await writeFile(join(dir, 'model.json'), '{}');
});

/** Per-pixel weight maps (the same on every channel) for class 0 (husky) and 1 (wolf). */
function weights(f: (p: number) => number): Float32Array[] {
  const w1 = new Float32Array(H * H * 3);
  for (let p = 0; p < H * H; p++) w1.fill(f(p), p * 3, p * 3 + 3);
  return [w1.map((v) => -v), w1];
}

async function audit(checksYaml: string, model: Model): Promise<CheckReport[]> {
  const spec = await parseSpec(
    `version: 1
seed: 3
model: { path: model.json, classes: [husky, wolf], input: { size: [8, 8] } }
data: { val: { manifest: m.csv } }
explanations:
  sal: { method: saliency }
  ig: { method: integrated-gradients, steps: 4, baseline: black }
checks:
${checksYaml}`,
    join(dir, 'spec.yaml'),
  );
  const prepared = await preparedOn(spec, model, join(dir, 'm.csv'), ['husky', 'wolf'], transform);
  return (await runAudit(prepared)).report.checks;
}

// Looks only at the animal: bright animals are huskies. Looks only at the background: bright backgrounds are wolves.
// Weights are small so that softmax gradients do not underflow in float32 (FGSM needs them).
const S = 0.02;
const animalModel = () =>
  linearModel(
    [H, H, 3],
    weights((p) => (inBox(p) ? -S : 0)),
    [0, (2 * S * 48 * 135) / 255],
  );
const backgroundModel = () =>
  linearModel(
    [H, H, 3],
    weights((p) => (inBox(p) ? 0 : S)),
    [0, (-2 * S * 144 * 130) / 255],
  );

describe('checks on analytic models', () => {
  it('accuracy: both toy models classify the scenes', async () => {
    for (const model of [animalModel(), backgroundModel()]) {
      const [acc] = await audit(
        '  - { id: acc, check: accuracy, expect: { accuracy: { ">=": 1 } } }\n',
        model,
      );
      expect(acc.outcome, acc.message).toBe('pass');
      expect(acc.breakdown.group_accuracy).toEqual({ grass: 1, snow: 1 });
    }
  });

  it('attribution-mass-in-box: a map inside the box scores 1; a background map scores 0', async () => {
    const yaml =
      '  - { id: m, check: attribution-mass-in-box, explanation: sal, expect: { mean: { ">=": 0.99 } } }\n';
    const [good] = await audit(yaml, animalModel());
    expect(good.stats.mean).toBeCloseTo(1, 6);
    expect(good.stats.chance).toBeCloseTo(16 / 64, 6);
    expect(good.outcome).toBe('pass');
    const [bad] = await audit(yaml, backgroundModel());
    expect(bad.stats.mean).toBeCloseTo(0, 6);
    expect(bad.outcome).toBe('fail');
    expect(bad.worst).toHaveLength(4);
  });

  it('attribution-mass-in-box: an all-zero map is a per-sample error, not a score', async () => {
    const zero = linearModel([H, H, 3], [new Float32Array(H * H * 3), new Float32Array(H * H * 3)]);
    const [r] = await audit(
      '  - { id: m, check: attribution-mass-in-box, explanation: sal, expect: { mean: { ">=": 0.5 } } }\n',
      zero,
    );
    expect(r.outcome).toBe('error');
    expect(r.samples[0].error).toMatch(/no positive mass/);
    const [tolerated] = await audit(
      '  - { id: m, check: attribution-mass-in-box, explanation: sal, max_errors: 4, expect: { mean: { ">=": 0.5 } } }\n',
      zero,
    );
    expect(tolerated.outcome).toBe('error'); // nothing left to score: the mean cannot be computed
    expect(tolerated.message).toMatch(/mean could not be computed/);
  });

  it('completeness: IG on a linear model is exact', async () => {
    const [r] = await audit(
      '  - { id: c, check: completeness, explanation: ig, expect: { max: { "<=": 1e-5 } } }\n',
      backgroundModel(),
    );
    expect(r.outcome, r.message).toBe('pass');
  });

  it('background-swap: flips every prediction of the background model and none of the animal model', async () => {
    const yaml = '  - { id: s, check: background-swap, expect: { flip_rate: { "<=": 0.1 } } }\n';
    const [bg] = await audit(yaml, backgroundModel());
    expect(bg.stats.flip_rate).toBe(1);
    expect(bg.outcome).toBe('fail');
    expect(bg.samples[0].details?.donor).toMatch(/^h[12]\.png$/);
    const [animal] = await audit(yaml, animalModel());
    expect(animal.stats.flip_rate).toBe(0);
    expect(animal.outcome).toBe('pass');
  });

  it('adversarial-accuracy: epsilon 0 keeps accuracy; a large epsilon breaks a linear model', async () => {
    const [none] = await audit(
      '  - { id: a, check: adversarial-accuracy, attack: { method: fgsm, epsilon: 0 }, expect: { accuracy: { ">=": 1 } } }\n',
      backgroundModel(),
    );
    expect(none.outcome, none.message).toBe('pass');
    const [big] = await audit(
      '  - { id: a, check: adversarial-accuracy, attack: { method: fgsm, epsilon: 0.5 }, expect: { accuracy: { ">=": 0.5 } } }\n',
      backgroundModel(),
    );
    expect(big.stats.accuracy).toBe(0);
    expect(big.stats.attack_success_rate).toBe(1);
    expect(big.outcome).toBe('fail');
  });

  it('a where that selects nothing is an error, not a pass', async () => {
    const [r] = await audit(
      '  - { id: acc, check: accuracy, where: { group: desert }, expect: { accuracy: { ">=": 0.5 } } }\n',
      animalModel(),
    );
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/selection holds no samples/);
  });

  it('a NaN model output makes that sample an error, naming it', async () => {
    // The first value of w1.png is 230/255.
    const nanModel = linearModel(
      [H, H, 3],
      weights((p) => (inBox(p) ? 0 : S)),
      [0, 0],
      230 / 255,
    );
    const [r] = await audit(
      '  - { id: acc, check: accuracy, expect: { accuracy: { ">=": 0 } } }\n',
      nanModel,
    );
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/w1\.png/);
    expect(r.samples[0].error).toBe('the model output is NaN');
  });
});
