import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { XauditError } from '../core/errors.js';
import { reporters } from '../reporters/registry.js';
import type { ReporterContext } from '../reporters/types.js';
import type { Report, ReportArtifacts } from './report.js';

export interface OutputOptions {
  /** Folder for report.json, report.html, junit.xml; null writes only to the console. */
  outDir: string | null;
  specPath: string;
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  quiet: boolean;
}

const FILE_REPORTERS = ['json', 'html', 'junit'] as const;
/** What the file reporters write; report.json moves in last, so its presence means a whole set. */
const OUTPUT_FILES = ['report.html', 'junit.xml', 'report.json'] as const;

/**
 * Remove an earlier run's reports from --out before this run starts: a run that
 * then fails before writing must not leave a stale report that reads as its own.
 */
export async function clearOutputs(outDir: string, keep: readonly string[] = []): Promise<void> {
  const kept = new Set(keep.map((p) => resolve(p)));
  for (const name of OUTPUT_FILES) {
    const file = join(resolve(outDir), name);
    // A report that is this run's baseline input is never removed.
    if (kept.has(file)) continue;
    // Unremovable (e.g. --out is a file): writing the new reports will say so with its reason.
    await rm(file, { force: true }).catch(() => {});
  }
}

/**
 * Run the reporters. File reports are rendered into a staging folder beside
 * --out and moved in only when all of them succeeded: never a partial set.
 */
export async function writeOutputs(
  report: Report,
  artifacts: ReportArtifacts,
  o: OutputOptions,
): Promise<void> {
  const base: Omit<ReporterContext, 'outDir'> = {
    specPath: o.specPath,
    stdout: o.stdout,
    env: o.env,
    isTTY: o.isTTY,
  };
  if (o.outDir !== null) {
    const out = resolve(o.outDir);
    let staging: string;
    try {
      await mkdir(dirname(out), { recursive: true });
      staging = await mkdtemp(join(dirname(out), '.xaudit-staging-'));
    } catch (e) {
      throw new XauditError('OUTPUT_UNWRITABLE', `Cannot write to the output folder '${o.outDir}'`, {
        cause: e,
      });
    }
    try {
      for (const id of FILE_REPORTERS) {
        const r = reporters[id];
        await r.write(report, artifacts, { ...base, outDir: staging }, r.defaults);
      }
      await mkdir(out, { recursive: true });
      const written = await readdir(staging);
      const order = (n: string) => (n === 'report.json' ? 1 : 0);
      for (const name of written.sort((a, b) => order(a) - order(b))) {
        await rename(join(staging, name), join(out, name));
      }
    } catch (e) {
      if (e instanceof XauditError) throw e;
      throw new XauditError('OUTPUT_UNWRITABLE', `Cannot write the reports to '${o.outDir}'`, {
        cause: e,
        hint: e instanceof Error ? e.message : undefined,
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const ctx: ReporterContext = { ...base, outDir: o.outDir ?? '.' };
  if (!o.quiet) await reporters.console.write(report, artifacts, ctx, reporters.console.defaults);
  if (o.env.GITHUB_ACTIONS === 'true')
    await reporters.github.write(report, artifacts, ctx, reporters.github.defaults);
}
