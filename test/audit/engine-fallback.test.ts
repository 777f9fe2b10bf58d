/**
 * Regression: wasm that could not start ran the audit on tfjs-cpu (25x slower) without a word.
 * The reason now reaches stderr (even under --quiet) and report.model.fallback.
 */

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';

vi.mock('../../src/models/engines/tfjs-backend.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/models/engines/tfjs-backend.js')>();
  return {
    ...real,
    chooseBackend: async () => {
      await real.activate('cpu');
      return {
        backend: 'cpu' as const,
        engine: 'tfjs-cpu@4.22.0',
        fallback: 'the wasm backend failed to initialise: simulated',
      };
    },
  };
});

describe('an engine fallback', () => {
  it('is said on stderr and recorded in the report', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'xaudit-fallback-')), 'out');
    const r = await runCli(['run', 'audits/wolf-snow-biased.yaml', '--only', 'accuracy', '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'xaudit: warning: the wasm backend failed to initialise: simulated; running on tfjs-cpu@4.22.0',
    );
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.model.fallback).toBe('the wasm backend failed to initialise: simulated');
    expect(report.model.engine).toBe('tfjs-cpu@4.22.0');
    const schema = JSON.parse(await readFile('schemas/report.schema.json', 'utf8')) as Record<
      string,
      unknown
    >;
    const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  }, 60_000);
});
