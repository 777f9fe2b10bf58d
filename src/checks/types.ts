import type { UnitMeta } from '../core/unit.js';
import type { Dataset } from '../data/dataset.js';
import type { InputTransform } from '../data/input.js';
import type { Sample } from '../data/manifest.js';
import type { AnyMethod } from '../methods/types.js';
import type { Model } from '../models/model.js';

export type CheckCategory =
  | 'localization'
  | 'axiomatic'
  | 'faithfulness'
  | 'sanity'
  | 'robustness'
  | 'bias'
  | 'performance';

/** One sample's attribution reduced to a map: channels summed, [h * w]. */
export interface SampleMap {
  map: Float32Array;
  /** F(x) - F(baseline) for the target, for methods with completeness. */
  outputDelta: number | null;
}

export interface ExplanationHandle {
  id: string;
  method: AnyMethod;
  options: Record<string, unknown>;
}

export interface CheckContext {
  checkId: string;
  model: Model;
  classes: readonly string[];
  /** The whole dataset (e.g. the donor pool of background-swap). */
  dataset: Dataset;
  /** The samples the check scores (after `where`). */
  samples: readonly Sample[];
  /** Resolved target class per selected sample. */
  targets: Int32Array;
  seed: number;
  input: InputTransform;
  maxBatch: number;
  signal?: AbortSignal;
  explanation: ExplanationHandle | null;
  /** Maps of the check's explanation for some of its samples (cached across checks). */
  maps(samples: readonly Sample[], targets: Int32Array): Promise<SampleMap[]>;
  /**
   * Maps of any method with the given options; `unitId` keys its RNG stream. With `model`
   * (e.g. a randomised copy of ctx.model) the maps are of that model and never disk-cached.
   */
  mapsOf(
    method: AnyMethod,
    options: Record<string, unknown>,
    unitId: string,
    samples: readonly Sample[],
    targets: Int32Array,
    model?: Model,
  ): Promise<SampleMap[]>;
  /**
   * Maps of the check's explanation on any normalised inputs ([n, h, w, c], e.g. perturbed copies
   * of samples), never cached. `ids` key a stochastic method's RNG: a sample's own id reuses the
   * noise of its map on the clean input.
   */
  attributeInputs(
    x: Float32Array,
    n: number,
    ids: readonly string[],
    targets: Int32Array,
  ): Promise<SampleMap[]>;
  /** Pre-activation logits of the model on the samples' clean inputs, [n, outputs] (cached). */
  logits(samples: readonly Sample[]): Promise<Float32Array>;
  /** Report progress: `done` samples of this check finished. */
  progress(done: number): void;
}

export interface SampleScore {
  score: number | null;
  error?: string;
  /** Whether the sample met the check's own per-sample criterion (e.g. correct, not flipped). */
  passed?: boolean;
  details?: Record<string, number | string | boolean | null>;
}

/** Dataset-level values of a check: what summarize() derives from the per-sample results. */
export interface CheckSummary {
  /** Dataset-level values (accuracy, flip_rate, chance ...). */
  stats: Record<string, number | null>;
  breakdown?: Record<string, Record<string, number | null>>;
  /** Why a statistic is null, in words, for the verdict's message (not serialised). */
  reasons?: Record<string, string>;
}

export interface CheckScores extends CheckSummary {
  /** Aligned with ctx.samples. */
  samples: SampleScore[];
}

/**
 * One sample's result with the manifest facts summarize() may group by. It is
 * all a merge has (report.json's samples), so summaries must need no more.
 */
export interface ScoredSample extends SampleScore {
  label: string;
  group: string | null;
}

export interface OptionProblem {
  code: 'SPEC_INVALID' | 'SPEC_REFERENCE';
  message: string;
  hint?: string;
  path: string[];
}

export interface Check<O> extends UnitMeta<O> {
  category: CheckCategory;
  /** Whether a higher per-sample score is better. */
  scoreDirection: 'higher' | 'lower';
  /** The direction under these options, where an option flips it (deletion's order: least). */
  directionFor?(opts: O): 'higher' | 'lower';
  /** 'required': the check scores an explanation; 'completeness': one whose method satisfies completeness. */
  explanation: 'none' | 'required' | 'completeness';
  /** Manifest columns the check needs: `boxes` strictly, `region` a box or a mask, `groups` a group. */
  needs: { boxes?: boolean; region?: boolean; groups?: boolean };
  /** Dataset-level statistics it reports, usable in `expect` beside mean/median/quantile/... */
  statistics: string[];
  /** What the per-sample score means, for the docs. */
  score: string;
  /**
   * Option problems only the model's classes reveal (e.g. an unknown positive class), found
   * at load time so `validate` reports them; `path` is under the check's entry.
   */
  validate?(opts: O, env: { classes: readonly string[] }): OptionProblem | null;
  /** Per-sample results, aligned with ctx.samples. */
  evaluate(ctx: CheckContext, opts: O): Promise<SampleScore[]>;
  /**
   * Dataset-level stats as a pure function of the per-sample results, in
   * dataset order: a run and a merge of shards call it alike.
   */
  summarize(samples: readonly ScoredSample[]): CheckSummary;
}

// biome-ignore lint/suspicious/noExplicitAny: registry entries have heterogeneous option types
export type AnyCheck = Check<any>;
