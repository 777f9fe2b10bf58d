import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutputs } from '../../src/audit/output.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { Capture, tempDir } from './helpers.js';

describe('the reporters under the runner (writeOutputs)', () => {
  it('writes report.json, report.html and junit.xml into --out and prints the console summary', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const report = sampleReport();
      const stdout = new Capture();
      const out = join(dir, 'out');
      await writeOutputs(report, sampleArtifacts(report), {
        outDir: out,
        specPath: 'audits/wolf-snow.yaml',
        stdout,
        env: {},
        isTTY: false,
        quiet: false,
      });
      expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.html', 'report.json']);
      // No staging folders or temp files are left behind.
      expect(await readdir(dir)).toEqual(['out']);
      expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))).toEqual(report);
      expect(stdout.text).toContain('Verdict: ERROR (exit code 2)');
    } finally {
      await cleanup();
    }
  });
});
