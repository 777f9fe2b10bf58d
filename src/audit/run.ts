import { dirname, relative } from 'node:path';
import { hasNaN, predictions } from '../checks/_core/stats.js';
import { getCheck } from '../checks/registry.js';
import type { AnyCheck, CheckContext, SampleScore } from '../checks/types.js';
import { XauditError } from '../core/errors.js';
import type { Dataset } from '../data/dataset.js';
import type { Manifest, Sample } from '../data/manifest.js';
import {
  assembleReport,
  type CheckHead,
  erroredCheckReport,
  rowOf,
  type SampleRow,
  scoredCheckReport,
} from './assemble.js';
import type { AttributionCache } from './cache.js';
import { createCheckContext, RunCaches } from './context.js';
import type { PreparedAudit, PreparedBaseline } from './prepare.js';
import type {
  CheckReport,
  Heatmap,
  Outcome,
  Report,
  ReportArtifacts,
  ShardGate,
  ShardInfo,
} from './report.js';
import type { CheckSpec } from './spec.js';
import { worstSamples } from './verdict.js';

export type RunEvent =
  | { type: 'check-start'; index: number; total: number; id: string; samples: number }
  | { type: 'progress'; id: string; done: number; samples: number }
  | { type: 'check-end'; id: string; outcome: Outcome; message: string };

export interface RunOptions {
  /** Run only these check ids. */
  only?: string[];
  signal?: AbortSignal;
  onEvent?(e: RunEvent): void;
  /**
   * Paths in the report are written relative to this folder. Default: the spec's folder, so the
   * report's bytes do not depend on where xaudit ran (the spec itself is then its file name).
   */
  cwd?: string;
  /** On-disk attribution cache shared across runs (none by default). */
  cache?: AttributionCache;
  /** Score only this shard's samples and write a partial report for `merge`. */
  shard?: Shard;
  /** Baseline mode: every check is also scored on this model, or read from this stored report. */
  baseline?: PreparedBaseline;
}

/** 1-based shard `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** 'i/n' with 1 <= i <= n, else null. */
export function parseShard(text: string): Shard | null {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (m === null) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && index <= count ? { index, count } : null;
}

/** The contiguous [start, end) rows of a manifest of n samples that shard index/count scores. */
export function shardRange(n: number, shard: Shard): [number, number] {
  return [Math.floor((n * (shard.index - 1)) / shard.count), Math.floor((n * shard.index) / shard.count)];
}

export interface RunResult {
  report: Report;
  artifacts: ReportArtifacts;
}

/** Evaluate every check; the report is always whole (an unusable check is marked 'error' with its reason). */
export async function runAudit(prepared: PreparedAudit, opts: RunOptions = {}): Promise<RunResult> {
  const { spec, model } = prepared;
  const started = performance.now();
  const caches = new RunCaches(opts.cache ?? null);
  // The baseline model has its own in-run caches (they are keyed by sample, not model).
  const baselineCaches = new RunCaches(opts.cache ?? null);
  const baselineModel = opts.baseline !== undefined && 'model' in opts.baseline ? opts.baseline : null;
  const baselineReport = opts.baseline !== undefined && 'report' in opts.baseline ? opts.baseline : null;
  const selected =
    opts.only === undefined ? spec.checks : spec.checks.filter((c) => opts.only?.includes(c.id));
  const reports: CheckReport[] = [];
  const heatmaps = new Map<string, Heatmap[]>();
  const gates: Record<string, ShardGate> = {};
  const timings: Record<string, number> = {};
  // The last check scoring each explanation: its maps are dropped once that check is done.
  const lastUse = new Map<string, number>();
  for (const [i, c] of selected.entries()) if (c.explanation !== null) lastUse.set(c.explanation, i);
  for (const [index, check] of selected.entries()) {
    for (const [explanation, last] of lastUse) {
      if (last !== index - 1) continue;
      caches.release(explanation);
      baselineCaches.release(explanation);
    }
    opts.signal?.throwIfAborted();
    const t0 = performance.now();
    const dataset = prepared.datasets.get(check.data);
    if (dataset === undefined) throw new XauditError('INTERNAL', `dataset '${check.data}' was not prepared`);
    // A shard scores its contiguous slice of the manifest; `where` applies within it.
    const [from, to] =
      opts.shard === undefined ? [0, dataset.samples.length] : shardRange(dataset.samples.length, opts.shard);
    const samples = dataset.samples.slice(from, to).filter((s) => matches(check, s));
    opts.onEvent?.({
      type: 'check-start',
      index,
      total: selected.length,
      id: check.id,
      samples: samples.length,
    });
    const unit = getCheck(check.check);
    const head: CheckHead = {
      id: check.id,
      check: check.check,
      title: unit.title,
      category: unit.category,
      scoreDirection: unit.directionFor?.(check.options) ?? unit.scoreDirection,
      severity: check.severity,
      location: { line: check.line, col: check.col },
      explanation: check.explanation,
      method: check.explanation === null ? null : spec.explanations[check.explanation].method,
      data: check.data,
      where:
        check.where === null
          ? null
          : Object.fromEntries(Object.entries(check.where).map(([k, v]) => [k, v.join(',')])),
    };
    gates[check.id] = { expect: check.expect, max_errors: check.max_errors, scored: false };
    let scores: SampleScore[];
    let ctx: CheckContext | undefined;
    let baselineRows: SampleRow[] | null = null;
    try {
      const missing = missingColumn(unit, dataset.manifest);
      if (missing !== null && samples.length > 0) {
        throw new XauditError(
          'SPEC_INVALID',
          `check '${check.check}' needs ${missing} column in ${dataset.manifest.file}`,
        );
      }
      const retainMaps = check.explanation === null || lastUse.get(check.explanation) !== index;
      const scored = await scoreOn(
        prepared,
        caches,
        check,
        dataset,
        samples,
        { ...opts, retainMaps },
        (done) => opts.onEvent?.({ type: 'progress', id: check.id, done, samples: samples.length }),
      );
      scores = scored.scores;
      ctx = scored.ctx;
      if (baselineModel !== null) {
        const onBaseline = {
          ...prepared,
          model: baselineModel.model,
          modelSha256: baselineModel.source.sha256,
        };
        const b = await scoreOn(
          onBaseline,
          baselineCaches,
          check,
          dataset,
          samples,
          { ...opts, retainMaps },
          (done) => opts.onEvent?.({ type: 'progress', id: check.id, done, samples: samples.length }),
        ).catch((e: unknown) => {
          // Say which model failed: the current one's scores were fine.
          if (e instanceof XauditError) {
            throw new XauditError(e.code, `baseline model: ${e.message}`, { hint: e.hint, cause: e });
          }
          throw e;
        });
        baselineRows = rowsOf(samples, b.scores);
      } else if (baselineReport !== null) {
        baselineRows = storedBaseline(baselineReport.report, check, head.method, samples);
      }
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      if (
        e instanceof XauditError &&
        e.code !== 'SPEC_INVALID' &&
        e.code !== 'SPEC_REFERENCE' &&
        e.code !== 'INTERNAL'
      )
        throw e;
      const reason = e instanceof Error ? e.message : String(e);
      reports.push(erroredCheckReport(head, reason));
      timings[check.id] = performance.now() - t0;
      opts.onEvent?.({ type: 'check-end', id: check.id, outcome: 'error', message: reason });
      continue;
    }
    gates[check.id].scored = true;
    const report = scoredCheckReport(head, unit, check, rowsOf(samples, scores), {
      worst: spec.report.worst,
      seed: spec.seed,
      baseline: baselineRows,
      partial: opts.shard !== undefined,
    });
    if (opts.shard !== undefined && samples.length === 0 && dataset.samples.some((s) => matches(check, s))) {
      // The selection lies in other shards: nothing to gate here, and failing this shard's job
      // would be wrong; merge still sees the (empty) samples and decides on the whole selection.
      report.outcome = 'pass';
      report.message = `no samples of this selection in shard ${opts.shard.index}/${opts.shard.count}`;
      report.expectations = [];
      report.errors = [];
    }
    reports.push(report);
    if (ctx?.explanation && spec.report.heatmaps > 0) {
      heatmaps.set(check.id, await heatmapsFor(ctx, report, samples, spec.report.heatmaps));
    }
    timings[check.id] = performance.now() - t0;
    opts.onEvent?.({ type: 'check-end', id: check.id, outcome: report.outcome, message: report.message });
  }
  const cwd = opts.cwd ?? dirname(spec.file);
  const rel = (p: string) => relative(cwd, p) || '.';
  const shard: ShardInfo | undefined =
    opts.shard === undefined
      ? undefined
      : {
          index: opts.shard.index,
          count: opts.shard.count,
          partial: true,
          ranges: Object.fromEntries(
            [...prepared.datasets.entries()].map(([name, ds]) => [
              name,
              shardRange(ds.samples.length, opts.shard as Shard),
            ]),
          ),
          worst: spec.report.worst,
          gates,
        };
  const report = assembleReport(
    {
      spec: { name: spec.name, path: rel(spec.file), sha256: spec.sha256 },
      seed: spec.seed,
      model: {
        path: rel(spec.model.path),
        format: model.info.format,
        sha256: prepared.modelSha256,
        classes: spec.model.classes,
        engine: model.engine,
        threads: model.threads ?? 1,
        ...(model.fallback === undefined ? {} : { fallback: model.fallback }),
      },
      ...(opts.baseline === undefined
        ? {}
        : { baseline: { ...opts.baseline.source, path: rel(opts.baseline.source.path) } }),
      datasets: Object.fromEntries(
        [...prepared.datasets.entries()].map(([name, ds]) => [
          name,
          {
            manifest: rel(ds.manifest.file),
            sha256: prepared.datasetSha256.get(name) ?? '',
            samples: ds.samples.length,
          },
        ]),
      ),
    },
    reports,
    { totalMs: performance.now() - started, checks: timings },
    { shard },
  );
  return { report, artifacts: { heatmaps } };
}

/** Targets, then the check's per-sample scores on one model; a NaN model output errors that sample. */
async function scoreOn(
  prepared: PreparedAudit,
  caches: RunCaches,
  check: CheckSpec,
  dataset: Dataset,
  samples: Sample[],
  opts: RunOptions & { retainMaps: boolean },
  onProgress: (done: number) => void,
): Promise<{ scores: SampleScore[]; ctx: CheckContext }> {
  const { spec, model } = prepared;
  const base = {
    prepared,
    caches,
    check,
    dataset,
    samples,
    maxBatch: spec.model.batch_size,
    signal: opts.signal,
    retainMaps: opts.retainMaps,
  };
  const provisional = createCheckContext({
    ...base,
    targets: new Int32Array(samples.length),
    onProgress: () => {},
  });
  const logits = await provisional.logits(samples);
  const targets = resolveTargets(check, samples, logits, spec.model.classes);
  const ctx = createCheckContext({ ...base, targets, onProgress });
  const scores = await getCheck(check.check).evaluate(ctx, check.options);
  const k = model.info.outputs;
  for (let i = 0; i < samples.length; i++) {
    if (hasNaN(logits.subarray(i * k, (i + 1) * k))) {
      scores[i] = { score: null, error: 'the model output is NaN' };
    }
  }
  return { scores, ctx };
}

function rowsOf(samples: readonly Sample[], scores: readonly SampleScore[]): SampleRow[] {
  return samples.map((s, i) => ({ ...scores[i], id: s.id, path: s.id, label: s.label, group: s.group }));
}

/** A stored report's rows of this check for the same samples (by id), in this run's order. */
function storedBaseline(
  report: Report,
  check: CheckSpec,
  method: string | null,
  samples: readonly Sample[],
): SampleRow[] | null {
  const stored = report.checks.find((c) => c.id === check.id);
  const gated = Object.values(check.expect).some((e) => e.delta_vs_baseline !== undefined);
  if (stored === undefined || stored.samples.length === 0) {
    if (!gated) return null;
    throw new XauditError(
      'SPEC_INVALID',
      `the baseline report has no ${stored === undefined ? 'check' : 'scored samples for check'} '${check.id}'`,
    );
  }
  if (stored.check !== check.check || stored.method !== method) {
    const what = (c: string, m: string | null) => `${c}${m === null ? '' : ` of ${m}`}`;
    throw new XauditError(
      'SPEC_INVALID',
      `the baseline report's check '${check.id}' is ${what(stored.check, stored.method)}, this one ${what(check.check, method)}: they cannot be compared`,
    );
  }
  const byId = new Map(stored.samples.map((s) => [s.id, s]));
  const rows = samples.flatMap((s) => {
    const r = byId.get(s.id);
    return r === undefined ? [] : [rowOf(r)];
  });
  if (rows.length === 0 && samples.length > 0 && gated) {
    throw new XauditError(
      'SPEC_INVALID',
      `the baseline report's check '${check.id}' shares no samples with this run`,
    );
  }
  return rows;
}

/** "a 'box'" when the manifest lacks a column the check needs, else null. */
function missingColumn(unit: AnyCheck, m: Manifest): string | null {
  if (unit.needs.boxes && !m.hasBoxes) return "a 'box'";
  if (unit.needs.region && !m.hasBoxes && !m.hasMasks) return "a 'box' or 'mask'";
  if (unit.needs.groups && !m.hasGroups) return "a 'group'";
  return null;
}

function matches(check: CheckSpec, s: Sample): boolean {
  if (check.where === null) return true;
  for (const [key, values] of Object.entries(check.where)) {
    const v = key === 'label' ? s.label : key === 'group' ? s.group : null;
    if (v === null || !values.includes(v)) return false;
  }
  return true;
}

function resolveTargets(
  check: CheckSpec,
  samples: Sample[],
  logits: Float32Array,
  classes: readonly string[],
): Int32Array {
  if (check.target === 'label') return Int32Array.from(samples, (s) => s.labelIndex);
  if (check.target === 'predicted') return predictions(logits, samples.length);
  const index = classes.indexOf(check.target.class);
  return new Int32Array(samples.length).fill(index);
}

async function heatmapsFor(
  ctx: CheckContext,
  report: CheckReport,
  samples: Sample[],
  k: number,
): Promise<Heatmap[]> {
  const byId = new Map(samples.map((s, i) => [s.id, i]));
  // The spec's report.heatmaps may ask for more pictures than report.worst lists.
  const chosen = worstSamples(report, k).map((id) => byId.get(id) as number);
  const maps = await ctx.maps(
    chosen.map((i) => samples[i]),
    Int32Array.from(chosen, (i) => ctx.targets[i]),
  );
  const [h, w, c] = ctx.input.shape;
  const out: Heatmap[] = [];
  for (const [j, i] of chosen.entries()) {
    const decoded = await ctx.dataset.decode(samples[i]);
    out.push({
      sampleId: samples[i].id,
      label: samples[i].label,
      score: report.samples[i].score,
      image: { width: w, height: h, channels: c === 1 ? 1 : 3, data: decoded.pixels },
      map: maps[j].map,
      boxes: decoded.boxes.map((b) => [b[0], b[1], b[2], b[3]]),
    });
  }
  return out;
}
