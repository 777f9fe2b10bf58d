/**
 * Building check reports and the report from per-sample results. A run and a
 * merge of shards both go through here, so a merged report is the unsharded
 * one by construction: every aggregate is recomputed from the samples.
 */
import type { AnyCheck, ScoredSample } from '../checks/types.js';
import { VERSION } from '../version.js';
import type { CheckReport, Outcome, Report, SampleResult, ShardInfo } from './report.js';
import { REPORT_SCHEMA_VERSION } from './report.js';
import { type CheckGate, exitCodeOf, verdict, withoutDeltas, worstSamples } from './verdict.js';

/** One sample's row: where it came from and how it scored. */
export interface SampleRow extends ScoredSample {
  id: string;
  path: string;
}

export type CheckHead = Pick<
  CheckReport,
  | 'id'
  | 'check'
  | 'title'
  | 'category'
  | 'scoreDirection'
  | 'severity'
  | 'location'
  | 'explanation'
  | 'method'
  | 'data'
  | 'where'
>;

/** A check report with nothing scored yet (outcome 'error' until scored); fixes the key order. */
export function emptyCheckReport(h: CheckHead): CheckReport {
  return {
    id: h.id,
    check: h.check,
    title: h.title,
    category: h.category,
    scoreDirection: h.scoreDirection,
    severity: h.severity,
    outcome: 'error',
    message: '',
    location: h.location,
    explanation: h.explanation,
    method: h.method,
    data: h.data,
    where: h.where,
    expectations: [],
    stats: {},
    breakdown: {},
    samples: [],
    worst: [],
    errors: [],
  };
}

/** A check that could not be scored at all, with the reason. */
export function erroredCheckReport(h: CheckHead, reason: string): CheckReport {
  return { ...emptyCheckReport(h), message: reason, errors: [reason] };
}

export interface ScoreOptions {
  worst: number;
  /** The spec's seed (keys the bootstrap). */
  seed: number;
  /** The baseline's rows of this check, in baseline mode. */
  baseline?: readonly SampleRow[] | null;
  /** A shard's report: values not computable on its slice are left to merge. */
  partial?: boolean;
}

/** The scored check report: summarize(), verdict and worst-k from the rows, in dataset order. */
export function scoredCheckReport(
  h: CheckHead,
  unit: AnyCheck,
  gate: CheckGate,
  rows: readonly SampleRow[],
  o: ScoreOptions,
): CheckReport {
  const input = {
    ids: rows.map((r) => r.id),
    summarize: (r: readonly ScoredSample[]) => unit.summarize(r),
    seed: o.seed,
    checkId: h.id,
  };
  const baseline = o.baseline ?? null;
  const baseRows = baseline === null ? null : { rows: baseline, ids: baseline.map((r) => r.id) };
  const v = verdict(gate, { ...input, rows, baseline: baseRows, partial: o.partial });
  const report: CheckReport = {
    ...emptyCheckReport(h),
    outcome: v.outcome,
    message: v.message,
    expectations: v.expectations,
    stats: v.stats,
    breakdown: v.summary.breakdown ?? {},
    samples: rows.map(sampleResult),
    errors: v.errors,
  };
  report.worst = worstSamples(report, o.worst);
  if (baseRows !== null && baseline !== null && v.paired !== null) {
    const b = verdict(
      { ...gate, expect: withoutDeltas(gate.expect) },
      { ...input, ...baseRows, partial: o.partial },
    );
    // The difference is taken over the samples both runs scored, like delta_vs_baseline.
    const now = v.paired.current.stats;
    const then = v.paired.baseline.stats;
    const delta: Record<string, number | null> = {};
    for (const [k, value] of Object.entries(now)) {
      const base = then[k];
      if (base === undefined || k === 'errors') continue;
      delta[k] = value === null || base === null ? null : value - base;
    }
    report.baseline = { outcome: b.outcome, stats: b.stats, delta, samples: baseline.map(sampleResult) };
  }
  return report;
}

function sampleResult(r: SampleRow): SampleResult {
  return {
    id: r.id,
    path: r.path,
    label: r.label,
    ...(r.group === null ? {} : { group: r.group }),
    score: r.score,
    ...(r.passed === undefined ? {} : { passed: r.passed }),
    ...(r.error === undefined ? {} : { error: r.error }),
    ...(r.details === undefined ? {} : { details: r.details }),
  };
}

/** A report.json sample back into a row (what merge reads). */
export function rowOf(s: SampleResult): SampleRow {
  return {
    id: s.id,
    path: s.path,
    label: s.label,
    group: s.group ?? null,
    score: s.score,
    ...(s.passed === undefined ? {} : { passed: s.passed }),
    ...(s.error === undefined ? {} : { error: s.error }),
    ...(s.details === undefined ? {} : { details: s.details }),
  };
}

export type ReportHead = Pick<Report, 'spec' | 'seed' | 'model' | 'datasets' | 'baseline'>;

/** The whole report from its checks; fixes the key order and derives the summary. */
export function assembleReport(
  head: ReportHead,
  checks: CheckReport[],
  timings: Report['timings'],
  provenance: { shard?: ShardInfo; merged?: { shards: number } } = {},
): Report {
  const outcomes = checks.map((r) => r.outcome);
  const counts: Record<Outcome, number> = { pass: 0, fail: 0, warn: 0, error: 0 };
  for (const o of outcomes) counts[o]++;
  const exitCode = exitCodeOf(outcomes);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'xaudit', version: VERSION },
    spec: head.spec,
    seed: head.seed,
    model: head.model,
    datasets: head.datasets,
    ...(head.baseline === undefined ? {} : { baseline: head.baseline }),
    ...(provenance.shard === undefined ? {} : { shard: provenance.shard }),
    ...(provenance.merged === undefined ? {} : { merged: provenance.merged }),
    summary: {
      outcome: exitCode === 2 ? 'error' : exitCode === 1 ? 'fail' : counts.warn > 0 ? 'warn' : 'pass',
      exitCode,
      counts,
    },
    checks,
    timings,
  };
}
