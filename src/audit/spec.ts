import type { SourceLocation } from '../core/errors.js';
import type { EngineKind } from '../models/model.js';
import type { ExpectSpec } from './expect.js';

/** The audit spec after validation, with defaults filled in and paths resolved. */
export interface AuditSpec {
  /** Absolute path of the spec file; relative paths in it resolve against its folder. */
  file: string;
  /** sha256 of the spec text, for provenance. */
  sha256: string;
  version: 1;
  name: string;
  seed: number;
  model: ModelSpec;
  data: Record<string, { manifest: string }>;
  explanations: Record<string, ExplanationSpec>;
  checks: CheckSpec[];
  report: { worst: number; heatmaps: number };
  /** What the checks are compared with (baseline mode), or null. */
  baseline: BaselineSpec | null;
  /** Where a spec path (e.g. ['model', 'input', 'size']) is written, for errors found after loading. */
  locate(path: (string | number)[]): SourceLocation;
}

/** A second model scored on the same samples, or a stored report.json (absolute path). */
export interface BaselineSpec {
  kind: 'model' | 'report';
  path: string;
}

export interface ModelSpec {
  path: string;
  classes: string[];
  input: {
    size: [number, number];
    channels: 1 | 3;
    range: [number, number];
    mean: number[];
    std: number[];
    resize: 'stretch';
  };
  engine: EngineKind;
  /** Most inputs per engine call. */
  batch_size: number;
  /** Working memory of one engine call in MiB (engines split larger calls; results do not change). */
  memory_mb?: number;
}

export interface ExplanationSpec {
  id: string;
  method: string;
  options: Record<string, unknown>;
  line: number;
  col: number;
}

export type TargetSpec = 'label' | 'predicted' | { class: string };

export interface CheckSpec {
  id: string;
  check: string;
  explanation: string | null;
  data: string;
  where: Record<string, string[]> | null;
  expect: ExpectSpec;
  severity: 'error' | 'warn';
  max_errors: number;
  target: TargetSpec;
  options: Record<string, unknown>;
  line: number;
  col: number;
}
