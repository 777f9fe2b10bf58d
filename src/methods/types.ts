import type { UnitMeta } from '../core/unit.js';
import type { InputTransform } from '../data/input.js';
import type { Model } from '../models/model.js';

export type MethodFamily = 'gradient' | 'propagation' | 'cam' | 'perturbation' | 'sampling';

/** A batch of preprocessed inputs. */
export interface Batch {
  /** [n, h, w, c], normalised model inputs. */
  x: Float32Array;
  n: number;
  /** Stable sample ids: randomness is keyed by them. */
  ids: string[];
}

export interface RunContext {
  seed: number;
  /** The explanation id from the spec; keys the RNG stream. */
  unitId: string;
  input: InputTransform;
  /** Most inputs sent to the engine in one call (the memory budget). */
  maxBatch: number;
  signal?: AbortSignal;
  /**
   * Reference inputs drawn from the data ([n, h, w, c], normalised like batch.x) for methods whose
   * baseline is a distribution (expected-gradients, gradient-shap with baseline: dataset). The set
   * must not depend on the batch or the shard, or results would. Optional: the methods that need
   * it fail with a clear error when it is missing.
   */
  baselines?: { x: Float32Array; n: number };
  /** Directory that relative file paths in options (a baseline .npy) resolve against; default: cwd. */
  baseDir?: string;
}

export interface Attribution {
  /** [n, h, w, c]; c is 1 for maps that have no channel axis (CAM family). */
  values: Float32Array;
  shape: [number, number, number, number];
  /** F(x) - F(baseline) for the target, per sample, for methods that satisfy completeness. */
  outputDelta?: Float32Array;
}

export interface Method<O> extends UnitMeta<O> {
  family: MethodFamily;
  /** True when the attribution should sum to F(x) - F(baseline) (IG, DeepLIFT). */
  completeness: boolean;
  attribute(model: Model, batch: Batch, targets: Int32Array, opts: O, ctx: RunContext): Promise<Attribution>;
  /**
   * True when, with these options, the method draws baselines from RunContext.baselines; the
   * runner then supplies a fixed sample of the data set. Absent means never.
   */
  usesDataBaselines?(opts: O): boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: registry entries have heterogeneous option types
export type AnyMethod = Method<any>;
