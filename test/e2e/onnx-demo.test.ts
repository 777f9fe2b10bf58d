/**
 * The demo audits on the wolf/snow models exported to ONNX (fixtures/train/export_wolf_snow_onnx.py):
 * on the onnxruntime engine (forward passes there, gradients on tfjs-wasm) the biased model fails and
 * the clean one passes for the same reasons as their tfjs originals.
 */

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { runCli } from '../helpers/cli.js';

async function runOnnxDemo(name: 'biased' | 'clean') {
  const dir = await mkdtemp(join(tmpdir(), 'xaudit-onnx-demo-'));
  const spec = (await readFile(`audits/wolf-snow-${name}.yaml`, 'utf8'))
    .replace(
      `../fixtures/models/wolf-snow-${name}/model.json`,
      resolve(`fixtures/onnx/wolf-snow-${name}/model.onnx`),
    )
    .replace('../fixtures/wolf-snow/val/manifest.csv', resolve('fixtures/wolf-snow/val/manifest.csv'));
  expect(spec).toContain('model.onnx');
  await writeFile(join(dir, 'spec.yaml'), spec);
  const result = await runCli(['run', join(dir, 'spec.yaml'), '--out', join(dir, 'out'), '--no-cache', '-q']);
  const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as Report;
  return { ...result, report };
}

const summary = (r: Report) => r.checks.map((c) => `${c.id}: ${c.outcome} (${c.message})`).join('\n');
const outcome = (r: Report, id: string) => r.checks.find((c) => c.id === id)?.outcome;

describe('the demo audits on ONNX exports of the wolf/snow models', () => {
  it('fails the biased model for the right reasons', async () => {
    const { code, report } = await runOnnxDemo('biased');
    const why = summary(report);
    expect(report.model.engine).toMatch(/^onnxruntime-node@/);
    expect(outcome(report, 'accuracy'), why).toBe('pass');
    expect(outcome(report, 'evidence-on-animal'), why).toBe('fail');
    expect(outcome(report, 'no-snow-shortcut'), why).toBe('fail');
    expect(outcome(report, 'ig-completeness'), why).toBe('pass');
    expect(code, why).toBe(1);
  });

  it('passes the clean model', async () => {
    const { code, report } = await runOnnxDemo('clean');
    const why = summary(report);
    for (const id of ['accuracy', 'evidence-on-animal', 'no-snow-shortcut', 'ig-completeness']) {
      expect(outcome(report, id), `${id}\n${why}`).toBe('pass');
    }
    expect(code, why).toBe(0);
  });
});
