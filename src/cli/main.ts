import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AttributionCache } from '../audit/cache.js';
import { loadSpec, requireBaseline } from '../audit/load.js';
import { mergeReports, readShardReports } from '../audit/merge.js';
import { clearOutputs, writeOutputs } from '../audit/output.js';
import { type PreparedBaseline, prepareAudit, prepareBaseline } from '../audit/prepare.js';
import { parseShard, runAudit, type Shard } from '../audit/run.js';
import { fullSpecSchema } from '../audit/schema.js';
import type { AuditSpec, BaselineSpec } from '../audit/spec.js';
import { isXauditError, XauditError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { type ExplainArgs, explain, requestFromArgs } from '../explain/explain.js';
import { envMemoryMb } from '../models/load.js';
import type { EngineKind } from '../models/model.js';
import { VERSION } from '../version.js';
import { LIST_KINDS, listUnits } from './list.js';
import { progressPrinter } from './progress.js';

function parseShardArg(value: string): Shard {
  const shard = parseShard(value);
  if (shard === null) throw new InvalidArgumentError('expected i/n with 1 <= i <= n, e.g. 2/4.');
  return shard;
}

const MEMORY_MB_HELP =
  'working memory of one engine call in MiB (overrides XAUDIT_MEMORY_MB and model.memory_mb; default 1024); larger calls are split, with the same results';

function parseMemoryMb(value: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v <= 0)
    throw new InvalidArgumentError('expected a positive number of MiB, e.g. 512.');
  return v;
}

/** model.engine values; onnxruntime serves .onnx models (onnxruntime-node is an optional dependency). */
const ENGINES: EngineKind[] = ['auto', 'wasm', 'cpu', 'onnxruntime', 'tfjs-node'];

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The CLI entry: parses arguments, calls the library, maps failures to exit codes (0 pass, 1 fail, 2 unusable). */
/** The spec, --only and the baseline of a `run`, validated before anything is prepared. */
async function loadRun(
  specPath: string,
  o: { only?: string; baselineModel?: string; baselineReport?: string },
): Promise<{ spec: AuditSpec; only: string[] | undefined; baselineSpec: BaselineSpec | null }> {
  const spec = await loadSpec(specPath);
  const only = o.only
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (only !== undefined) {
    const ids = spec.checks.map((c) => c.id);
    const unknown = only.filter((id) => !ids.includes(id));
    if (unknown.length > 0) {
      throw new XauditError('SPEC_REFERENCE', `--only names unknown check '${unknown[0]}'`, {
        hint: didYouMean(unknown[0], ids),
      });
    }
  }
  if (o.baselineModel !== undefined && o.baselineReport !== undefined) {
    throw new XauditError('USAGE', 'Give --baseline-model or --baseline-report, not both');
  }
  const baselineSpec: BaselineSpec | null =
    o.baselineModel !== undefined
      ? { kind: 'model', path: resolve(o.baselineModel) }
      : o.baselineReport !== undefined
        ? { kind: 'report', path: resolve(o.baselineReport) }
        : spec.baseline;
  requireBaseline(spec, baselineSpec);
  return { spec, only, baselineSpec };
}

export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let verbose = argv.includes('--verbose');
  let code = 0;
  const program = new Command('xaudit')
    .description(
      'Audit an image classifier against a YAML spec: attributions, localization, robustness, bias.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('run')
    .description(
      'run an audit; exit 0 when every check passes, 1 when one fails, 2 when the input is unusable',
    )
    .argument('<spec>', 'audit spec (YAML)')
    .option('-o, --out <dir>', 'write report.json, report.html and junit.xml here')
    .option('--only <ids>', 'run only these check ids (comma-separated)')
    .addOption(new Option('--engine <engine>', 'override model.engine').choices(ENGINES))
    .option('--memory-mb <n>', MEMORY_MB_HELP, parseMemoryMb)
    .option(
      '--shard <i/n>',
      'score only shard i of n (contiguous, by manifest order); merge the outputs with `xaudit merge`',
      parseShardArg,
    )
    .option('--baseline-model <path>', 'also score every check on this model and compare (baseline mode)')
    .option('--baseline-report <path>', "compare with a stored run's report.json instead of a second model")
    .option('--cache-dir <dir>', 'attribution cache folder', '.xaudit-cache')
    .option('--no-cache', 'neither read nor write the attribution cache')
    .option('-q, --quiet', 'no console summary or progress')
    .option('--verbose', 'stack traces on errors; cache statistics and unusable cache entries')
    .action(
      async (
        specPath: string,
        o: {
          out?: string;
          only?: string;
          engine?: EngineKind;
          memoryMb?: number;
          shard?: Shard;
          baselineModel?: string;
          baselineReport?: string;
          cacheDir: string;
          cache: boolean;
          quiet?: boolean;
          verbose?: boolean;
        },
      ) => {
        verbose = o.verbose === true;
        // An earlier run's reports in --out must not outlive a run that fails before writing its
        // own; a baseline report given as input is never removed, even when it lies in --out.
        const clear = async (keep: string[]) => {
          if (o.out !== undefined) await clearOutputs(o.out, keep);
        };
        const cliKeep = o.baselineReport === undefined ? [] : [resolve(o.baselineReport)];
        let spec: AuditSpec;
        let only: string[] | undefined;
        let baselineSpec: BaselineSpec | null;
        try {
          ({ spec, only, baselineSpec } = await loadRun(specPath, o));
        } catch (e) {
          await clear(cliKeep);
          throw e;
        }
        await clear(baselineSpec?.kind === 'report' ? [baselineSpec.path] : []);
        const overrides = { engine: o.engine, memoryMb: o.memoryMb ?? envMemoryMb(io.env) };
        const prepared = await prepareAudit(spec, overrides);
        // Even under --quiet: a run on another engine than asked for can be far slower.
        if (prepared.model.fallback !== undefined) {
          io.stderr.write(
            `xaudit: warning: ${prepared.model.fallback}; running on ${prepared.model.engine}\n`,
          );
        }
        let baseline: PreparedBaseline | undefined;
        try {
          baseline =
            baselineSpec === null ? undefined : await prepareBaseline(prepared, baselineSpec, overrides);
        } catch (e) {
          prepared.model.dispose();
          throw e;
        }
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        try {
          const tty = io.stderr.isTTY === true;
          const cache = o.cache
            ? new AttributionCache(o.cacheDir, (m) => {
                if (verbose) io.stderr.write(`xaudit: ${m}\n`);
              })
            : undefined;
          const { report, artifacts } = await runAudit(prepared, {
            only,
            shard: o.shard,
            baseline,
            cache,
            signal: controller.signal,
            onEvent: o.quiet ? undefined : progressPrinter(io.stderr, tty),
          });
          if (verbose && cache !== undefined) {
            const c = cache.stats;
            io.stderr.write(
              `xaudit: cache ${cache.dir}: ${c.hits} hits, ${c.misses} misses, ${c.corrupt} corrupt, ${c.unwritable} unwritable\n`,
            );
          }
          // A Ctrl-C that landed where nothing polls the signal must still leave no report.
          controller.signal.throwIfAborted();
          await writeOutputs(report, artifacts, {
            outDir: o.out ?? null,
            specPath,
            stdout: io.stdout,
            env: io.env,
            isTTY: io.stdout.isTTY === true,
            quiet: o.quiet === true,
          });
          code = report.summary.exitCode;
        } finally {
          process.removeListener('SIGINT', onSigint);
          prepared.model.dispose();
          if (baseline !== undefined && 'model' in baseline) baseline.model.dispose();
        }
        if (controller.signal.aborted) {
          io.stderr.write('interrupted: no report written\n');
          code = 130;
        }
      },
    );

  program
    .command('merge')
    .description(
      'merge the reports of `run --shard i/n` (all n shards, once each) into the report of the whole run; same exit codes as run',
    )
    .argument('<dirs...>', 'shard output folders (or their report.json files)')
    .option('-o, --out <dir>', 'write report.json, report.html and junit.xml here')
    .option('-q, --quiet', 'no console summary')
    .action(async (dirs: string[], o: { out?: string; quiet?: boolean }) => {
      const report = mergeReports(await readShardReports(dirs));
      // Heatmaps need the model and images, which shard reports do not carry.
      await writeOutputs(
        report,
        { heatmaps: new Map() },
        {
          outDir: o.out ?? null,
          specPath: report.spec.path,
          stdout: io.stdout,
          env: io.env,
          isTTY: io.stdout.isTTY === true,
          quiet: o.quiet === true,
        },
      );
      code = report.summary.exitCode;
    });

  program
    .command('validate')
    .description('check a spec (syntax, options, references, files) without running it')
    .argument('<spec>', 'audit spec (YAML)')
    .action(async (specPath: string) => {
      const spec = await loadSpec(specPath);
      io.stdout.write(
        `${specPath}: valid (${spec.checks.length} checks, ${Object.keys(spec.explanations).length} explanations, ${Object.keys(spec.data).length} datasets)\n`,
      );
    });

  program
    .command('list')
    .description('list methods, checks and reporters with their options and defaults')
    .addArgument(
      new Command()
        .createArgument('[kind]', 'what to list')
        .choices([...LIST_KINDS, 'all'])
        .default('all'),
    )
    .action((kind: (typeof LIST_KINDS)[number] | 'all') => {
      io.stdout.write(listUnits(kind));
    });

  program
    .command('explain')
    .description(
      'compute one method on given inputs; write the attribution (.npy, NHWC float32) and timings.json beside it',
    )
    .requiredOption('--model <path>', 'model file or directory')
    .requiredOption('--method <id>', 'method id (see `xaudit list methods`)')
    .option('--options <json>', 'method options as a JSON object, e.g. \'{"steps": 64}\'')
    .requiredOption('--input <file>', '.npy of normalised inputs ([n,h,w,c] or [h,w,c]) or an image')
    .option('--target <t>', 'class index, class name (with --classes) or .npy of indices; default: predicted')
    .option('--classes <names>', 'class names, comma-separated')
    .option('--size <h,w>', 'input size; must match the model')
    .option('--range <lo,hi>', 'pixel range images are scaled to (default 0,1)')
    .option('--mean <m>', 'per-channel mean, one or three values')
    .option('--std <s>', 'per-channel std, one or three values')
    .option('--seed <n>', 'seed of the random draws (default 0)')
    .option('--id <name>', 'explanation id keying the random draws, as in a spec (default: the method id)')
    .option('--max-batch <n>', 'most inputs per engine call (default 32)')
    .addOption(new Option('--engine <engine>', 'engine').choices(ENGINES))
    .option('--memory-mb <n>', MEMORY_MB_HELP, parseMemoryMb)
    .requiredOption('-o, --out <file>', 'output .npy')
    .action(async (o: ExplainArgs) => {
      // Ctrl-C stops between batches; the .npy is only written once the method finished.
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const r = await explain(requestFromArgs(o, controller.signal));
        io.stdout.write(`${o.out}: [${r.shape.join(', ')}] float32; ${r.timingsFile}\n`);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });

  program
    .command('schema')
    .description('print the JSON Schema of audit specs (for editor completion)')
    .action(() => {
      io.stdout.write(`${JSON.stringify(fullSpecSchema(), null, 2)}\n`);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isXauditError(e)) {
      io.stderr.write(`xaudit: error[${e.code}]: ${e.format()}\n`);
      if (verbose && e.stack) io.stderr.write(`${e.stack}\n`);
      return 2;
    }
    if ((e as { name?: string }).name === 'AbortError') {
      io.stderr.write('interrupted: no report written\n');
      return 130;
    }
    io.stderr.write(`xaudit: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (verbose && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    else io.stderr.write('Run again with --verbose for the stack trace.\n');
    return 2;
  }
}
