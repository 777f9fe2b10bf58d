import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckReport, Report } from '../../src/audit/report.js';
import { annotationFile, githubReporter, summaryMarkdown } from '../../src/reporters/github.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { context, tempDir } from './helpers.js';

/** A report with `n` failing copies of the sample's failing check, on successive spec lines. */
function manyFailures(n: number): Report {
  const r = sampleReport();
  const fail = r.checks[1];
  const copies: CheckReport[] = Array.from({ length: n }, (_, i) => ({
    ...fail,
    id: `focus-${i}`,
    location: { line: 40 + i, col: 5 },
  }));
  r.checks = copies;
  r.summary = { outcome: 'fail', exitCode: 1, counts: { pass: 0, fail: n, warn: 0, error: 0 } };
  return r;
}

describe('github reporter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let summaryFile: string;
  let outputFile: string;
  let stdout: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    // @actions/core caches the summary path on first use, so one file serves every test.
    summaryFile = join(dir, 'step-summary.md');
    outputFile = join(dir, 'github-output.txt');
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    process.env.GITHUB_OUTPUT = outputFile;
  });
  afterAll(async () => {
    process.env.GITHUB_STEP_SUMMARY = saved.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_OUTPUT = saved.GITHUB_OUTPUT;
    if (saved.GITHUB_STEP_SUMMARY === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    if (saved.GITHUB_OUTPUT === undefined) delete process.env.GITHUB_OUTPUT;
    await cleanup();
  });
  beforeEach(async () => {
    await writeFile(summaryFile, '');
    await writeFile(outputFile, '');
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const env = { GITHUB_ACTIONS: 'true' };

  /** GITHUB_OUTPUT holds `name<<delimiter\nvalue\ndelimiter` blocks. */
  async function outputs(): Promise<Record<string, string>> {
    const text = await readFile(outputFile, 'utf8');
    const out: Record<string, string> = {};
    for (const m of text.matchAll(/^([\w-]+)<<(\S+)\r?\n([\s\S]*?)\r?\n\2$/gm)) out[m[1]] = m[3];
    return out;
  }

  it('does nothing outside GitHub Actions', async () => {
    const report = sampleReport();
    await githubReporter.write(report, sampleArtifacts(report), context(dir), githubReporter.defaults);
    expect(stdout).toBe('');
    expect(await readFile(summaryFile, 'utf8')).toBe('');
    expect(await readFile(outputFile, 'utf8')).toBe('');
  });

  it('writes the job summary, annotations on the spec lines and the step outputs', async () => {
    const report = sampleReport();
    const ctx = context(dir, { env });
    await jsonReporter.write(report, sampleArtifacts(report), ctx, {});
    await githubReporter.write(report, sampleArtifacts(report), ctx, githubReporter.defaults);

    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain('xaudit: Wolf vs husky: does it look at the animal? — ERROR');
    expect(summary).toContain('| Check | Outcome | Value | Threshold | Message |');
    for (const c of report.checks) expect(summary).toContain(`\`${c.id}\``);
    expect(summary).toContain('| mean 0.3712 | &gt;= 0.5 |');

    expect(stdout).toMatch(
      /^::error title=xaudit wolf-looks-at-the-animal failed,file=audits\/wolf-snow.yaml,line=18,col=5::mean 0.3712/m,
    );
    expect(stdout).toMatch(
      /^::error title=xaudit snow-swap errored,file=audits\/wolf-snow.yaml,line=33,col=5::/m,
    );
    expect(stdout).toMatch(
      /^::warning title=xaudit ig-completeness warned,file=audits\/wolf-snow.yaml,line=27,col=5::/m,
    );
    expect(stdout.match(/^::error /gm)?.length).toBe(2);

    expect(await outputs()).toEqual({
      status: 'error',
      'failed-checks': 'wolf-looks-at-the-animal,snow-swap',
      'report-path': join(dir, 'report.json'),
    });
  });

  it('caps error annotations at 10 per step', async () => {
    const report = manyFailures(14);
    await githubReporter.write(
      report,
      { heatmaps: new Map() },
      context(dir, { env }),
      githubReporter.defaults,
    );
    const errors = stdout.match(/^::error .*$/gm) ?? [];
    expect(errors.length).toBe(10);
    expect(errors[9]).toContain('line=49');
    expect((await outputs())['failed-checks'].split(',')).toHaveLength(14);
    expect((await outputs()).status).toBe('fail');
    // The summary still lists every check.
    expect((await readFile(summaryFile, 'utf8')).match(/`focus-\d+`/g)).toHaveLength(14);
  });

  it('caps annotations at 50 per job across xaudit steps (counted in RUNNER_TEMP)', async () => {
    const temp = await tempDir();
    const jobEnv = { ...env, RUNNER_TEMP: temp.dir };
    const counts: number[] = [];
    for (let step = 0; step < 6; step++) {
      stdout = '';
      await githubReporter.write(
        manyFailures(14),
        { heatmaps: new Map() },
        context(dir, { env: jobEnv }),
        githubReporter.defaults,
      );
      counts.push((stdout.match(/^::error /gm) ?? []).length);
    }
    await temp.cleanup();
    expect(counts).toEqual([10, 10, 10, 10, 10, 0]);
    // Outputs and the summary do not depend on the budget.
    expect((await outputs()).status).toBe('fail');
  });

  it('reports status pass for a run with only warnings, and no report-path without report.json', async () => {
    const report = sampleReport();
    report.checks = [report.checks[0], report.checks[2]];
    report.summary = { outcome: 'warn', exitCode: 0, counts: { pass: 1, fail: 0, warn: 1, error: 0 } };
    const empty = await tempDir();
    await githubReporter.write(
      report,
      { heatmaps: new Map() },
      context(empty.dir, { env }),
      githubReporter.defaults,
    );
    await empty.cleanup();
    expect(await outputs()).toEqual({ status: 'pass', 'failed-checks': '', 'report-path': '' });
    expect(stdout).not.toMatch(/^::error/m);
    expect(stdout.match(/^::warning /gm)).toHaveLength(1);
  });

  it('annotates nothing for a shard (its verdicts are partial) but says so and still sets the outputs', async () => {
    const report = sampleReport();
    report.shard = { index: 2, count: 4, partial: true, ranges: {}, worst: 5, gates: {} };
    await githubReporter.write(
      report,
      sampleArtifacts(report),
      context(dir, { env }),
      githubReporter.defaults,
    );
    expect(stdout).not.toMatch(/^::(error|warning) /m);
    expect(stdout).toMatch(/^::notice title=xaudit shard,file=audits\/wolf-snow.yaml::shard 2\/4/m);
    expect(await readFile(summaryFile, 'utf8')).toContain('> **shard 2/4: partial results');
    expect((await outputs()).status).toBe('error');
  });

  it('keeps the summary under 1 MiB, saying how many checks it left out', () => {
    const report = manyFailures(3);
    report.checks[0].message = 'x'.repeat(600_000);
    report.checks[1].message = 'y'.repeat(600_000);
    const md = summaryMarkdown(report);
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024);
    expect(md).toContain('2 more check(s) omitted');
  });

  it('escapes pipes, newlines and inline HTML in table cells', () => {
    const report = manyFailures(1);
    report.checks[0].message = 'a | b\nc <img src=x> & d';
    expect(summaryMarkdown(report)).toContain('| a \\| b c &lt;img src=x&gt; &amp; d |');
  });
});

describe('annotationFile', () => {
  it('rebases the spec path on the workspace, with forward slashes', () => {
    const ws = resolve('/repo');
    expect(annotationFile(join(ws, 'sub', 'audits', 'a.yaml'), ws)).toBe('sub/audits/a.yaml');
    expect(annotationFile('audits/a.yaml', undefined)).toBe('audits/a.yaml');
    expect(annotationFile('audits/a.yaml', '')).toBe('audits/a.yaml');
    // Outside the workspace GitHub cannot place it anyway: keep what the user gave.
    expect(annotationFile('/elsewhere/a.yaml', ws)).toBe('/elsewhere/a.yaml');
  });
});
