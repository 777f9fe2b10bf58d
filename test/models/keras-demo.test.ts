/**
 * The demo audit on the biased wolf/snow model rebuilt in Keras 3 (fixtures/train/make_keras_fixtures.py,
 * which checks that Keras reproduces the model's PyTorch logits): loaded from the .keras file, it fails
 * for the same reasons as its tfjs original.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { runCli } from '../helpers/cli.js';

it('fails the biased model loaded from a .keras file for the right reasons', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xaudit-keras-demo-'));
  try {
    const spec = (await readFile('audits/wolf-snow-biased.yaml', 'utf8'))
      .replace(
        '../fixtures/models/wolf-snow-biased/model.json',
        resolve('fixtures/models/keras/wolf-snow-biased.keras'),
      )
      .replace('../fixtures/wolf-snow/val/manifest.csv', resolve('fixtures/wolf-snow/val/manifest.csv'));
    expect(spec).toContain('wolf-snow-biased.keras');
    await writeFile(join(dir, 'spec.yaml'), spec);
    const { code } = await runCli([
      'run',
      join(dir, 'spec.yaml'),
      '--out',
      join(dir, 'out'),
      '--no-cache',
      '-q',
      // The checks that tell the shortcut; the slow occlusion and attack checks add nothing here.
      '--only',
      'accuracy,evidence-on-animal,no-snow-shortcut,ig-completeness',
    ]);
    const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as Report;
    const why = report.checks.map((c) => `${c.id}: ${c.outcome} (${c.message})`).join('\n');
    const outcome = (id: string) => report.checks.find((c) => c.id === id)?.outcome;
    expect(report.model.format).toBe('keras');
    expect(outcome('accuracy'), why).toBe('pass');
    expect(outcome('evidence-on-animal'), why).toBe('fail');
    expect(outcome('no-snow-shortcut'), why).toBe('fail');
    expect(outcome('ig-completeness'), why).toBe('pass');
    expect(code, why).toBe(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
