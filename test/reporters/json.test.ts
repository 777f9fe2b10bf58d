import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { sampleArtifacts, sampleReport } from '../fixtures/reports/sample-report.js';
import { context, tempDir } from './helpers.js';

const schema = JSON.parse(await readFile('schemas/report.schema.json', 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

describe('json reporter and report schema', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('writes report.json that round-trips, 2-space indented with a trailing newline', async () => {
    const report = sampleReport();
    await jsonReporter.write(report, sampleArtifacts(report), context(dir), jsonReporter.defaults);
    const text = await readFile(join(dir, 'report.json'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "schemaVersion": 1,');
    expect(JSON.parse(text)).toEqual(report);
    // Key order is the order the report was built in.
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(report));
    expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });

  it('validates against schemas/report.schema.json', async () => {
    const parsed = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects unknown keys at the top, in a check and in a sample', () => {
    const top = { ...sampleReport(), extra: 1 };
    expect(validate(top)).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('additionalProperties');

    const inCheck = sampleReport();
    (inCheck.checks[0] as unknown as Record<string, unknown>).verdict = 'pass';
    expect(validate(inCheck)).toBe(false);

    const inSample = sampleReport();
    (inSample.checks[1].samples[0] as unknown as Record<string, unknown>).heat = [1];
    expect(validate(inSample)).toBe(false);
  });

  it('rejects wrong values: an unknown outcome, a missing field, a bad hash', () => {
    const outcome = sampleReport();
    (outcome.checks[0] as unknown as Record<string, unknown>).outcome = 'skipped';
    expect(validate(outcome)).toBe(false);

    const missing = sampleReport() as unknown as Record<string, unknown>;
    delete missing.timings;
    expect(validate(missing)).toBe(false);

    const hash = sampleReport();
    hash.model.sha256 = 'not-a-hash';
    expect(validate(hash)).toBe(false);
  });
});
