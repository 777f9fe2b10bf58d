import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';
import { formatNpy } from '../../src/core/npy.js';

// The runner's side of RunContext.baselines and baseDir: expected-gradients gets a fixed sample
// of the data set, and a baseline file resolves against the spec's folder.
describe('runner: data set baselines and spec-relative baseline files', () => {
  it('runs expected-gradients (baseline: dataset) and IG from a .npy next to the spec, deterministically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xaudit-spec-'));
    writeFileSync(join(dir, 'grey.npy'), formatNpy(new Float32Array(64 * 64 * 3).fill(0.5), [64, 64, 3]));
    const spec = `version: 1
name: data baselines
seed: 7
model:
  path: ${resolve('fixtures/models/wolf-snow-biased/model.json')}
  classes: [husky, wolf]
  input: { size: [64, 64], range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] }
data:
  val:
    manifest: ${resolve('fixtures/wolf-snow/val/manifest.csv')}
explanations:
  eg: { method: expected-gradients, samples: 2 }
  ig: { method: integrated-gradients, steps: 8, baseline: { file: grey.npy } }
checks:
  - id: eg-mass
    check: attribution-mass-in-box
    explanation: eg
    where: { label: wolf }
    expect: { mean: { ">=": 0 } }
  - id: ig-complete
    check: completeness
    explanation: ig
    where: { label: wolf }
    expect: { quantile: { q: 0.5, "<=": 1 } }
`;
    writeFileSync(join(dir, 'spec.yaml'), spec);
    const run = async () => {
      const prepared = await prepareAudit(await loadSpec(join(dir, 'spec.yaml')));
      try {
        return (await runAudit(prepared, {})).report;
      } finally {
        prepared.model.dispose();
      }
    };
    const a = await run();
    expect(a.checks.map((c) => [c.id, c.outcome])).toEqual([
      ['eg-mass', 'pass'],
      ['ig-complete', 'pass'],
    ]);
    const b = await run();
    expect(JSON.stringify(b.checks)).toBe(JSON.stringify(a.checks));
  });
});
