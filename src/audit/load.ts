import { access, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { checks, getCheck } from '../checks/registry.js';
import { XauditError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { didYouMean } from '../core/suggest.js';
import { methods } from '../methods/registry.js';
import { SAMPLE_STATISTICS } from './expect.js';
import { baseSpecSchema, CHECK_COMMON_KEYS } from './schema.js';
import type { AuditSpec, BaselineSpec, CheckSpec, ExplanationSpec, TargetSpec } from './spec.js';
import { firstViolation } from './validate-options.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

/** Positions of a parsed YAML document, for errors that point at a line. */
class SpecSource {
  constructor(
    readonly file: string,
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
  ) {}

  /** Location of the value at `path` (or of its key with atKey), falling back to the nearest ancestor. */
  locate(path: Path, atKey = false): { file: string; line: number; col: number } {
    for (let depth = path.length; depth >= 0; depth--) {
      const p = path.slice(0, depth);
      const node = this.nodeAt(p, atKey && depth === path.length);
      if (node?.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { file: this.file, line, col };
      }
    }
    return { file: this.file, line: 1, col: 1 };
  }

  private nodeAt(path: Path, key: boolean): Node | undefined {
    if (!key) return this.doc.getIn(path, true) as Node | undefined;
    const parent = this.doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === path[path.length - 1]);
    return pair?.key as Node | undefined;
  }

  error(
    code: 'SPEC_INVALID' | 'SPEC_REFERENCE' | 'FILE_MISSING',
    message: string,
    path: Path,
    hint?: string,
    atKey = false,
  ): XauditError {
    return new XauditError(code, message, {
      location: this.locate(path, atKey),
      path: formatPath(path),
      hint,
    });
  }
}

export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Read, parse and validate a spec; every error names file:line:col. */
export async function loadSpec(file: string): Promise<AuditSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new XauditError('FILE_MISSING', `Cannot read the spec '${file}'`, { cause: e });
  }
  return parseSpec(text, resolve(file), file);
}

/** Parse and validate spec text; `displayName` is what errors call the file. */
export async function parseSpec(text: string, absFile: string, displayName = absFile): Promise<AuditSpec> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lines.linePos(e.pos[0]);
    throw new XauditError(
      'SPEC_YAML',
      `Invalid YAML: ${e.message.split('\n')[0].replace(/ at line.*$/, '')}`,
      {
        location: { file: displayName, line, col },
      },
    );
  }
  const src = new SpecSource(displayName, doc, lines);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The parser accepts some documents that cannot become data: an alias to an undefined
    // anchor (in a merge key), an alias bomb. Say so like any other YAML error.
    throw new XauditError('SPEC_YAML', `Invalid YAML: ${e instanceof Error ? e.message : String(e)}`, {
      location: { file: displayName, line: 1, col: 1 },
      cause: e,
    });
  }
  if (raw === null || raw === undefined) {
    throw new XauditError('SPEC_INVALID', 'The spec is empty', {
      location: { file: displayName, line: 1, col: 1 },
      hint: 'A spec needs at least version, model, data and checks; see audits/ for examples.',
    });
  }
  const v = firstViolation(baseSpecSchema, raw);
  if (v !== null) throw src.error('SPEC_INVALID', v.message, v.path, v.hint, v.atKey);
  const spec = raw as Json;
  const base = dirname(absFile);
  const model = spec.model as Json;
  const classes = await readClasses(src, model, base);
  const input = (model.input ?? {}) as Json;
  const channels = (input.channels as 1 | 3 | undefined) ?? 3;
  const perChannel = (key: string, dflt: number): number[] => {
    const v = input[key] as number[] | undefined;
    if (v === undefined) return new Array(channels).fill(dflt);
    if (v.length === 1) return new Array(channels).fill(v[0]);
    if (v.length !== channels) {
      throw src.error('SPEC_INVALID', `Expected 1 or ${channels} values (one per channel), got ${v.length}`, [
        'model',
        'input',
        key,
      ]);
    }
    return v;
  };
  const data: AuditSpec['data'] = {};
  for (const [name, d] of Object.entries(spec.data as Record<string, Json>)) {
    const manifest = resolve(base, d.manifest as string);
    await mustExist(src, manifest, ['data', name, 'manifest'], 'data manifest');
    data[name] = { manifest };
  }
  const modelPath = resolve(base, model.path as string);
  await mustExist(src, modelPath, ['model', 'path'], 'model');
  const explanations = parseExplanations(src, (spec.explanations ?? {}) as Record<string, Json>);
  for (const e of Object.values(explanations)) {
    for (const [path, file] of filesIn(e.options)) {
      await mustExist(src, resolve(base, file), ['explanations', e.id, ...path], 'baseline');
    }
  }
  const checkSpecs = parseChecks(src, spec.checks as Json[], classes, Object.keys(data), explanations);
  const report = (spec.report ?? {}) as Json;
  let baseline: AuditSpec['baseline'] = null;
  if (spec.baseline !== undefined) {
    const [kind, path] = Object.entries(spec.baseline as Record<string, string>)[0] as [
      'model' | 'report',
      string,
    ];
    baseline = { kind, path: resolve(base, path) };
    await mustExist(src, baseline.path, ['baseline', kind], `baseline ${kind}`);
  }
  return {
    file: absFile,
    sha256: sha256(text),
    version: 1,
    name: (spec.name as string | undefined) ?? displayName,
    seed: (spec.seed as number | undefined) ?? 0,
    model: {
      path: modelPath,
      classes,
      input: {
        size: (input.size as [number, number] | undefined) ?? [0, 0],
        channels,
        range: (input.range as [number, number] | undefined) ?? [0, 1],
        mean: perChannel('mean', 0),
        std: perChannel('std', 1),
        resize: 'stretch',
      },
      engine: (model.engine as AuditSpec['model']['engine'] | undefined) ?? 'auto',
      batch_size: (model.batch_size as number | undefined) ?? 32,
      ...(model.memory_mb === undefined ? {} : { memory_mb: model.memory_mb as number }),
    },
    data,
    explanations,
    checks: checkSpecs,
    report: {
      worst: (report.worst as number | undefined) ?? 5,
      heatmaps: (report.heatmaps as number | undefined) ?? 4,
    },
    baseline,
    locate: (path) => src.locate(path),
  };
}

async function mustExist(src: SpecSource, file: string, path: Path, what: string): Promise<void> {
  try {
    await access(file);
  } catch {
    throw src.error('FILE_MISSING', `The ${what} file does not exist: ${file}`, path);
  }
}

async function readClasses(src: SpecSource, model: Json, base: string): Promise<string[]> {
  if (Array.isArray(model.classes)) return model.classes as string[];
  if (typeof model.classes_file === 'string') {
    const file = resolve(base, model.classes_file);
    await mustExist(src, file, ['model', 'classes_file'], 'classes');
    const text = await readFile(file, 'utf8');
    const classes = text.trim().startsWith('[')
      ? parseClassList(src, text, file)
      : text
          .split(/\r?\n/)
          .map((s) => s.trim())
          .filter((s) => s !== '');
    if (classes.length === 0)
      throw src.error('SPEC_INVALID', `The classes file ${file} is empty`, ['model', 'classes_file']);
    return classes;
  }
  throw src.error('SPEC_INVALID', "The model needs 'classes' (a list) or 'classes_file'", ['model']);
}

/** A JSON classes file: an array of strings, else a spec error pointing at classes_file. */
function parseClassList(src: SpecSource, text: string, file: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw src.error(
      'SPEC_INVALID',
      `The classes file ${file} is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
      ['model', 'classes_file'],
    );
  }
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) {
    throw src.error('SPEC_INVALID', `The classes file ${file} must hold a JSON array of strings`, [
      'model',
      'classes_file',
    ]);
  }
  return v;
}

function parseExplanations(src: SpecSource, raw: Record<string, Json>): Record<string, ExplanationSpec> {
  const out: Record<string, ExplanationSpec> = {};
  for (const [id, entry] of Object.entries(raw)) {
    const methodId = entry.method as string;
    const method = methods[methodId];
    if (method === undefined) {
      throw src.error(
        'SPEC_REFERENCE',
        `Unknown method '${methodId}'`,
        ['explanations', id, 'method'],
        didYouMean(methodId, Object.keys(methods)),
      );
    }
    const { method: _, ...given } = entry;
    const options = { ...structuredClone(method.defaults as Json), ...given };
    const v = firstViolation(method.schema, options);
    if (v !== null)
      throw src.error(
        'SPEC_INVALID',
        `${v.message} for method '${methodId}'`,
        ['explanations', id, ...v.path],
        v.hint,
        v.atKey,
      );
    const { line, col } = src.locate(['explanations', id], true);
    out[id] = { id, method: methodId, options, line, col };
  }
  return out;
}

const GENERIC_STATS: readonly string[] = SAMPLE_STATISTICS;

function parseChecks(
  src: SpecSource,
  raw: Json[],
  classes: string[],
  datasets: string[],
  explanations: Record<string, ExplanationSpec>,
): CheckSpec[] {
  const seen = new Map<string, number>();
  return raw.map((entry, i) => {
    const at = (...p: Path): Path => ['checks', i, ...p];
    const id = entry.id as string;
    if (seen.has(id)) {
      throw src.error('SPEC_INVALID', `Duplicate check id '${id}' (also checks[${seen.get(id)}])`, at('id'));
    }
    seen.set(id, i);
    const checkId = entry.check as string;
    if (checks[checkId] === undefined) {
      throw src.error(
        'SPEC_REFERENCE',
        `Unknown check '${checkId}'`,
        at('check'),
        didYouMean(checkId, Object.keys(checks)),
      );
    }
    const check = getCheck(checkId);
    const given: Json = {};
    for (const [k, v] of Object.entries(entry)) {
      if (!(CHECK_COMMON_KEYS as readonly string[]).includes(k)) given[k] = v;
    }
    const optionKeys = Object.keys((check.schema.properties as Json | undefined) ?? {});
    for (const k of Object.keys(given)) {
      if (!optionKeys.includes(k)) {
        throw src.error(
          'SPEC_INVALID',
          `Unknown option '${k}' for check '${checkId}'`,
          at(k),
          didYouMean(k, [...CHECK_COMMON_KEYS, ...optionKeys]),
          true,
        );
      }
    }
    const options = { ...structuredClone(check.defaults as Json), ...given };
    const v = firstViolation(check.schema, options);
    if (v !== null)
      throw src.error('SPEC_INVALID', `${v.message} for check '${checkId}'`, at(...v.path), v.hint, v.atKey);
    const problem = check.validate?.(options, { classes });
    if (problem !== undefined && problem !== null) {
      throw src.error(problem.code, problem.message, at(...problem.path), problem.hint);
    }

    let explanation: string | null = null;
    if (check.explanation !== 'none') {
      const e = entry.explanation as string | undefined;
      if (e === undefined) {
        throw src.error(
          'SPEC_INVALID',
          `Check '${checkId}' scores an explanation: add 'explanation: <id>'`,
          at(),
          Object.keys(explanations).length > 0
            ? `Defined explanations: ${Object.keys(explanations).join(', ')}.`
            : 'Define one under explanations:.',
        );
      }
      if (explanations[e] === undefined) {
        throw src.error(
          'SPEC_REFERENCE',
          `Unknown explanation '${e}'`,
          at('explanation'),
          didYouMean(e, Object.keys(explanations)),
        );
      }
      const method = methods[explanations[e].method];
      if (check.explanation === 'completeness' && !method.completeness) {
        const ok = Object.values(methods)
          .filter((m) => m.completeness)
          .map((m) => m.id);
        throw src.error(
          'SPEC_INVALID',
          `Check '${checkId}' needs a method that satisfies completeness; '${method.id}' does not`,
          at('explanation'),
          `Use one of: ${ok.join(', ')}.`,
        );
      }
      explanation = e;
    } else if (entry.explanation !== undefined) {
      throw src.error(
        'SPEC_INVALID',
        `Check '${checkId}' does not use an explanation`,
        at('explanation'),
        'Remove the explanation key.',
        true,
      );
    }

    let data = entry.data as string | undefined;
    if (data === undefined) {
      if (datasets.length !== 1) {
        throw src.error(
          'SPEC_INVALID',
          `Check '${id}' must name its dataset with 'data:' (there are ${datasets.length})`,
          at(),
          `Datasets: ${datasets.join(', ')}.`,
        );
      }
      data = datasets[0];
    } else if (!datasets.includes(data)) {
      throw src.error('SPEC_REFERENCE', `Unknown dataset '${data}'`, at('data'), didYouMean(data, datasets));
    }

    let where: Record<string, string[]> | null = null;
    if (entry.where !== undefined) {
      where = {};
      for (const [k, val] of Object.entries(entry.where as Json)) {
        const values = Array.isArray(val) ? (val as string[]) : [val as string];
        if (k === 'label') {
          for (const [j, c] of values.entries()) {
            if (!classes.includes(c)) {
              throw src.error(
                'SPEC_REFERENCE',
                `'${c}' is not one of the model's classes`,
                Array.isArray(val) ? at('where', k, j) : at('where', k),
                didYouMean(c, classes),
              );
            }
          }
        }
        where[k] = values;
      }
    }

    const allowedStats = [...GENERIC_STATS, ...check.statistics];
    for (const stat of Object.keys(entry.expect as Json)) {
      if (!allowedStats.includes(stat)) {
        throw src.error(
          'SPEC_INVALID',
          `Unknown statistic '${stat}' for check '${checkId}'`,
          at('expect', stat),
          `${didYouMean(stat, allowedStats)} Statistics of this check: ${allowedStats.join(', ')}.`,
          true,
        );
      }
    }

    const { line, col } = src.locate(at(), false);
    return {
      id,
      check: checkId,
      explanation,
      data,
      where,
      expect: entry.expect as CheckSpec['expect'],
      severity: (entry.severity as 'error' | 'warn' | undefined) ?? 'error',
      max_errors: (entry.max_errors as number | undefined) ?? 0,
      target: parseTarget(src, entry.target as string | undefined, classes, at('target')),
      options,
      line,
      col,
    };
  });
}

function parseTarget(src: SpecSource, t: string | undefined, classes: string[], path: Path): TargetSpec {
  if (t === undefined || t === 'label') return 'label';
  if (t === 'predicted') return 'predicted';
  if (classes.includes(t)) return { class: t };
  throw src.error(
    'SPEC_REFERENCE',
    `Target '${t}' is not 'label', 'predicted' or a class of the model`,
    path,
    didYouMean(t, ['label', 'predicted', ...classes]),
  );
}

/** Every `{file: path}` inside options, with its path, so missing files fail before evaluation. */
function filesIn(v: unknown, at: Path = []): [Path, string][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => filesIn(x, [...at, i]));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]): [Path, string][] =>
    k === 'file' && typeof x === 'string' ? [[[...at, k], x]] : filesIn(x, [...at, k]),
  );
}

/**
 * A check that gates on delta_vs_baseline is unusable without a baseline:
 * exit 2 before anything runs, pointing at the expectation.
 */
export function requireBaseline(spec: AuditSpec, baseline: BaselineSpec | null): void {
  if (baseline !== null) return;
  for (const [i, c] of spec.checks.entries()) {
    for (const [stat, entry] of Object.entries(c.expect)) {
      if (entry.delta_vs_baseline === undefined) continue;
      throw new XauditError(
        'SPEC_INVALID',
        `Check '${c.id}' gates on delta_vs_baseline of '${stat}' but no baseline is given`,
        {
          location: spec.locate(['checks', i, 'expect', stat, 'delta_vs_baseline']),
          hint: "Pass --baseline-model PATH or --baseline-report PATH, or set 'baseline: {model: PATH}' in the spec.",
        },
      );
    }
  }
}
