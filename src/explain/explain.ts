/**
 * `xaudit explain`: one method on given inputs, written as a .npy attribution
 * (NHWC float32) plus timings.json beside it, for notebooks and for parity
 * checks against Captum.
 */
import { basename, dirname, extname, join } from 'node:path';
import { firstViolation } from '../audit/validate-options.js';
import { writeFileAtomic } from '../core/atomic.js';
import { XauditError } from '../core/errors.js';
import { readNpy, writeNpy } from '../core/npy.js';
import { didYouMean } from '../core/suggest.js';
import { decodeSample } from '../data/image.js';
import type { InputTransform } from '../data/input.js';
import { getMethod } from '../methods/registry.js';
import type { Attribution } from '../methods/types.js';
import { loadModel } from '../models/load.js';
import type { EngineKind, Model } from '../models/model.js';
import { VERSION } from '../version.js';

export interface ExplainRequest {
  model: string;
  method: string;
  /** The options object as JSON text; omitted options take the method's defaults. */
  options?: string;
  /** A .npy of normalised model inputs ([n,h,w,c] or [h,w,c]) or an image file. */
  input: string;
  /** A class index, a class name (needs `classes`), or a .npy of one index per sample; default: the predicted class. */
  target?: string;
  classes?: string[];
  /** [height, width]; must match the model (images are resized to it). */
  size?: [number, number];
  range?: [number, number];
  mean?: number[];
  std?: number[];
  seed?: number;
  /** Keys the RNG stream like an explanation id in a spec (default: the method id). */
  id?: string;
  maxBatch?: number;
  engine?: EngineKind;
  /** Working memory of one engine call in MiB (LoadOptions.memoryMb). */
  memoryMb?: number;
  out: string;
  signal?: AbortSignal;
}

export interface ExplainResult {
  shape: number[];
  targets: number[];
  timings: Record<string, number>;
  timingsFile: string;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp'];

function invalid(message: string, hint?: string): XauditError {
  return new XauditError('SPEC_INVALID', message, { hint });
}

/** Parses --options and validates it (with the defaults filled in) against the method's schema. */
export function resolveOptions(
  method: ReturnType<typeof getMethod>,
  text: string | undefined,
): Record<string, unknown> {
  let given: unknown = {};
  if (text !== undefined && text.trim() !== '') {
    try {
      given = JSON.parse(text);
    } catch (e) {
      throw invalid(`--options is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalid(
      '--options must be a JSON object',
      `For example --options '${JSON.stringify(method.defaults)}'.`,
    );
  }
  const opts = { ...(method.defaults as Record<string, unknown>), ...(given as Record<string, unknown>) };
  const v = firstViolation(method.schema, opts);
  if (v !== null) {
    throw new XauditError('SPEC_INVALID', `${v.message} for method '${method.id}'`, {
      path: ['options', ...v.path].join('.'),
      hint: v.hint,
    });
  }
  return opts;
}

function perChannel(name: string, v: number[] | undefined, c: number, fill: number): number[] {
  if (v === undefined) return new Array(c).fill(fill);
  if (v.length === 1) return new Array(c).fill(v[0]);
  if (v.length !== c) throw invalid(`--${name} has ${v.length} values but the model takes ${c} channel(s)`);
  return v;
}

function transformOf(model: Model, r: ExplainRequest): InputTransform {
  const [h, w, c] = model.info.inputShape;
  if (r.size !== undefined && (r.size[0] !== h || r.size[1] !== w)) {
    throw new XauditError(
      'MODEL_INPUT_MISMATCH',
      `--size ${r.size.join(',')} does not fit the model, which takes ${h},${w} (height, width)`,
    );
  }
  const std = perChannel('std', r.std, c, 1);
  if (std.some((s) => !(s > 0))) throw invalid('--std values must be positive');
  return { range: r.range ?? [0, 1], mean: perChannel('mean', r.mean, c, 0), std, shape: [h, w, c] };
}

interface Inputs {
  x: Float32Array;
  n: number;
  ids: string[];
  /** Rank of the input file: the output keeps it (an [h,w,c] input gives an [h,w,c] map). */
  rank: 3 | 4;
}

async function readInputs(path: string, t: InputTransform): Promise<Inputs> {
  const [h, w, c] = t.shape;
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    const a = await readNpy(path);
    const shape = a.shape;
    const fits =
      (shape.length === 4 && shape[1] === h && shape[2] === w && shape[3] === c) ||
      (shape.length === 3 && shape[0] === h && shape[1] === w && shape[2] === c);
    if (!fits) {
      throw new XauditError(
        'MODEL_INPUT_MISMATCH',
        `${path} has shape [${shape.join(', ')}]; the model takes [n, ${h}, ${w}, ${c}] or [${h}, ${w}, ${c}] (NHWC, normalised)`,
        { location: { file: path } },
      );
    }
    if (a.dtype !== 'float32' && a.dtype !== 'float64') {
      throw new XauditError(
        'FILE_UNREADABLE',
        `${path} holds ${a.dtype}; inputs must be float32 or float64`,
        {
          location: { file: path },
        },
      );
    }
    const n = shape.length === 4 ? shape[0] : 1;
    return {
      x: Float32Array.from(a.data),
      n,
      ids: Array.from({ length: n }, (_, i) => `${path}[${i}]`),
      rank: shape.length === 4 ? 4 : 3,
    };
  }
  if (!IMAGE_EXTENSIONS.includes(ext)) {
    throw invalid(
      `--input ${path}: expected a .npy of model inputs or an image (${IMAGE_EXTENSIONS.join(', ')})`,
    );
  }
  const d = await decodeSample(
    { id: path, file: path, label: '', labelIndex: -1, boxes: [], mask: null, group: null, line: 0 },
    t,
  );
  return { x: d.x, n: 1, ids: [path], rank: 4 };
}

function argmaxTargets(logits: Float32Array, n: number): Int32Array {
  const k = logits.length / n;
  return Int32Array.from({ length: n }, (_, i) => {
    if (k === 1) return logits[i] > 0 ? 1 : 0;
    let best = 0;
    for (let q = 1; q < k; q++) if (logits[i * k + q] > logits[i * k + best]) best = q;
    return best;
  });
}

async function resolveTargets(r: ExplainRequest, model: Model, inputs: Inputs): Promise<Int32Array> {
  const n = inputs.n;
  const classCount = Math.max(2, model.info.outputs);
  const check = (t: Int32Array) => {
    for (const v of t)
      if (!(v >= 0 && v < classCount)) {
        throw invalid(
          `target ${v} is out of range: the model has ${classCount} classes (0..${classCount - 1})`,
        );
      }
    return t;
  };
  const spec = r.target;
  if (spec === undefined || spec === 'predicted') {
    return argmaxTargets((await model.forward(inputs.x, n)).logits, n);
  }
  if (/^\d+$/.test(spec)) return check(new Int32Array(n).fill(Number(spec)));
  if (extname(spec).toLowerCase() === '.npy') {
    const a = await readNpy(spec);
    if (a.data.length !== n) {
      throw new XauditError(
        'MODEL_INPUT_MISMATCH',
        `${spec} holds ${a.data.length} targets for ${n} inputs`,
        {
          location: { file: spec },
        },
      );
    }
    if (!Array.from(a.data).every((v) => Number.isInteger(v))) {
      throw invalid(`${spec}: targets must be whole class indices`);
    }
    return check(Int32Array.from(a.data));
  }
  const classes = r.classes ?? [];
  const index = classes.indexOf(spec);
  if (index < 0) {
    throw new XauditError(
      'SPEC_REFERENCE',
      classes.length === 0
        ? `--target '${spec}' is a class name, but no --classes were given`
        : `--target '${spec}' is not one of the classes`,
      { hint: classes.length === 0 ? 'Pass --classes a,b,... or a class index.' : didYouMean(spec, classes) },
    );
  }
  return check(new Int32Array(n).fill(index));
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export async function explain(r: ExplainRequest): Promise<ExplainResult> {
  const start = performance.now();
  const method = getMethod(r.method);
  const opts = resolveOptions(method, r.options);
  const model = await loadModel(r.model, { engine: r.engine, memoryMb: r.memoryMb });
  try {
    const loaded = performance.now();
    const t = transformOf(model, r);
    if (r.classes !== undefined && r.classes.length !== Math.max(2, model.info.outputs)) {
      throw new XauditError(
        'MODEL_INPUT_MISMATCH',
        `--classes lists ${r.classes.length} classes but the model has ${model.info.outputs} output(s)`,
        { hint: 'List one class per output unit (two for a single sigmoid unit).' },
      );
    }
    const inputs = await readInputs(r.input, t);
    const targets = await resolveTargets(r, model, inputs);
    const prepared = performance.now();
    const a: Attribution = await method.attribute(
      model,
      { x: inputs.x, n: inputs.n, ids: inputs.ids },
      targets,
      opts,
      {
        seed: r.seed ?? 0,
        unitId: r.id ?? method.id,
        input: t,
        maxBatch: r.maxBatch ?? 32,
        signal: r.signal,
      },
    );
    const attributed = performance.now();
    const shape: number[] = inputs.rank === 3 ? a.shape.slice(1) : [...a.shape];
    await writeNpy(r.out, a.values, shape);
    const timings = {
      load_model_s: seconds(loaded - start),
      prepare_inputs_s: seconds(prepared - loaded),
      attribute_s: seconds(attributed - prepared),
      total_s: seconds(performance.now() - start),
    };
    const timingsFile = join(dirname(r.out), 'timings.json');
    const record = {
      xaudit: VERSION,
      method: method.id,
      options: opts,
      model: r.model,
      engine: model.engine,
      input: r.input,
      output: basename(r.out),
      shape,
      targets: Array.from(targets),
      seed: r.seed ?? 0,
      max_batch: r.maxBatch ?? 32,
      timings,
    };
    await writeFileAtomic(timingsFile, `${JSON.stringify(record, null, 2)}\n`);
    return { shape, targets: Array.from(targets), timings, timingsFile };
  } finally {
    model.dispose();
  }
}

/** The command line's strings, as commander hands them over. */
export interface ExplainArgs {
  model: string;
  method: string;
  options?: string;
  input: string;
  target?: string;
  classes?: string;
  size?: string;
  range?: string;
  mean?: string;
  std?: string;
  seed?: string;
  id?: string;
  maxBatch?: string;
  engine?: EngineKind;
  /** Parsed by commander (parseMemoryMb). */
  memoryMb?: number;
  out: string;
}

function numberList(flag: string, text: string | undefined, lengths: number[]): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v)) || !lengths.includes(values.length)) {
    throw invalid(`--${flag} '${text}' is not ${lengths.join(' or ')} comma-separated number(s)`);
  }
  return values;
}

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw invalid(`--${flag} '${text}' is not a whole number >= ${min}`);
  return v;
}

export function requestFromArgs(a: ExplainArgs, signal?: AbortSignal): ExplainRequest {
  const size = numberList('size', a.size, [2]);
  const range = numberList('range', a.range, [2]);
  return {
    model: a.model,
    method: a.method,
    options: a.options,
    input: a.input,
    target: a.target,
    classes: a.classes
      ?.split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    size: size === undefined ? undefined : [size[0], size[1]],
    range: range === undefined ? undefined : [range[0], range[1]],
    mean: numberList('mean', a.mean, [1, 3]),
    std: numberList('std', a.std, [1, 3]),
    seed: wholeNumber('seed', a.seed, 0),
    id: a.id,
    maxBatch: wholeNumber('max-batch', a.maxBatch, 1),
    engine: a.engine,
    memoryMb: a.memoryMb,
    out: a.out,
    signal,
  };
}
