/**
 * The HTML report of the biased demo audit in headless Chromium (Debian's, through playwright-core):
 * it loads offline without console errors or failed requests, shows every check and the verdict,
 * and every picture decodes to something that is not blank. A full-page screenshot is kept in
 * test-artifacts/report.png for people to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { anchor } from '../../src/reporters/_render/html-check.js';
import { runCli } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOT = resolve(import.meta.dirname, '../../test-artifacts/report.png');

const hasChromium = existsSync(CHROMIUM);
const inCi = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';
// Skipping is for developer machines only; in CI (.ci/run installs chromium) a missing browser fails.
const skipReason =
  hasChromium || inCi ? null : `${CHROMIUM} is missing (install Debian's chromium to run it)`;

interface ImageCheck {
  alt: string;
  naturalWidth: number;
  naturalHeight: number;
  /** Variance of the luminance over the drawn pixels; 0 for a blank picture. */
  variance: number;
  error: string | null;
}

describe('report.html in headless Chromium', () => {
  let tmp: string;
  let report: Report;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const externalRequests: string[] = [];

  beforeAll(async () => {
    if (skipReason !== null) return;
    if (!hasChromium) throw new Error(`CI is set but ${CHROMIUM} is missing: .ci/run installs it`);
    tmp = await mkdtemp(join(tmpdir(), 'xaudit-browser-'));
    const out = join(tmp, 'out');
    const r = await runCli(['run', 'audits/wolf-snow-biased.yaml', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(1);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    // A fresh profile each run: no cached state can hide a broken page.
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      offline: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('requestfailed', (q) =>
      failedRequests.push(`${q.url().slice(0, 120)}: ${q.failure()?.errorText}`),
    );
    page.on('request', (q) => {
      if (!/^(file|data):/.test(q.url())) externalRequests.push(q.url());
    });
    await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('loads without console errors or failed and external requests', (t) => {
    if (skipReason !== null) t.skip(skipReason);
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(externalRequests).toEqual([]);
  });

  it('shows the verdict and every check', async (t) => {
    if (skipReason !== null) t.skip(skipReason);
    expect((await page.title()).startsWith('FAIL · wolf-vs-husky gate (biased model)')).toBe(true);
    expect((await page.locator('.verdict .badge').innerText()).trim()).toBe('FAIL');
    expect(await page.locator('.verdict').innerText()).toContain('exit code 1');
    expect(report.checks.length).toBeGreaterThan(0);
    for (const c of report.checks) {
      const section = page.locator(`section#${anchor(c.id)}`);
      expect(await section.count(), c.id).toBe(1);
      expect(await section.locator('summary').innerText()).toContain(c.id);
      expect((await section.locator('summary .badge').innerText()).trim()).toBe(c.outcome.toUpperCase());
      // The overview table links to it as well.
      expect(await page.locator(`table.checks a[href="#${anchor(c.id)}"]`).count(), c.id).toBe(1);
    }
  });

  it('decodes every picture, and none is blank', async (t) => {
    if (skipReason !== null) t.skip(skipReason);
    const images = await page.evaluate(async (): Promise<ImageCheck[]> => {
      const out: ImageCheck[] = [];
      for (const img of Array.from(document.images)) {
        let error: string | null = null;
        try {
          await img.decode();
        } catch (e) {
          error = String(e);
        }
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const g = canvas.getContext('2d');
        let variance = 0;
        if (g !== null && img.naturalWidth > 0) {
          g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
          let sum = 0;
          let sq = 0;
          const n = d.length / 4;
          for (let i = 0; i < d.length; i += 4) {
            const y = 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
            sum += y;
            sq += y * y;
          }
          variance = sq / n - (sum / n) ** 2;
        }
        out.push({
          alt: img.alt,
          naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight,
          variance,
          error,
        });
      }
      return out;
    });
    // The demo has heatmaps (original + overlay) for its attribution checks.
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const im of images) {
      expect(im.error, im.alt).toBeNull();
      expect(im.naturalWidth, im.alt).toBeGreaterThan(0);
      expect(im.naturalHeight, im.alt).toBeGreaterThan(0);
      expect(im.variance, im.alt).toBeGreaterThan(25); // more than JPEG-level noise on a flat picture
    }
  });

  it('keeps a full-page screenshot in test-artifacts/report.png', async (t) => {
    if (skipReason !== null) t.skip(skipReason);
    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
  });
});
