import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { workspace } from '../helpers/workspace.js';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('regression: an earlier report in --out survived a run that failed before evaluation', () => {
  it('a failing run leaves no report in --out, not even the previous one', async () => {
    const dir = await workspace();
    const spec = join(dir, 'spec.yaml');
    const out = join(dir, 'out');
    expect((await runCli(['run', spec, '--only', 'accuracy', '--out', out, '-q'])).code).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).checks).toHaveLength(1);
    await rm(join(dir, 'model'), { recursive: true });
    const r = await runCli(['run', spec, '--only', 'accuracy', '--out', out, '-q']);
    expect(r.code).toBe(2);
    for (const name of ['report.json', 'report.html', 'junit.xml']) {
      expect(await exists(join(out, name)), name).toBe(false);
    }
  }, 60_000);
});
