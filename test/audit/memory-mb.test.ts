/**
 * The engine memory budget reaches the model from the command line (--memory-mb), the environment
 * (XAUDIT_MEMORY_MB: the machine's limit) and the spec (model.memory_mb), in that order of precedence.
 */

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import { XauditError } from '../../src/core/errors.js';
import { DEFAULT_MEMORY_MB } from '../../src/models/engines/memory-budget.js';
import { runCli } from '../helpers/cli.js';

const SPEC = 'audits/wolf-snow-biased.yaml';

async function budgetOf(specMb: number | undefined, cliMb?: number): Promise<number> {
  const spec = await loadSpec(SPEC);
  if (specMb !== undefined) spec.model.memory_mb = specMb;
  // The wasm engine exposes its budget; the models of every engine take it alike.
  const prepared = await prepareAudit(spec, { engine: 'wasm', memoryMb: cliMb });
  try {
    return (prepared.model as unknown as { memoryMb: number }).memoryMb;
  } finally {
    prepared.model.dispose();
  }
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('model.memory_mb, --memory-mb and XAUDIT_MEMORY_MB', () => {
  it('default, spec, environment, command line: each overrides the one before', async () => {
    vi.stubEnv('XAUDIT_MEMORY_MB', '');
    expect(await budgetOf(undefined)).toBe(DEFAULT_MEMORY_MB);
    expect(await budgetOf(200)).toBe(200);
    vi.stubEnv('XAUDIT_MEMORY_MB', '300');
    expect(await budgetOf(200)).toBe(300);
    expect(await budgetOf(200, 100)).toBe(100);
  });

  it('a bad XAUDIT_MEMORY_MB is a usage error naming it, and no spec line', async () => {
    vi.stubEnv('XAUDIT_MEMORY_MB', 'lots');
    const e = await budgetOf(undefined).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XauditError);
    expect((e as XauditError).code).toBe('USAGE');
    expect((e as XauditError).location).toBeUndefined();
    expect((e as Error).message).toContain("XAUDIT_MEMORY_MB='lots' is not a positive number of MiB");
    vi.unstubAllEnvs();
    const cli = await runCli(['run', SPEC, '-q'], { XAUDIT_MEMORY_MB: 'lots' });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/^xaudit: error\[USAGE\]: XAUDIT_MEMORY_MB='lots'/);
  });

  it('rejects a non-positive budget on the command line and in the spec (exit 2)', async () => {
    const cli = await runCli(['run', SPEC, '--memory-mb', '0', '-q']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('expected a positive number of MiB');
    const dir = await mkdtemp(join(tmpdir(), 'xaudit-memory-mb-'));
    const text = (await readFile(SPEC, 'utf8'))
      .replace('../fixtures/', `${resolve('fixtures')}/`)
      .replace('../fixtures/', `${resolve('fixtures')}/`)
      .replace(/^model:\n/m, 'model:\n  memory_mb: -5\n');
    await writeFile(join(dir, 'spec.yaml'), text);
    const bad = await runCli(['validate', join(dir, 'spec.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/spec\.yaml:8:\d+.*memory_mb/);
    // Regression: .inf passed validation and failed at run time on model.path's line.
    await writeFile(join(dir, 'inf.yaml'), text.replace('memory_mb: -5', 'memory_mb: .inf'));
    const inf = await runCli(['validate', join(dir, 'inf.yaml')]);
    expect(inf.code).toBe(2);
    expect(inf.stderr).toMatch(/inf\.yaml:8:\d+.*memory_mb/);
  });
});
