import { describe, expect, it } from 'vitest';
import { consoleReporter } from '../../src/reporters/console.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { context } from './helpers.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[/;

describe('console reporter', () => {
  it('prints every check, the totals and the verdict, without colour off a terminal', async () => {
    const report = sampleReport();
    const ctx = context('.');
    await consoleReporter.write(report, sampleArtifacts(report), ctx, consoleReporter.defaults);
    const out = ctx.stdout.text;
    for (const c of report.checks) expect(out).toContain(c.id);
    expect(out).toContain('4 checks: 1 passed, 1 failed, 1 warned, 1 errored');
    expect(out).toMatch(/Verdict: ERROR \(exit code 2\)/);
    expect(out).toContain('mean 0.3712'); // headline value of the failing check
    expect(out).toContain('>= 0.5');
    expect(out).toContain("needs a 'group' column"); // the error's reason
    expect(out).not.toMatch(ANSI);
  });

  it('lists at most `worst` samples of a failed check, worst first, with scores', async () => {
    const report = sampleReport();
    const focus = report.checks[1];
    const ctx = context('.');
    await consoleReporter.write(report, sampleArtifacts(report), ctx, { worst: 3 });
    const lines = ctx.stdout.text.split('\n');
    const head = lines.findIndex((l) => l.includes(`${focus.id}: worst 3 of 24`));
    expect(head).toBeGreaterThan(0);
    const listed = lines.slice(head + 1, head + 4).map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(focus.worst.slice(0, 3));
    expect(lines[head + 1]).toMatch(/score 0\.\d+/);
    // Passing and warning checks list no samples.
    expect(ctx.stdout.text).not.toMatch(/accuracy: worst|ig-completeness: worst/);
  });

  it('colours outcomes on a terminal', async () => {
    const report = sampleReport();
    const ctx = context('.', { isTTY: true });
    await consoleReporter.write(report, sampleArtifacts(report), ctx, consoleReporter.defaults);
    expect(ctx.stdout.text).toContain('\x1b[31mFAIL');
    expect(ctx.stdout.text).toContain('\x1b[32mPASS');
  });
});
