/**
 * report.html must not grow with the audit: per check it draws one histogram (fixed bins), the
 * worst-k table, at most `heatmaps` overlays and capped breakdown tables, whatever the sample count.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heatmap, Report, ReportArtifacts } from '../../src/audit/report.js';
import { MAX_BREAKDOWN_ROWS, MAX_ERRORS } from '../../src/reporters/_render/html-check.js';
import { htmlReporter } from '../../src/reporters/html.js';
import { sampleReport, syntheticHeatmap } from '../fixtures/reports/sample-report.js';
import { context, tempDir } from './helpers.js';

/** The bound the HTML reporter promises with its default options, for this report's 4 checks. */
const BOUND_BYTES = 256 * 1024;

/** The sample report with `n` samples in every check, many groups, many errors and 40 heatmaps on offer per check. */
function bigReport(n: number): { report: Report; artifacts: ReportArtifacts } {
  const report = sampleReport();
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const heatmaps = new Map<string, Heatmap[]>();
  for (const c of report.checks) {
    c.samples = Array.from({ length: n }, (_, i) => {
      const label = i % 2 === 0 ? 'wolf' : 'husky';
      const id = `${label}/img_${String(i).padStart(6, '0')}.png`;
      return { id, path: id, label, score: Number(rnd().toFixed(4)), details: { chance: 0.18 } };
    });
    const sign = c.scoreDirection === 'higher' ? 1 : -1;
    c.worst = [...c.samples]
      .sort((a, b) => sign * ((a.score as number) - (b.score as number)))
      .slice(0, 100)
      .map((s) => s.id);
    c.breakdown = {
      group_accuracy: Object.fromEntries(Array.from({ length: 2000 }, (_, g) => [`group-${g}`, rnd()])),
    };
    c.errors = Array.from({ length: 500 }, (_, e) => `sample ${e} could not be scored`);
    // More heatmaps than the reporter may draw: the runner's count is the spec's, not the page's.
    heatmaps.set(
      c.id,
      c.worst.slice(0, 40).map((id, j) => syntheticHeatmap(id, 'wolf', c.samples[j].score, j % 2 === 0)),
    );
  }
  return { report, artifacts: { heatmaps } };
}

/** What the spec's report.heatmaps asks by default; the page draws no more than it is given. */
const HEATMAPS = 4;

describe('report.html size', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  async function render(n: number): Promise<string> {
    const { report, artifacts } = bigReport(n);
    await htmlReporter.write(report, artifacts, context(dir), {
      ...htmlReporter.defaults,
      heatmaps: HEATMAPS,
    });
    return readFile(join(dir, 'report.html'), 'utf8');
  }

  it(`stays under ${BOUND_BYTES / 1024} KiB with 5000 samples per check, about as big as with 50`, async () => {
    const small = Buffer.byteLength(await render(50));
    const html = await render(5000);
    const big = Buffer.byteLength(html);
    expect(big).toBeLessThan(BOUND_BYTES);
    // Only numbers change (histogram heights, scores): no per-sample content.
    expect(Math.abs(big - small)).toBeLessThan(4 * 1024);

    const checks = sampleReport().checks.length;
    const { worst } = htmlReporter.defaults;
    const heatmaps = HEATMAPS;
    expect(html.match(/<figure class="hm">/g)).toHaveLength(checks * heatmaps);
    expect(html.match(/data:image\/png;base64,/g)).toHaveLength(2 * checks * heatmaps);
    expect(html.match(/<td>group-\d+<\/td>/g)).toHaveLength(checks * MAX_BREAKDOWN_ROWS);
    expect(html).toContain(`… and ${2000 - MAX_BREAKDOWN_ROWS} more rows in report.json`);
    expect(html.match(/<li>sample \d+ could not be scored<\/li>/g)).toHaveLength(checks * MAX_ERRORS);
    expect(html.match(/<h3>Worst (\d+) of 5000 samples/g)).toHaveLength(checks);
    expect(html).toContain(`<h3>Worst ${worst} of 5000 samples`);
    expect(html).not.toContain('img_004999'); // a sample that is not among the worst
  });

  it('renders 200 000 samples per check (no call-stack overflow from spreading scores)', async () => {
    const html = await render(200_000);
    expect(Buffer.byteLength(html)).toBeLessThan(BOUND_BYTES);
    expect(html).toContain('aria-label="Histogram of 200000 scores"');
  });
});
