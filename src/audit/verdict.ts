import type { CheckScores } from '../checks/types.js';
import { evaluateExpect, sampleAggregates } from './expect.js';
import type { CheckReport, ExpectationResult, Outcome } from './report.js';
import type { CheckSpec } from './spec.js';

export interface Verdict {
  outcome: Outcome;
  message: string;
  expectations: ExpectationResult[];
  stats: Record<string, number | null>;
  errors: string[];
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(4));

/** What decides a check's outcome: its spec's gate (also carried by shard reports for merge). */
export type CheckGate = Pick<CheckSpec, 'expect' | 'max_errors' | 'severity'>;

/** Outcome of one check from its scores: errors first, then the expectations. */
export function verdict(spec: CheckGate, scores: CheckScores, ids: readonly string[]): Verdict {
  const scored: number[] = [];
  const errored: string[] = [];
  scores.samples.forEach((s, i) => {
    if (s.error !== undefined || s.score === null) errored.push(ids[i]);
    else scored.push(s.score);
  });
  const stats: Record<string, number | null> = {
    ...sampleAggregates(scored),
    ...scores.stats,
    n: scored.length,
    errors: errored.length,
  };
  const errors: string[] = [];
  if (ids.length === 0) errors.push('the selection holds no samples');
  if (errored.length > spec.max_errors) {
    const first = scores.samples.find((s) => s.error !== undefined)?.error ?? 'no score';
    const names = errored.slice(0, 5).join(', ') + (errored.length > 5 ? ', ...' : '');
    errors.push(
      `${errored.length} sample(s) could not be scored (max_errors: ${spec.max_errors}): ${names}; first reason: ${first}`,
    );
  }
  const expectations = evaluateExpect(spec.expect, scored, stats);
  for (const e of expectations) {
    if (e.value === null || !Number.isFinite(e.value)) errors.push(`${e.statistic} could not be computed`);
  }
  if (errors.length > 0) {
    return { outcome: 'error', message: errors[0], expectations, stats, errors };
  }
  const failed = expectations.filter((e) => !e.passed);
  const shown = failed.length > 0 ? failed : expectations;
  const parts = shown.map((e) =>
    `${e.statistic} ${fmt(e.value)} ${e.passed ? '' : 'not '}${e.op} ${e.threshold}`.replace('  ', ' '),
  );
  const chance = stats.chance === undefined ? '' : ` (chance ${fmt(stats.chance)})`;
  const outcome: Outcome = failed.length === 0 ? 'pass' : spec.severity === 'warn' ? 'warn' : 'fail';
  return { outcome, message: parts.join('; ') + chance, expectations, stats, errors };
}

/** Ids of the k worst scored samples (ties broken by id, so the order is deterministic). */
export function worstSamples(report: Pick<CheckReport, 'samples' | 'scoreDirection'>, k: number): string[] {
  const sign = report.scoreDirection === 'higher' ? 1 : -1;
  return report.samples
    .filter((s) => s.score !== null)
    .sort(
      (a, b) =>
        sign * ((a.score as number) - (b.score as number)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, k)
    .map((s) => s.id);
}

export function exitCodeOf(outcomes: readonly Outcome[]): 0 | 1 | 2 {
  if (outcomes.includes('error')) return 2;
  if (outcomes.includes('fail')) return 1;
  return 0;
}
