import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { consoleReporter } from '../../src/reporters/console.js';
import { summaryMarkdown } from '../../src/reporters/github.js';
import { htmlReporter } from '../../src/reporters/html.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { context, tempDir } from './helpers.js';

/** The sample report compared with a baseline whose every check scored 0.1 lower on `mean`. */
function withBaseline(): Report {
  const report = sampleReport();
  report.baseline = { kind: 'model', path: 'models/main.onnx', sha256: 'b'.repeat(64) };
  for (const c of report.checks) {
    if (c.stats.mean === undefined || c.stats.mean === null) continue;
    const stats = { ...c.stats, mean: c.stats.mean - 0.1 };
    c.baseline = { outcome: 'pass', stats, delta: { mean: c.stats.mean - stats.mean }, samples: c.samples };
  }
  return report;
}

describe('reporters in baseline mode', () => {
  it('HTML shows the baseline, and each check side by side with the difference', async () => {
    const report = withBaseline();
    const { dir, cleanup } = await tempDir();
    await htmlReporter.write(report, sampleArtifacts(report), context(dir), htmlReporter.defaults);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    await cleanup();
    expect(html).toContain('Compared with the baseline model <code>models/main.onnx</code>');
    const compared = report.checks.filter((c) => c.baseline !== undefined);
    expect(compared.length).toBeGreaterThan(0);
    expect(html.match(/<h3>Against the baseline/g)).toHaveLength(compared.length);
    expect(html).toContain('<th class="num">Baseline</th><th class="num">Current</th><th class="num">Δ</th>');
    expect(html).toMatch(
      /<td>mean<\/td><td class="num">[\d.]+<\/td><td class="num">[\d.]+<\/td><td class="num">\+0\.1<\/td>/,
    );
  });

  it('console and job summary add the baseline outcome and the change of the headline statistic', async () => {
    const report = withBaseline();
    const ctx = context('.');
    await consoleReporter.write(report, sampleArtifacts(report), ctx, consoleReporter.defaults);
    expect(ctx.stdout.text).toMatch(/baseline PASS · mean [\d.]+ → [\d.]+ \(Δ \+0\.1\)/);
    const md = summaryMarkdown(report);
    expect(md).toContain('Compared with the baseline model `models/main.onnx`.');
    expect(md).toMatch(/\(baseline PASS · mean [\d.]+ → [\d.]+ \(Δ \+0\.1\)\) \|/);
  });
});
