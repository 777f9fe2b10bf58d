import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';

describe('regression: report.heatmaps was capped by report.worst and by the HTML reporter', () => {
  it('keeps as many heatmaps as the spec asks, beyond the worst-k list', async () => {
    const spec = await loadSpec('audits/wolf-snow-biased.yaml');
    spec.report = { worst: 2, heatmaps: 7 };
    const prepared = await prepareAudit(spec);
    try {
      const { report, artifacts } = await runAudit(prepared, { only: ['evidence-on-animal'] });
      expect(report.checks[0].worst).toHaveLength(2);
      const maps = artifacts.heatmaps.get('evidence-on-animal') ?? [];
      expect(maps).toHaveLength(7);
      // The first pictures are the worst-k, in the same order.
      expect(maps.slice(0, 2).map((m) => m.sampleId)).toEqual(report.checks[0].worst);
    } finally {
      prepared.model.dispose();
    }
  }, 60_000);
});
