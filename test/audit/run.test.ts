import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';

describe('runAudit', () => {
  it('stops on abort (Ctrl-C) instead of returning a partial report', async () => {
    const prepared = await prepareAudit(await loadSpec('audits/wolf-snow-biased.yaml'));
    const controller = new AbortController();
    const seen: string[] = [];
    const run = runAudit(prepared, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'check-start') seen.push(e.id);
        // Abort while the IG check (the slow one) is computing.
        if (e.type === 'check-start' && e.id === 'ig-completeness') controller.abort();
      },
    });
    await expect(run).rejects.toThrow();
    expect(seen).toEqual(['accuracy', 'evidence-on-animal', 'ig-completeness']);
    prepared.model.dispose();
  });

  it('runs only the checks named by --only, in spec order', async () => {
    const prepared = await prepareAudit(await loadSpec('audits/wolf-snow-biased.yaml'));
    const { report } = await runAudit(prepared, { only: ['no-snow-shortcut', 'accuracy'] });
    expect(report.checks.map((c) => c.id)).toEqual(['accuracy', 'no-snow-shortcut']);
    expect(report.summary).toMatchObject({ outcome: 'fail', exitCode: 1, counts: { pass: 1, fail: 1 } });
    prepared.model.dispose();
  });
});
