import type { Report, ReportArtifacts } from '../audit/report.js';
import type { UnitMeta } from '../core/unit.js';

export interface ReporterContext {
  /** Output directory (created by the runner); file reporters write here, atomically. */
  outDir: string;
  /** The spec file path, for annotations. */
  specPath: string;
  /** Stream for console output. */
  stdout: NodeJS.WritableStream;
  /** Environment (GITHUB_ACTIONS etc.), injectable for tests. */
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (colours). */
  isTTY: boolean;
}

export interface Reporter<O> extends UnitMeta<O> {
  write(report: Report, artifacts: ReportArtifacts, ctx: ReporterContext, opts: O): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: registry entries have heterogeneous option types
export type AnyReporter = Reporter<any>;
