import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { runCli } from '../helpers/cli.js';

async function runDemo(spec: string) {
  const out = await mkdtemp(join(tmpdir(), 'xaudit-demo-'));
  const result = await runCli(['run', spec, '--out', out]);
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
  return { ...result, out, report };
}

const summary = (r: Report) => r.checks.map((c) => `${c.id}: ${c.outcome} (${c.message})`).join('\n');
const outcome = (r: Report, id: string) => r.checks.find((c) => c.id === id)?.outcome;

let firstBiasedRun: string | undefined;

describe('the demo audits', () => {
  it('fails the biased model for the right reasons, though its accuracy is high', async () => {
    const { code, report, out, stdout } = await runDemo('audits/wolf-snow-biased.yaml');
    firstBiasedRun = await readFile(join(out, 'report.json'), 'utf8');
    const why = summary(report);
    expect(outcome(report, 'accuracy'), why).toBe('pass');
    expect(outcome(report, 'evidence-on-animal'), why).toBe('fail');
    expect(outcome(report, 'no-snow-shortcut'), why).toBe('fail');
    expect(outcome(report, 'ig-completeness'), why).toBe('pass');
    expect(code, why).toBe(1);
    const mass = report.checks.find((c) => c.id === 'evidence-on-animal');
    expect(mass?.worst.length).toBeGreaterThan(0);
    expect(mass?.stats.chance).toBeGreaterThan(0);
    for (const f of ['report.json', 'report.html', 'junit.xml'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(stdout).toContain('evidence-on-animal');
    const schema = JSON.parse(await readFile('schemas/report.schema.json', 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('passes the clean model on the same checks', async () => {
    const { code, report } = await runDemo('audits/wolf-snow-clean.yaml');
    const why = summary(report);
    for (const id of ['accuracy', 'evidence-on-animal', 'no-snow-shortcut', 'ig-completeness']) {
      expect(outcome(report, id), `${id}\n${why}`).toBe('pass');
    }
    expect(code, why).toBe(0);
  });

  it('writes byte-identical reports for the same spec and seed, timings aside', async () => {
    const b = await runDemo('audits/wolf-snow-biased.yaml');
    const strip = (text: string) => {
      const r = JSON.parse(text) as Report;
      r.timings = { totalMs: 0, checks: {} };
      return JSON.stringify(r);
    };
    const ja =
      firstBiasedRun ??
      (await readFile(join((await runDemo('audits/wolf-snow-biased.yaml')).out, 'report.json'), 'utf8'));
    const jb = await readFile(join(b.out, 'report.json'), 'utf8');
    expect(strip(ja)).toBe(strip(jb));
    // Only the timings block may differ, so everything before it must match to the byte.
    expect(ja.slice(0, ja.indexOf('"timings"'))).toBe(jb.slice(0, jb.indexOf('"timings"')));
  });
});
