import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';
import type { CheckSpec } from '../../src/audit/spec.js';
import { checks } from '../../src/checks/registry.js';

describe('regression: deletion/insertion/road with order: least ranked the best samples as worst', () => {
  it('the report takes the score direction the options imply, and worst-k follows it', async () => {
    const spec = await loadSpec('audits/wolf-snow-biased.yaml');
    const base = spec.checks.find((c) => c.id === 'evidence-on-animal') as CheckSpec;
    const deletion = (id: string, order: 'most' | 'least'): CheckSpec => ({
      ...base,
      id,
      check: 'deletion',
      where: { label: ['wolf'] },
      expect: { mean: { '>=': 0 } },
      options: { ...structuredClone(checks.deletion.defaults), order, steps: 4 },
    });
    spec.checks = [deletion('morf', 'most'), deletion('lerf', 'least')];
    spec.report = { worst: 3, heatmaps: 0 };
    const prepared = await prepareAudit(spec);
    try {
      const { report } = await runAudit(prepared);
      const [morf, lerf] = report.checks;
      expect(morf.scoreDirection).toBe('lower');
      expect(lerf.scoreDirection).toBe('higher');
      // Worst under LeRF = the lowest scores.
      const scores = new Map(lerf.samples.map((s) => [s.id, s.score as number]));
      const lowest = [...scores.values()].sort((a, b) => a - b).slice(0, 3);
      expect(lerf.worst.map((id) => scores.get(id))).toEqual(lowest);
    } finally {
      prepared.model.dispose();
    }
  }, 60_000);
});
