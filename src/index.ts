/** The public API: load a spec, prepare it, run it, write reports. */
export { AttributionCache, type CacheStats } from './audit/cache.js';
export { loadSpec, parseSpec } from './audit/load.js';
export { mergeReports, readShardReports } from './audit/merge.js';
export { type OutputOptions, writeOutputs } from './audit/output.js';
export { type PreparedAudit, prepareAudit } from './audit/prepare.js';
export type {
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
export type { AuditSpec, CheckSpec, ExplanationSpec } from './audit/spec.js';
export { checks, getCheck } from './checks/registry.js';
export type { Check, CheckContext, CheckScores, CheckSummary, ScoredSample } from './checks/types.js';
export { type ErrorCode, XauditError } from './core/errors.js';
export { getMethod, methods } from './methods/registry.js';
export type { Attribution, Batch, Method, RunContext } from './methods/types.js';
export { loadModel } from './models/load.js';
export type { LayerInfo, Model, ModelInfo } from './models/model.js';
export { reporters } from './reporters/registry.js';
export type { Reporter, ReporterContext } from './reporters/types.js';
export { VERSION } from './version.js';
