import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { shardRange } from '../../src/audit/run.js';
import { runCli } from '../helpers/cli.js';
import { edit, workspace } from '../helpers/workspace.js';

const SPEC = 'audits/wolf-snow-biased.yaml';

/** The report text with the non-deterministic timings and the documented provenance field taken out. */
function comparable(text: string): string {
  const r = JSON.parse(text) as Partial<Report>;
  delete r.timings;
  delete r.merged;
  return JSON.stringify(r, null, 2);
}

async function run(args: string[]): Promise<{ code: number; out: string; stderr: string; stdout: string }> {
  const out = await mkdtemp(join(tmpdir(), 'xaudit-shard-'));
  const r = await runCli([...args, '--out', out, ...(args[0] === 'run' ? ['--no-cache'] : [])]);
  return { ...r, out };
}

describe('run --shard i/n and merge', () => {
  it('partitions each manifest contiguously and completely', () => {
    for (const n of [0, 1, 5, 64, 65]) {
      for (const count of [1, 2, 3, 7]) {
        const ranges = Array.from({ length: count }, (_, i) => shardRange(n, { index: i + 1, count }));
        expect(ranges[0][0]).toBe(0);
        expect(ranges[count - 1][1]).toBe(n);
        for (let i = 1; i < count; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
      }
    }
  });

  it('3 shards merged give the unsharded report.json, byte for byte apart from timings and `merged`', async () => {
    const whole = await run(['run', SPEC]);
    const shards = [];
    for (const i of [1, 2, 3]) shards.push(await run(['run', SPEC, '--shard', `${i}/3`]));
    // Each shard is marked partial, covers its slice only, and its console output says so.
    const counts: number[] = [];
    for (const [i, s] of shards.entries()) {
      const r = JSON.parse(await readFile(join(s.out, 'report.json'), 'utf8')) as Report;
      expect(r.shard?.index).toBe(i + 1);
      expect(r.shard?.partial).toBe(true);
      expect(s.stdout).toMatch(/shard \d\/3/);
      counts.push(r.checks[0].samples.length);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(64);
    // Given out of order: merge orders by shard index.
    const merged = await run(['merge', shards[2].out, shards[0].out, shards[1].out]);
    expect(merged.code, merged.stderr).toBe(whole.code);
    const a = await readFile(join(whole.out, 'report.json'), 'utf8');
    const b = await readFile(join(merged.out, 'report.json'), 'utf8');
    expect(JSON.parse(b).merged).toEqual({ shards: 3 });
    expect(comparable(b)).toBe(comparable(a));
    // Everything before the provenance field matches to the byte as written.
    expect(b.slice(0, b.indexOf('"merged"'))).toBe(a.slice(0, a.indexOf('"summary"')));
    expect(merged.stdout).toMatch(/merged from 3 shards/);
    // Other reporters say what the report covers; a merged HTML report says it has no heatmaps.
    expect(await readFile(join(merged.out, 'report.html'), 'utf8')).toMatch(
      /no heatmaps \(shard reports carry no images\)/,
    );
    expect(await readFile(join(shards[0].out, 'report.html'), 'utf8')).toMatch(/shard 1\/3: partial results/);
    expect(await readFile(join(shards[0].out, 'junit.xml'), 'utf8')).toMatch(
      /<property name="scope" value="shard 1\/3/,
    );
  }, 300_000);

  it('refuses shards of different runs, missing or repeated shards (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-merge-bad-'));
    const s1 = await run(['run', SPEC, '--shard', '1/2', '--only', 'accuracy']);
    const s2 = await run(['run', SPEC, '--shard', '2/2', '--only', 'accuracy']);
    const cases: [string[], RegExp][] = [
      [[s1.out], /Shard\(s\) 2 of 2 are missing/],
      [[s1.out, s1.out, s2.out], /Shard 1\/2 is given twice/],
    ];
    // Shard 2 of another seed, model, spec or engine.
    const edits: [string, (r: Report) => void, RegExp][] = [
      ['seed', (r) => (r.seed += 1), /different seed/],
      ['model', (r) => (r.model.sha256 = '0'.repeat(64)), /different model sha256/],
      ['spec', (r) => (r.spec.sha256 = '1'.repeat(64)), /different spec sha256/],
      ['engine', (r) => (r.model.engine = 'cpu@0'), /different engine/],
    ];
    for (const [name, edit, message] of edits) {
      const other = join(dir, name);
      await cp(s2.out, other, { recursive: true });
      const r = JSON.parse(await readFile(join(other, 'report.json'), 'utf8')) as Report;
      edit(r);
      await writeFile(join(other, 'report.json'), JSON.stringify(r));
      cases.push([[s1.out, other], message]);
    }
    // An unsharded report.
    const whole = await run(['run', SPEC, '--only', 'accuracy']);
    cases.push([[whole.out, s2.out], /is not a shard report/]);
    cases.push([[join(dir, 'nowhere')], /Cannot read the shard report/]);
    for (const [dirs, message] of cases) {
      const m = await runCli(['merge', ...dirs, '--out', join(dir, 'merged')]);
      expect(m.code, m.stderr).toBe(2);
      expect(m.stderr).toMatch(message);
    }
  }, 60_000);

  it('a shard without samples of a `where` selection passes that check; merge decides on the whole', async () => {
    const dir = await workspace();
    await edit(join(dir, 'spec.yaml'), 'check: accuracy\n', 'check: accuracy\n    where: { label: wolf }\n');
    // Row 2 of the manifest (shard 2 of 64) is a husky.
    expect((await readFile(join(dir, 'val/manifest.csv'), 'utf8')).split('\n')[2]).toMatch(/,husky,/);
    const outs: string[] = [];
    for (const i of Array.from({ length: 64 }, (_, k) => k + 1)) {
      const r = await run(['run', join(dir, 'spec.yaml'), '--only', 'accuracy', '--shard', `${i}/64`]);
      outs.push(r.out);
      if (i === 2) {
        expect(r.code, r.stdout).toBe(0);
        expect(r.stdout).toMatch(/no samples of this selection in shard 2\/64/);
      }
    }
    const whole = await run(['run', join(dir, 'spec.yaml'), '--only', 'accuracy']);
    const merged = await run(['merge', ...outs]);
    const a = await readFile(join(whole.out, 'report.json'), 'utf8');
    const b = await readFile(join(merged.out, 'report.json'), 'utf8');
    expect(comparable(b)).toBe(comparable(a));
  }, 300_000);

  it('rejects a malformed --shard (exit 2)', async () => {
    for (const bad of ['0/3', '4/3', 'a/b', '3']) {
      const r = await runCli(['run', SPEC, '--shard', bad, '--no-cache']);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--shard/);
    }
  });
});
