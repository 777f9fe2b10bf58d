/**
 * The report: what every reporter renders. report.json is this object
 * (schemas/report.schema.json describes it); its key order is stable and
 * everything but `timings` is deterministic for a given spec and seed.
 */

import type { ExpectSpec } from './expect.js';

export const REPORT_SCHEMA_VERSION = 1;

export type Outcome = 'pass' | 'fail' | 'warn' | 'error';

export type Comparison = '>=' | '<=' | '>' | '<';

export interface ExpectationResult {
  /** e.g. 'mean', 'quantile(0.95)', 'fraction(<= 0.05)', 'accuracy'. */
  statistic: string;
  op: Comparison;
  threshold: number;
  /** null when it could not be computed (then the check errors). */
  value: number | null;
  passed: boolean;
}

export interface SampleResult {
  id: string;
  path: string;
  label: string;
  /** The manifest's group column, when it has one (per-group breakdowns are recomputed from it on merge). */
  group?: string;
  /** Per-sample score, null when the sample errored or the check has none. */
  score: number | null;
  /** Whether the sample met a per-sample bound (fraction gates), when there is one. */
  passed?: boolean;
  /** Why this sample could not be scored. */
  error?: string;
  /** Check-specific per-sample values (prediction, flipped, chance level...). */
  details?: Record<string, number | string | boolean | null>;
}

export interface CheckReport {
  id: string;
  check: string;
  title: string;
  category: string;
  scoreDirection: 'higher' | 'lower';
  severity: 'error' | 'warn';
  outcome: Outcome;
  /** One line: why it passed or failed, with the numbers. */
  message: string;
  /** Where the check is declared in the spec. */
  location: { line: number; col: number } | null;
  explanation: string | null;
  method: string | null;
  data: string;
  where: Record<string, string> | null;
  expectations: ExpectationResult[];
  /** Aggregates and dataset-level values, e.g. mean, median, accuracy, chance. */
  stats: Record<string, number | null>;
  /** Nested breakdowns such as per-class or per-group values. */
  breakdown: Record<string, Record<string, number | null>>;
  samples: SampleResult[];
  /** Ids of the worst samples (score direction applied), at most k. */
  worst: string[];
  /** Errors that made the check unusable, with the reason. */
  errors: string[];
  /** The same check scored on the baseline (baseline mode only). */
  baseline?: BaselineCheck;
}

/** A check's result on the baseline, beside the current model's. */
export interface BaselineCheck {
  /** The baseline judged by the check's expectations without delta_vs_baseline. */
  outcome: Outcome;
  stats: Record<string, number | null>;
  /** current - baseline, for every statistic both define. */
  delta: Record<string, number | null>;
  samples: SampleResult[];
}

/** Where the baseline came from: a second model scored on the same samples, or a stored report. */
export interface BaselineSource {
  kind: 'model' | 'report';
  path: string;
  sha256: string;
}

export interface Report {
  schemaVersion: number;
  tool: { name: 'xaudit'; version: string };
  spec: { name: string; path: string; sha256: string };
  seed: number;
  model: {
    path: string;
    format: string;
    sha256: string;
    classes: string[];
    engine: string;
    threads: number;
    /** Why the engine is not the one asked for (wasm that could not start runs on tfjs-cpu). */
    fallback?: string;
  };
  datasets: Record<string, { manifest: string; sha256: string; samples: number }>;
  /** Present only in baseline mode. */
  baseline?: BaselineSource;
  /** Present only in the report of one shard (`run --shard i/n`): partial results, to be merged. */
  shard?: ShardInfo;
  /** Present only in a report made by `xaudit merge`: provenance, the only field an unsharded run lacks. */
  merged?: { shards: number };
  summary: {
    outcome: Outcome;
    exitCode: 0 | 1 | 2;
    counts: Record<Outcome, number>;
  };
  checks: CheckReport[];
  /** Not deterministic; the only such block. */
  timings: { totalMs: number; checks: Record<string, number> };
}

/** What `xaudit merge` needs beside the samples to recompute every verdict without the spec. */
export interface ShardInfo {
  /** 1-based. */
  index: number;
  count: number;
  /** Always true: the verdicts cover this shard's samples only. */
  partial: true;
  /** Per dataset, the [start, end) range of manifest rows this shard scored. */
  ranges: Record<string, [number, number]>;
  /** report.worst of the spec. */
  worst: number;
  /** Per check id: its gate, and whether it was scored at all (false: it errored before scoring). */
  gates: Record<string, ShardGate>;
}

export interface ShardGate {
  expect: ExpectSpec;
  max_errors: number;
  scored: boolean;
}

/** An 8-bit image (HWC) for the HTML overlays. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export interface Heatmap {
  sampleId: string;
  label: string;
  /** Sample score shown in the caption. */
  score: number | null;
  image: RgbImage;
  /** [height * width] attribution map at the image's resolution. */
  map: Float32Array;
  /** Boxes in image pixel coordinates, [x0, y0, x1, y1] (x1, y1 exclusive). */
  boxes: [number, number, number, number][];
}

/** In-memory extras for reporters that draw pictures; never serialised to report.json. */
export interface ReportArtifacts {
  /** Per check id: heatmaps of its worst samples. */
  heatmaps: Map<string, Heatmap[]>;
}
