import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { mergeReports } from '../../src/audit/merge.js';
import {
  type PreparedAudit,
  type PreparedBaseline,
  prepareAudit,
  prepareBaseline,
} from '../../src/audit/prepare.js';
import type { Report } from '../../src/audit/report.js';
import { runAudit } from '../../src/audit/run.js';
import { runCli } from '../helpers/cli.js';
import { edit, workspace } from '../helpers/workspace.js';

const CLEAN = resolve('fixtures/models/wolf-snow-clean/model.json');
// The biased model (current) against the clean one (baseline): the checks without attributions.
const ONLY = ['accuracy', 'no-snow-shortcut'];

describe('baseline mode', () => {
  let prepared: PreparedAudit;
  let baseline: PreparedBaseline;
  beforeAll(async () => {
    prepared = await prepareAudit(await loadSpec('audits/wolf-snow-biased.yaml'));
    baseline = await prepareBaseline(prepared, { kind: 'model', path: CLEAN });
  });
  afterAll(() => {
    prepared.model.dispose();
    if ('model' in baseline) baseline.model.dispose();
  });

  it('scores every check on both models over the same samples, with the difference', async () => {
    const { report } = await runAudit(prepared, { only: ONLY, baseline });
    expect(report.baseline).toMatchObject({
      kind: 'model',
      path: expect.stringContaining('wolf-snow-clean'),
    });
    const swap = report.checks.find((c) => c.id === 'no-snow-shortcut');
    if (swap?.baseline === undefined) throw new Error('no baseline block');
    // The biased model flips on every swap; the clean one never does (see the demo specs).
    expect(swap.stats.flip_rate).toBe(1);
    expect(swap.baseline.stats.flip_rate).toBe(0);
    expect(swap.baseline.delta.flip_rate).toBe(1);
    expect(swap.baseline.outcome).toBe('pass');
    expect(swap.baseline.samples.map((s) => s.id)).toEqual(swap.samples.map((s) => s.id));
    // Alone, each model is the same run as without baseline mode.
    const alone = (await runAudit(prepared, { only: ONLY })).report.checks.find(
      (c) => c.id === 'no-snow-shortcut',
    );
    expect(alone?.samples).toEqual(swap.samples);
  }, 60_000);

  it('merges sharded runs against a stored report (a check the report lacks has no baseline block)', async () => {
    const stored = (await runAudit(prepared, { only: ['accuracy'] })).report;
    const fromReport: PreparedBaseline = {
      source: { kind: 'report', path: 'stored.json', sha256: 'x' },
      report: stored,
    };
    const whole = (await runAudit(prepared, { only: ONLY, baseline: fromReport })).report;
    expect(whole.checks.find((c) => c.id === 'no-snow-shortcut')?.baseline).toBeUndefined();
    expect(whole.checks.find((c) => c.id === 'accuracy')?.baseline?.delta.accuracy).toBe(0);
    const shards: Report[] = [];
    for (const index of [1, 2]) {
      shards.push(
        (await runAudit(prepared, { only: ONLY, baseline: fromReport, shard: { index, count: 2 } })).report,
      );
    }
    const strip = (r: Report) => {
      const { timings: _t, merged: _m, ...rest } = JSON.parse(JSON.stringify(r)) as Report;
      return JSON.stringify(rest);
    };
    expect(strip(mergeReports(shards))).toBe(strip(whole));
  }, 60_000);

  it('merges sharded baseline runs into the unsharded report', async () => {
    const whole = (await runAudit(prepared, { only: ONLY, baseline })).report;
    const shards: Report[] = [];
    for (const index of [1, 2, 3]) {
      shards.push((await runAudit(prepared, { only: ONLY, baseline, shard: { index, count: 3 } })).report);
    }
    const strip = (r: Report) => {
      const { timings: _t, merged: _m, ...rest } = JSON.parse(JSON.stringify(r)) as Report;
      return JSON.stringify(rest);
    };
    expect(strip(mergeReports(shards))).toBe(strip(whole));
  }, 120_000);
});

describe('baseline mode from the CLI', () => {
  it('gates on delta_vs_baseline with --baseline-model and with --baseline-report', async () => {
    const dir = await workspace();
    const spec = join(dir, 'spec.yaml');
    await edit(
      spec,
      'expect: { flip_rate: { "<=": 0.1 } }',
      'expect: { flip_rate: { delta_vs_baseline: { "<=": 0.05 } } }',
    );
    // Without a baseline the gate is unusable: exit 2 before anything runs, at the expectation's line.
    const none = await runCli(['run', spec, '--only', 'no-snow-shortcut', '-q']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /spec\.yaml:\d+:\d+: .*no-snow-shortcut.*delta_vs_baseline.*no baseline is given/,
    );
    expect(none.stderr).toMatch(/--baseline-model/);

    const out = join(dir, 'out');
    const vsClean = await runCli([
      'run',
      spec,
      '--only',
      'no-snow-shortcut',
      '--baseline-model',
      CLEAN,
      '--out',
      out,
      '-q',
      '--no-cache',
    ]);
    expect(vsClean.code).toBe(1);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.checks[0].expectations[0]).toMatchObject({
      statistic: 'delta_vs_baseline(flip_rate)',
      value: 1,
      passed: false,
    });

    // A stored run of the same model as the baseline: delta 0, passes.
    const first = join(dir, 'first');
    expect(
      (
        await runCli([
          'run',
          spec,
          '--only',
          'no-snow-shortcut',
          '--baseline-model',
          join(dir, 'model/model.json'),
          '--out',
          first,
          '-q',
          '--no-cache',
        ])
      ).code,
    ).toBe(0);
    const vsStored = await runCli([
      'run',
      spec,
      '--only',
      'no-snow-shortcut',
      '--baseline-report',
      join(first, 'report.json'),
      '-q',
      '--no-cache',
    ]);
    expect(vsStored.code).toBe(0);

    // baseline: in the spec works too, and a missing file is named at its line.
    await writeFile(spec, `${await readFile(spec, 'utf8')}\nbaseline: { model: nope/model.json }\n`);
    const missing = await runCli(['run', spec, '-q']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/spec\.yaml:\d+:\d+: The baseline model file does not exist/);
  }, 120_000);

  it('regression: --out deleted the --baseline-report it was about to read, in the same folder', async () => {
    const dir = await workspace();
    const spec = join(dir, 'spec.yaml');
    const out = join(dir, 'out');
    expect((await runCli(['run', spec, '--only', 'accuracy', '--out', out, '-q', '--no-cache'])).code).toBe(
      0,
    );
    const again = await runCli([
      'run',
      spec,
      '--only',
      'accuracy',
      '--out',
      out,
      '--baseline-report',
      join(out, 'report.json'),
      '-q',
      '--no-cache',
    ]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.checks[0].baseline?.delta.mean).toBe(0);
  }, 60_000);

  it("regression: the demo's shards exited 2 on a group gap too small to compute on a quarter of the data", async () => {
    const r = await runCli([
      'run',
      'audits/wolf-snow-biased.yaml',
      '--shard',
      '1/4',
      '--only',
      'background-groups-treated-alike',
      '-q',
    ]);
    expect(r.code).toBe(0);
  }, 60_000);

  it('refuses a baseline model whose outputs do not fit the classes', async () => {
    const dir = await workspace();
    const r = await runCli([
      'run',
      join(dir, 'spec.yaml'),
      '--baseline-model',
      'fixtures/models/tiny-mlp/model.json',
      '-q',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/baseline model/i);
  }, 60_000);
});
