// One test per fixed bug, named after it.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import type { PreparedAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';
import { XauditError } from '../../src/core/errors.js';
import { Dataset } from '../../src/data/dataset.js';
import type { InputTransform } from '../../src/data/input.js';
import { loadManifest } from '../../src/data/manifest.js';
import { linearModel } from '../helpers/linear-model.js';

const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [4, 4, 3] };

async function grey(file: string, value: number) {
  await sharp(Buffer.alloc(4 * 4 * 3, value), { raw: { width: 4, height: 4, channels: 3 } })
    .png()
    .toFile(file);
}

describe('regressions', () => {
  it('two datasets whose manifests use the same relative path do not share logits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-reg-'));
    for (const [sub, value, label] of [
      ['a', 230, 'wolf'],
      ['b', 20, 'husky'],
    ] as const) {
      await mkdir(join(dir, sub));
      await grey(join(dir, sub, 'x.png'), value);
      await writeFile(join(dir, sub, 'm.csv'), `path,label\nx.png,${label}\n`);
    }
    await writeFile(join(dir, 'model.json'), '{}');
    const spec = await parseSpec(
      `version: 1
model: { path: model.json, classes: [husky, wolf], input: { size: [4, 4] } }
data: { a: { manifest: a/m.csv }, b: { manifest: b/m.csv } }
checks:
  - { id: acc-a, check: accuracy, data: a, expect: { accuracy: { ">=": 1 } } }
  - { id: acc-b, check: accuracy, data: b, expect: { accuracy: { ">=": 1 } } }
`,
      join(dir, 'spec.yaml'),
    );
    // Bright images are wolves.
    const w = new Float32Array(48).fill(1);
    const model = linearModel([4, 4, 3], [w.map((v) => -v), w], [0, -48]);
    const datasets = new Map<string, Dataset>();
    for (const name of ['a', 'b']) {
      datasets.set(
        name,
        new Dataset(name, await loadManifest(join(dir, name, 'm.csv'), ['husky', 'wolf']), transform),
      );
    }
    const prepared: PreparedAudit = {
      spec,
      model,
      modelSha256: '',
      input: transform,
      datasets,
      datasetSha256: new Map([
        ['a', ''],
        ['b', ''],
      ]),
    };
    const { report } = await runAudit(prepared);
    expect(report.checks.map((c) => c.outcome)).toEqual(['pass', 'pass']);
  });

  it('a missing baseline file fails at load time, before evaluation starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-reg-'));
    await writeFile(join(dir, 'model.json'), '{}');
    await writeFile(join(dir, 'm.csv'), 'path,label\n');
    const e = await parseSpec(
      `version: 1
model: { path: model.json, classes: [husky, wolf] }
data: { val: { manifest: m.csv } }
explanations:
  ig:
    method: integrated-gradients
    baseline: { file: nope.npy }
checks:
  - { id: c, check: completeness, explanation: ig, expect: { max: { "<=": 0.1 } } }
`,
      join(dir, 'spec.yaml'),
      'spec.yaml',
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('FILE_MISSING');
    expect((e as XauditError).format()).toMatch(/^spec\.yaml:7:\d+: The baseline file does not exist/);
  });
});
