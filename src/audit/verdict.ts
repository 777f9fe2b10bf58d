import type { CheckSummary, ScoredSample } from '../checks/types.js';
import { BOOTSTRAP_DEFAULTS, bootstrapInterval } from './bootstrap.js';
import {
  type ExpectSpec,
  evaluateExpect,
  SAMPLE_STATISTICS,
  type StatView,
  sampleAggregates,
  statisticOf,
} from './expect.js';
import type { CheckReport, ExpectationResult, Outcome } from './report.js';
import type { CheckSpec } from './spec.js';

export interface Verdict {
  outcome: Outcome;
  message: string;
  expectations: ExpectationResult[];
  stats: Record<string, number | null>;
  errors: string[];
  /** The check's own summary of the rows (breakdowns). */
  summary: CheckSummary;
  /** With a baseline: the statistics of both runs over the samples both scored. */
  paired: { current: StatView; baseline: StatView } | null;
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(4));

/** What decides a check's outcome: its spec's gate (also carried by shard reports for merge). */
export type CheckGate = Pick<CheckSpec, 'expect' | 'max_errors' | 'severity'>;

/** What a verdict is computed from: the rows (aligned with ids) and how the check summarizes them. */
export interface VerdictInput {
  rows: readonly ScoredSample[];
  ids: readonly string[];
  summarize(rows: readonly ScoredSample[]): CheckSummary;
  /** The spec's seed and the check id key the bootstrap's resamples. */
  seed: number;
  checkId: string;
  /** The baseline's rows and their sample ids, for delta_vs_baseline (null: no baseline). */
  baseline?: { rows: readonly ScoredSample[]; ids: readonly string[] } | null;
  /**
   * A shard's verdict: a dataset-level value it cannot compute on its slice (a group too
   * small here, an interval) is left to merge, not an error.
   */
  partial?: boolean;
}

const scored = (r: ScoredSample) => r.error === undefined && r.score !== null;

/** The rows of both runs for the samples both scored, in the current run's order. */
function pairRows(
  rows: readonly ScoredSample[],
  ids: readonly string[],
  baseline: { rows: readonly ScoredSample[]; ids: readonly string[] },
): { current: ScoredSample[]; baseline: ScoredSample[] } {
  const byId = new Map(baseline.ids.map((id, i) => [id, baseline.rows[i]]));
  const current: ScoredSample[] = [];
  const base: ScoredSample[] = [];
  for (const [i, r] of rows.entries()) {
    const b = byId.get(ids[i]);
    if (b === undefined || !scored(r) || !scored(b)) continue;
    current.push(r);
    base.push(b);
  }
  return { current, baseline: base };
}

/** Aggregates of the scored rows, the check's own dataset-level values, n and the error count. */
export function statView(rows: readonly ScoredSample[], summary: CheckSummary): StatView {
  const scores: number[] = [];
  let errors = 0;
  for (const r of rows) {
    if (r.error !== undefined || r.score === null) errors++;
    else scores.push(r.score);
  }
  return {
    scores,
    stats: { ...sampleAggregates(scores), ...summary.stats, n: scores.length, errors },
  };
}

/** Outcome of one check from its rows: errors first, then the expectations. */
export function verdict(gate: CheckGate, input: VerdictInput): Verdict {
  const { rows, ids } = input;
  const summary = input.summarize(rows);
  const view = statView(rows, summary);
  const { stats } = view;
  const errored = ids.filter((_, i) => rows[i].error !== undefined || rows[i].score === null);
  const errors: string[] = [];
  if (ids.length === 0) errors.push('the selection holds no samples');
  if (errored.length > gate.max_errors) {
    const first = rows.find((s) => s.error !== undefined)?.error ?? 'no score';
    const names = errored.slice(0, 5).join(', ') + (errored.length > 5 ? ', ...' : '');
    errors.push(
      `${errored.length} sample(s) could not be scored (max_errors: ${gate.max_errors}): ${names}; first reason: ${first}`,
    );
  }
  const baseline = input.baseline ?? null;
  const gatesDelta = Object.values(gate.expect).some((e) => e.delta_vs_baseline !== undefined);
  const pairs = baseline === null ? null : pairRows(rows, ids, baseline);
  const paired =
    pairs === null
      ? null
      : {
          current: statView(pairs.current, input.summarize(pairs.current)),
          baseline: statView(pairs.baseline, input.summarize(pairs.baseline)),
        };
  if (baseline !== null && gatesDelta) {
    const failedOnBaseline = baseline.rows.filter((r) => !scored(r)).length;
    if (failedOnBaseline > gate.max_errors) {
      errors.push(
        `baseline: ${failedOnBaseline} sample(s) could not be scored on the baseline (max_errors: ${gate.max_errors}); first reason: ${baseline.rows.find((r) => r.error !== undefined)?.error ?? 'no score'}`,
      );
    }
  }
  // ci_lower and ci_upper of one statistic share their resamples: compute the interval once.
  const intervals = new Map<string, ReturnType<typeof bootstrapInterval>>();
  const interval = (statistic: string, entry: ExpectSpec[string], level: number, resamples: number) => {
    const key = `${statistic}\u0000${level}\u0000${resamples}`;
    if (!intervals.has(key)) {
      // mean/median/quantile/... need only the scores: summarize() runs only for the check's own values.
      const own = !(SAMPLE_STATISTICS as readonly string[]).includes(statistic);
      const summarizeResample = own ? input.summarize : () => ({ stats: {} });
      const value = (idx: Int32Array) => {
        const sample = Array.from(idx, (i) => rows[i]);
        return statisticOf(statistic, entry, statView(sample, summarizeResample(sample))).value;
      };
      intervals.set(
        key,
        bootstrapInterval(rows.length, value, { seed: input.seed, unit: input.checkId, level, resamples }),
      );
    }
    return intervals.get(key) ?? null;
  };
  const expectations = evaluateExpect(gate.expect, view, {
    paired,
    interval: (statistic, entry, ci) =>
      interval(
        statistic,
        entry,
        ci.level ?? BOOTSTRAP_DEFAULTS.level,
        ci.resamples ?? BOOTSTRAP_DEFAULTS.resamples,
      ),
  });
  const deferred: string[] = [];
  for (const e of expectations) {
    if (e.value !== null && Number.isFinite(e.value)) continue;
    const isDelta = e.statistic.startsWith('delta_vs_baseline');
    if (isDelta && baseline === null) {
      errors.push(
        `${e.statistic} needs a baseline (--baseline-model, --baseline-report or baseline: in the spec)`,
      );
    } else if (input.partial === true) {
      deferred.push(e.statistic);
    } else if (isDelta && pairs !== null && pairs.current.length === 0) {
      errors.push(
        `${e.statistic} could not be computed: no sample was scored by both the model and the baseline`,
      );
    } else {
      errors.push(`${e.statistic} could not be computed${reasonFor(e.statistic, summary)}`);
    }
  }
  if (errors.length > 0) {
    return { outcome: 'error', message: errors[0], expectations, stats, errors, summary, paired };
  }
  const left =
    deferred.length === 0 ? '' : `${deferred.join(', ')} left to merge (not computable on this shard)`;
  const failed = expectations.filter((e) => !e.passed && !deferred.includes(e.statistic));
  const shown = failed.length > 0 ? failed : expectations.filter((e) => !deferred.includes(e.statistic));
  const parts = shown.map((e) =>
    `${e.statistic} ${fmt(e.value)} ${e.passed ? '' : 'not '}${e.op} ${e.threshold}`.replace('  ', ' '),
  );
  const chance = stats.chance === undefined ? '' : ` (chance ${fmt(stats.chance)})`;
  const outcome: Outcome = failed.length === 0 ? 'pass' : gate.severity === 'warn' ? 'warn' : 'fail';
  const message = [parts.join('; ') + chance, left].filter((m) => m !== '' && m !== chance).join('; ');
  return {
    outcome,
    message: message === '' ? left : message,
    expectations,
    stats,
    errors,
    summary,
    paired,
  };
}

/** ": <why>" when the check said why the statistic behind an expectation is null. */
function reasonFor(label: string, summary: CheckSummary): string {
  const m = /^(?:delta_vs_baseline|ci_lower|ci_upper)\(([^,()]+)/.exec(label);
  const why = summary.reasons?.[m === null ? label : m[1]];
  return why === undefined ? '' : `: ${why}`;
}

/** The gate without its baseline comparisons: what the baseline itself is judged by. */
export function withoutDeltas(expect: ExpectSpec): ExpectSpec {
  const out: ExpectSpec = {};
  for (const [k, entry] of Object.entries(expect)) {
    const { delta_vs_baseline: _, ...rest } = entry;
    out[k] = rest;
  }
  return out;
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
