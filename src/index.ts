/** The public API: load a spec, prepare it, run it, write reports. */

export { BOOTSTRAP_DEFAULTS, bootstrapInterval, type Interval } from './audit/bootstrap.js';
export { AttributionCache, type CacheStats } from './audit/cache.js';
export type { CiBound, ExpectEntry, ExpectSpec } from './audit/expect.js';
export { loadSpec, parseSpec, requireBaseline } from './audit/load.js';
export { mergeReports, readShardReports } from './audit/merge.js';
export { clearOutputs, type OutputOptions, writeOutputs } from './audit/output.js';
export { type PreparedAudit, type PreparedBaseline, prepareAudit, prepareBaseline } from './audit/prepare.js';
export type {
  BaselineCheck,
  BaselineSource,
  CheckReport,
  Heatmap,
  Outcome,
  Report,
  ReportArtifacts,
  SampleResult,
  ShardInfo,
} from './audit/report.js';
export {
  parseShard,
  type RunEvent,
  type RunOptions,
  type RunResult,
  runAudit,
  type Shard,
  shardRange,
} from './audit/run.js';
export { fullSpecSchema } from './audit/schema.js';
export type { AuditSpec, BaselineSpec, CheckSpec, ExplanationSpec } from './audit/spec.js';
export { checks, getCheck } from './checks/registry.js';
export type {
  Check,
  CheckContext,
  CheckScores,
  CheckSummary,
  OptionProblem,
  ScoredSample,
} from './checks/types.js';
export { type ErrorCode, XauditError } from './core/errors.js';
export { getMethod, methods } from './methods/registry.js';
export type { Attribution, Batch, Method, RunContext } from './methods/types.js';
export { loadModel } from './models/load.js';
export type { LayerInfo, Model, ModelInfo } from './models/model.js';
export { reporters } from './reporters/registry.js';
export type { Reporter, ReporterContext } from './reporters/types.js';
export { VERSION } from './version.js';
