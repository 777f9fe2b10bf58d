/** The public API: load a spec, prepare it, run it, write reports. */
export { loadSpec, parseSpec } from './audit/load.js';
export { prepareAudit, type PreparedAudit } from './audit/prepare.js';
export { runAudit, type RunEvent, type RunOptions, type RunResult } from './audit/run.js';
export { writeOutputs, type OutputOptions } from './audit/output.js';
export type { Report, CheckReport, SampleResult, Outcome, ReportArtifacts, Heatmap } from './audit/report.js';
export type { AuditSpec, CheckSpec, ExplanationSpec } from './audit/spec.js';
export { fullSpecSchema } from './audit/schema.js';
export { checks, getCheck } from './checks/registry.js';
export type { Check, CheckContext, CheckScores } from './checks/types.js';
export { methods, getMethod } from './methods/registry.js';
export type { Method, Attribution, Batch, RunContext } from './methods/types.js';
export { reporters } from './reporters/registry.js';
export type { Reporter, ReporterContext } from './reporters/types.js';
export { loadModel } from './models/load.js';
export type { Model, ModelInfo, LayerInfo } from './models/model.js';
export { XauditError, type ErrorCode } from './core/errors.js';
export { VERSION } from './version.js';
