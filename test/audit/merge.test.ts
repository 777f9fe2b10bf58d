import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { mergeReports } from '../../src/audit/merge.js';
import { type PreparedAudit, prepareAudit } from '../../src/audit/prepare.js';
import type { Report } from '../../src/audit/report.js';
import { runAudit } from '../../src/audit/run.js';

// The checks without attributions: fast enough to merge many shard counts in-process.
const ONLY = ['accuracy', 'fgsm-robust', 'no-snow-shortcut'];
let prepared: PreparedAudit;

beforeAll(async () => {
  prepared = await prepareAudit(await loadSpec('audits/wolf-snow-biased.yaml'));
});
afterAll(() => prepared.model.dispose());

/** As written to and read from disk, timings and provenance aside. */
const comparable = (r: Report) => {
  const { timings: _t, merged: _m, ...rest } = JSON.parse(JSON.stringify(r)) as Report;
  return JSON.stringify(rest);
};

describe('mergeReports', () => {
  it('equals the unsharded report for 2, 5 and 64 shards (uneven ones too), given in any order', async () => {
    const whole = (await runAudit(prepared, { only: ONLY })).report;
    for (const count of [2, 5, 64]) {
      const shards: Report[] = [];
      for (let index = 1; index <= count; index++) {
        const r = (await runAudit(prepared, { only: ONLY, shard: { index, count } })).report;
        shards.push(JSON.parse(JSON.stringify(r)) as Report);
      }
      const merged = mergeReports(shards.reverse());
      expect(merged.merged).toEqual({ shards: count });
      expect(comparable(merged), `${count} shards`).toBe(comparable(whole));
    }
  }, 120_000);

  it('recomputes dataset-level values from the samples instead of averaging the shards', async () => {
    const shards = [1, 2, 3].map(
      async (index) => (await runAudit(prepared, { only: ['accuracy'], shard: { index, count: 3 } })).report,
    );
    const reports = await Promise.all(shards);
    const merged = mergeReports(reports);
    const acc = (r: Report) => r.checks[0].stats.accuracy as number;
    const pooled =
      reports.reduce((s, r) => s + r.checks[0].samples.filter((x) => x.passed === true).length, 0) / 64;
    expect(acc(merged)).toBe(pooled);
    // Shards of 21, 21 and 22 samples: per-group breakdowns come from the samples' groups.
    expect(Object.keys(merged.checks[0].breakdown.group_accuracy ?? {}).sort()).toEqual(['grass', 'snow']);
  }, 60_000);
});
