/** Entry point for loading a model file into an engine. */

import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { XauditError } from '../core/errors.js';
import { createOnnxModel } from './engines/onnxruntime.js';
import { TfjsModel } from './engines/tfjs-model.js';
import { importKeras } from './importers/keras-file.js';
import { importOnnx } from './importers/onnx.js';
import { importTfjsGraph } from './importers/tfjs-graph.js';
import { importTfjsLayers } from './importers/tfjs-layers.js';
import type { EngineKind, Model } from './model.js';

export const SUPPORTED_FORMATS = [
  'tfjs layers model (model.json + weight shards)',
  'tfjs graph model (model.json with "format": "graph-model" + weight shards)',
  'Keras 3 (.keras)',
  'Keras HDF5 (.h5, .hdf5)',
  'ONNX (.onnx)',
] as const;

const KERAS_EXTENSIONS = new Set(['.keras', '.h5', '.hdf5']);

const NOT_YET: Record<string, string> = {
  '.pb': 'TensorFlow SavedModel / frozen graph',
  '.tflite': 'TensorFlow Lite',
  '.pt': 'PyTorch',
  '.pth': 'PyTorch',
};

export interface LoadOptions {
  /** Default 'auto': onnxruntime for .onnx files where onnxruntime-node loads, else tfjs-wasm (never tfjs-node). */
  engine?: EngineKind;
  /**
   * Working memory of one engine call, MiB: a call with more samples than fit is split into
   * chunks, with the same results (on tfjs-node up to float rounding). Default: XAUDIT_MEMORY_MB,
   * else DEFAULT_MEMORY_MB (1024).
   */
  memoryMb?: number;
}

/** XAUDIT_MEMORY_MB: undefined when unset; anything but a positive number is a usage error. */
export function envMemoryMb(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.XAUDIT_MEMORY_MB;
  if (text === undefined || text === '') return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) {
    throw new XauditError('USAGE', `XAUDIT_MEMORY_MB='${text}' is not a positive number of MiB`);
  }
  return v;
}

/** Loads a model file; a directory is taken to hold a model.json. */
export async function loadModel(path: string, opts: LoadOptions = {}): Promise<Model> {
  const file = await resolveModelFile(path);
  const ext = extname(file).toLowerCase();
  const format = NOT_YET[ext];
  if (format !== undefined) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${file}: the ${format} format is not supported yet; supported: ${SUPPORTED_FORMATS.join(', ')}`,
      { location: { file } },
    );
  }
  const memoryMb = opts.memoryMb ?? envMemoryMb();
  if (ext === '.onnx') {
    const imported = await importOnnx(file);
    return createOnnxModel(imported, opts.engine ?? 'auto', { memoryMb });
  }
  if (ext !== '.json' && !KERAS_EXTENSIONS.has(ext)) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${file}: unrecognised model file '${basename(file)}'; supported: ${SUPPORTED_FORMATS.join(', ')}`,
      { location: { file } },
    );
  }
  const engine = opts.engine ?? 'auto';
  if (engine === 'onnxruntime') {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: engine 'onnxruntime' runs ONNX models only; use auto, wasm, cpu or tfjs-node for this model`,
      { location: { file } },
    );
  }
  const { graph, info } = KERAS_EXTENSIONS.has(ext)
    ? await importKeras(file)
    : (await isGraphModel(file))
      ? await importTfjsGraph(file)
      : await importTfjsLayers(file);
  return TfjsModel.create(graph, info, engine, { memoryMb });
}

/**
 * A tfjs graph model's model.json says "format": "graph-model" or, from older converters, holds a
 * GraphDef (modelTopology.node); anything unreadable goes to the layers importer's errors.
 */
async function isGraphModel(file: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as { format?: unknown; modelTopology?: unknown };
    if (typeof json !== 'object' || json === null) return false;
    const topology = json.modelTopology as { node?: unknown } | undefined;
    return json.format === 'graph-model' || Array.isArray(topology?.node);
  } catch {
    return false;
  }
}

async function resolveModelFile(path: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new XauditError('FILE_MISSING', `model path ${path} does not exist`, {
      location: { file: path },
      cause: e,
    });
  }
  if (!isDir) return path;
  const onnx = join(path, 'model.onnx');
  if (
    await stat(onnx).then(
      () => true,
      () => false,
    )
  )
    return onnx;
  const inner = join(path, 'model.json');
  try {
    await stat(inner);
  } catch (e) {
    throw new XauditError('FILE_MISSING', `model directory ${path} has no model.json`, {
      location: { file: inner },
      cause: e,
    });
  }
  return inner;
}
