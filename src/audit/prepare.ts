import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { XauditError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { didYouMean } from '../core/suggest.js';
import { Dataset } from '../data/dataset.js';
import type { InputTransform } from '../data/input.js';
import { loadManifest } from '../data/manifest.js';
import { envMemoryMb, type LoadOptions, loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import type { BaselineSource, Report } from './report.js';
import type { AuditSpec, BaselineSpec } from './spec.js';

export interface PreparedAudit {
  spec: AuditSpec;
  model: Model;
  modelSha256: string;
  input: InputTransform;
  datasets: Map<string, Dataset>;
  datasetSha256: Map<string, string>;
}

/**
 * Everything that can make the inputs unusable is found here, before any
 * check runs: model import, class and shape agreement, manifests, decoding.
 */
export async function prepareAudit(spec: AuditSpec, opts: ModelOverrides = {}): Promise<PreparedAudit> {
  const at = (...path: (string | number)[]) => spec.locate(path);
  const options = loadOptions(spec, opts);
  let model: Model;
  try {
    model = await loadModel(spec.model.path, options);
  } catch (e) {
    if (e instanceof XauditError && e.location === undefined) {
      throw new XauditError(e.code, e.message, { location: at('model', 'path'), hint: e.hint, cause: e });
    }
    throw e;
  }
  try {
    const info = model.info;
    checkModelFits(model, spec, 'The model');
    const [mh, mw, mc] = info.inputShape;
    const h = mh;
    const w = mw;
    checkLayers(model, spec, 'The model');
    const input: InputTransform = {
      range: spec.model.input.range,
      mean: spec.model.input.mean,
      std: spec.model.input.std,
      shape: [h, w, mc],
    };
    const datasets = new Map<string, Dataset>();
    const datasetSha256 = new Map<string, string>();
    for (const [name, d] of Object.entries(spec.data)) {
      const manifest = await loadManifest(d.manifest, spec.model.classes);
      const ds = new Dataset(name, manifest, input);
      // Decode everything up front: an undecodable image makes the audit unusable (exit 2), never a partial report.
      for (const s of ds.samples) {
        try {
          await ds.decode(s);
        } catch (e) {
          if (e instanceof XauditError && e.location === undefined) {
            throw new XauditError(e.code, e.message, {
              location: { file: d.manifest, line: s.line },
              hint: e.hint,
              cause: e,
            });
          }
          throw e;
        }
      }
      datasets.set(name, ds);
      datasetSha256.set(name, sha256(await readFile(d.manifest)));
    }
    return { spec, model, modelSha256: await hashModel(spec.model.path), input, datasets, datasetSha256 };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The model's outputs and input shape agree with the spec's classes and input (`who` names it in errors). */
function checkModelFits(model: Model, spec: AuditSpec, who: string): void {
  const at = (...path: (string | number)[]) => spec.locate(path);
  const { info } = model;
  const classes = spec.model.classes;
  const fits = info.outputs === classes.length || (info.outputs === 1 && classes.length === 2);
  if (!fits) {
    throw new XauditError(
      'MODEL_INPUT_MISMATCH',
      `${who} has ${info.outputs} output(s) but the spec lists ${classes.length} classes`,
      {
        location: at('model', 'classes'),
        hint: 'List one class per output unit (two for a single sigmoid unit).',
      },
    );
  }
  const [mh, mw, mc] = info.inputShape;
  const [h, w] = spec.model.input.size;
  if (h !== 0 && (h !== mh || w !== mw)) {
    throw new XauditError(
      'MODEL_INPUT_MISMATCH',
      `The spec's input size [${spec.model.input.size.join(', ')}] does not fit ${who.toLowerCase()}, which takes [${mh}, ${mw}] (height, width)`,
      { location: at('model', 'input', 'size') },
    );
  }
  if (spec.model.input.channels !== mc) {
    throw new XauditError(
      'MODEL_INPUT_MISMATCH',
      `The spec's input has ${spec.model.input.channels} channel(s) but ${who.toLowerCase()} takes ${mc}`,
      { location: at('model', 'input', 'channels') },
    );
  }
}

/** Every explanation's named layer exists in the model (`who` names it in errors). */
function checkLayers(model: Model, spec: AuditSpec, who: string): void {
  const names = model.info.layers.filter((l) => l.spatial).map((l) => l.name);
  for (const e of Object.values(spec.explanations)) {
    const layer = e.options.layer;
    if (typeof layer === 'string' && layer !== 'auto' && !names.includes(layer)) {
      throw new XauditError('SPEC_REFERENCE', `${who} has no spatial layer '${layer}'`, {
        location: spec.locate(['explanations', e.id, 'layer']),
        hint: `${didYouMean(layer, names)} Candidates: ${names.join(', ')}.`,
      });
    }
  }
}

/** What the checks are compared with in baseline mode. */
export type PreparedBaseline =
  | { source: BaselineSource; model: Model }
  | { source: BaselineSource; report: Report };

/**
 * Load the baseline: a model that must fit the spec like the audited one (and
 * takes the same input size), or a stored report.json of this audit.
 */
export async function prepareBaseline(
  prepared: PreparedAudit,
  baseline: BaselineSpec,
  opts: ModelOverrides = {},
): Promise<PreparedBaseline> {
  const { spec } = prepared;
  if (baseline.kind === 'report') {
    const text = await readFile(baseline.path, 'utf8').catch((e: unknown) => {
      throw new XauditError('FILE_MISSING', `Cannot read the baseline report ${baseline.path}`, { cause: e });
    });
    let report: Report;
    try {
      report = JSON.parse(text) as Report;
    } catch (e) {
      throw new XauditError('REPORT_INVALID', `The baseline report ${baseline.path} is not valid JSON`, {
        location: { file: baseline.path },
        cause: e,
        hint: e instanceof Error ? e.message : undefined,
      });
    }
    if (
      report === null ||
      typeof report !== 'object' ||
      !Array.isArray(report.checks) ||
      report.shard !== undefined
    ) {
      throw new XauditError(
        'REPORT_INVALID',
        `${baseline.path} is not the report.json of a whole run${report?.shard === undefined ? '' : ' (it is one shard; merge the shards first)'}`,
        { location: { file: baseline.path } },
      );
    }
    return { source: { kind: 'report', path: baseline.path, sha256: sha256(text) }, report };
  }
  const model = await loadModel(baseline.path, loadOptions(spec, opts));
  try {
    checkModelFits(model, spec, 'The baseline model');
    checkLayers(model, spec, 'The baseline model');
    const [h, w, c] = prepared.input.shape;
    const [bh, bw, bc] = model.info.inputShape;
    if (bh !== h || bw !== w || bc !== c) {
      throw new XauditError(
        'MODEL_INPUT_MISMATCH',
        `The baseline model takes [${bh}, ${bw}, ${bc}] but the audited model takes [${h}, ${w}, ${c}]: they cannot score the same inputs`,
        { location: { file: baseline.path } },
      );
    }
    return { source: { kind: 'model', path: baseline.path, sha256: await hashModel(baseline.path) }, model };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Hash of the model file and, for tfjs model.json, its weight shards. */
async function hashModel(path: string): Promise<string> {
  const main = await readFile(path);
  const parts: Uint8Array[] = [main];
  if (path.endsWith('.json')) {
    try {
      const json = JSON.parse(main.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
      for (const group of json.weightsManifest ?? []) {
        for (const p of group.paths) parts.push(await readFile(resolve(dirname(path), p)));
      }
    } catch {
      // The importer already validated the file; hashing must not add new failure modes.
    }
  }
  return sha256(Buffer.concat(parts));
}

/** Command-line overrides of the spec's model options. */
export type ModelOverrides = Pick<LoadOptions, 'engine' | 'memoryMb'>;

/**
 * The spec's engine options under the command line's and XAUDIT_MEMORY_MB (the machine's limit
 * beats the spec's wish); the baseline model runs on the same. A bad XAUDIT_MEMORY_MB is a usage
 * error that names no spec line.
 */
function loadOptions(spec: AuditSpec, o: ModelOverrides): LoadOptions {
  const memoryMb = o.memoryMb ?? envMemoryMb() ?? spec.model.memory_mb;
  return { engine: o.engine ?? spec.model.engine, ...(memoryMb === undefined ? {} : { memoryMb }) };
}
