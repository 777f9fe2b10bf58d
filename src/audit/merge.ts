import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getCheck } from '../checks/registry.js';
import { XauditError } from '../core/errors.js';
import { assembleReport, erroredCheckReport, rowOf, scoredCheckReport } from './assemble.js';
import type { CheckReport, Report } from './report.js';

/** Read the report.json of each shard folder (or a report.json path given directly). */
export async function readShardReports(paths: readonly string[]): Promise<Report[]> {
  const out: Report[] = [];
  for (const p of paths) {
    let file = p;
    try {
      if ((await stat(p)).isDirectory()) file = join(p, 'report.json');
      out.push(JSON.parse(await readFile(file, 'utf8')) as Report);
    } catch (e) {
      throw new XauditError('REPORT_INVALID', `Cannot read the shard report '${file}'`, {
        cause: e,
        hint: e instanceof Error ? e.message : undefined,
      });
    }
    if (out[out.length - 1].shard === undefined) {
      throw new XauditError('REPORT_INVALID', `'${file}' is not a shard report (it has no 'shard' block)`, {
        hint: 'Merge the outputs of `xaudit run --shard i/n`.',
      });
    }
  }
  return out;
}

/**
 * One report from the reports of shards 1..n of one audit: samples are
 * concatenated in dataset order and every statistic, expectation, worst-k and
 * outcome is recomputed from them, never averaged from shard aggregates, so
 * the result is the unsharded report (plus `merged`, and summed timings).
 */
export function mergeReports(shards: readonly Report[]): Report {
  if (shards.length === 0) throw new XauditError('REPORT_INVALID', 'No shard reports to merge');
  const first = shards[0];
  const info = (r: Report) => {
    if (r.shard === undefined) throw new XauditError('REPORT_INVALID', 'A report without a shard block');
    return r.shard;
  };
  const count = info(first).count;
  const same: [string, (r: Report) => unknown][] = [
    ['spec sha256', (r) => r.spec.sha256],
    ['seed', (r) => r.seed],
    ['model sha256', (r) => r.model.sha256],
    ['engine', (r) => r.model.engine],
    ['baseline', (r) => JSON.stringify(r.baseline ?? null)],
    ['xaudit version', (r) => r.tool.version],
    ['shard count', (r) => info(r).count],
    ['datasets', (r) => JSON.stringify(r.datasets)],
    ['check ids', (r) => r.checks.map((c) => c.id).join(',')],
  ];
  for (const [what, get] of same) {
    for (const r of shards) {
      if (get(r) !== get(first)) {
        throw new XauditError(
          'REPORT_INVALID',
          `Shard ${info(r).index}/${info(r).count} has a different ${what} than shard ${info(first).index}/${count} (${String(get(r))} vs ${String(get(first))})`,
          { hint: 'Merge shards of one run: the same spec, seed, model and engine.' },
        );
      }
    }
  }
  const byIndex = new Map<number, Report>();
  for (const r of shards) {
    const i = info(r).index;
    if (byIndex.has(i)) throw new XauditError('REPORT_INVALID', `Shard ${i}/${count} is given twice`);
    byIndex.set(i, r);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new XauditError('REPORT_INVALID', `Shard(s) ${missing.join(', ')} of ${count} are missing`, {
      hint: 'Every shard 1..n must be merged exactly once.',
    });
  }
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i + 1) as Report);
  const checks: CheckReport[] = first.checks.map((c, j) => {
    const parts = ordered.map((r) => r.checks[j]);
    const gates = ordered.map((r) => info(r).gates[c.id]);
    const unscored = parts.find((_, k) => gates[k]?.scored !== true);
    // A check that errored before scoring in a shard (e.g. a missing column) errors the same way unsharded.
    if (unscored !== undefined) return erroredCheckReport(unscored, unscored.message);
    const rows = parts.flatMap((p) => p.samples.map(rowOf));
    // A check no shard compared (e.g. one a stored baseline report lacks) has no baseline block.
    const baseline = parts.some((p) => p.baseline !== undefined)
      ? parts.flatMap((p) => (p.baseline?.samples ?? []).map(rowOf))
      : null;
    return scoredCheckReport(
      c,
      getCheck(c.check),
      { expect: gates[0].expect, max_errors: gates[0].max_errors, severity: c.severity },
      rows,
      { worst: info(first).worst, seed: first.seed, baseline },
    );
  });
  const timings: Report['timings'] = { totalMs: 0, checks: {} };
  for (const r of ordered) {
    timings.totalMs += r.timings.totalMs;
    for (const [id, ms] of Object.entries(r.timings.checks))
      timings.checks[id] = (timings.checks[id] ?? 0) + ms;
  }
  return assembleReport(first, checks, timings, { merged: { shards: count } });
}
