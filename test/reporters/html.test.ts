import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlReporter } from '../../src/reporters/html.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { context, tempDir } from './helpers.js';

describe('html reporter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let html: string;
  const report = sampleReport();
  report.checks[1].samples[0].label = 'wolf <b>&"snow"</b>';
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await htmlReporter.write(report, sampleArtifacts(report), context(dir), htmlReporter.defaults);
    html = await readFile(join(dir, 'report.html'), 'utf8');
  });
  afterAll(() => cleanup());

  it('shows the spec, model, verdict, counts and every check', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Wolf vs husky: does it look at the animal?');
    expect(html).toContain('fixtures/models/wolf-snow/model.json');
    expect(html).toContain('<span class="badge error">ERROR</span>');
    for (const c of report.checks) {
      expect(html).toContain(`>${c.id}<`);
      expect(html).toContain(`id="check-${c.id}"`);
    }
    expect(html).toContain('mean 0.3712, expected &gt;= 0.5'); // value vs threshold, escaped
  });

  it('is self-contained: no http(s) references, no external scripts or stylesheets', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
  });

  it('escapes text from the report', () => {
    // The relabelled sample is among the worst, so it shows in the table and a heatmap caption.
    expect(html).toContain('wolf &lt;b&gt;&amp;&quot;snow&quot;&lt;/b&gt;');
    expect(html).not.toContain('<b>&"snow"</b>');
  });

  it('draws a score histogram per scored check', () => {
    const hists = html.match(/<svg class="hist"/g) ?? [];
    expect(hists.length).toBe(report.checks.filter((c) => c.samples.some((s) => s.score !== null)).length);
    expect(html).toContain('class="thr"'); // the mean threshold of the failing check
  });

  it('embeds the heatmaps as PNG data URIs that decode to non-blank, upscaled pictures', async () => {
    const uris = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => m[1]);
    // Original and overlay for each of the 4 heatmaps of the failing check.
    expect(uris.length).toBe(8);
    for (const b64 of uris) {
      const { data, info } = await sharp(Buffer.from(b64, 'base64'))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(128); // 16 px upscaled 8x (nearest)
      let min = 255;
      let max = 0;
      for (const v of data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(max - min).toBeGreaterThan(30);
    }
    // The overlay differs from the original (the colour map is blended in).
    expect(uris[0]).not.toBe(uris[1]);
    expect(html).toContain('linearGradient id="turbo"'); // the colour legend
  });

  it('stays small: only the artifacts’ heatmaps are drawn', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(200_000);
  });

  it('is deterministic: the same report renders to the same bytes', async () => {
    const again = await tempDir();
    try {
      await htmlReporter.write(report, sampleArtifacts(report), context(again.dir), htmlReporter.defaults);
      expect(await readFile(join(again.dir, 'report.html'), 'utf8')).toBe(html);
    } finally {
      await again.cleanup();
    }
  });

  it('caps the overlays per check with the heatmaps option', async () => {
    await htmlReporter.write(report, sampleArtifacts(report), context(dir), {
      ...htmlReporter.defaults,
      heatmaps: 1,
    });
    const one = await readFile(join(dir, 'report.html'), 'utf8');
    expect(one.match(/data:image\/png;base64,/g)?.length).toBe(2);
  });
});
