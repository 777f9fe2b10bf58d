/**
 * Selects and initialises the tfjs backend: wasm by default, cpu as the fallback, and
 * TensorFlow's native library through @tensorflow/tfjs-node when the user has installed it.
 */

import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { XauditError } from '../../core/errors.js';
import type { EngineKind } from '../model.js';

/** 'tensorflow' is the name @tensorflow/tfjs-node registers its backend under. */
export type TfBackend = 'wasm' | 'cpu' | 'tensorflow';

export interface BackendChoice {
  backend: TfBackend;
  /** e.g. `tfjs-wasm@4.22.0`. */
  engine: string;
  /** Why the requested backend was not used, if it was not. */
  fallback?: string;
}

/** Imports @tensorflow/tfjs-node; injectable so that tests can stand in for the native package. */
export type TfjsNodeImporter = () => Promise<unknown>;

/**
 * Not a dependency: its install downloads libtensorflow, which many machines (and CI sandboxes)
 * cannot do. A variable specifier keeps TypeScript and bundlers from resolving it.
 */
const TFJS_NODE = '@tensorflow/tfjs-node';
const importTfjsNode: TfjsNodeImporter = () => import(TFJS_NODE);

let tfjsNodeLoad: Promise<TfjsNodeStatus> | undefined;

/** The outcome of loading tfjs-node: its version when its backend is usable, else why not. */
export type TfjsNodeStatus =
  | { ok: true; version: string }
  | { ok: false; reason: string; installed: boolean };

/**
 * Loads @tensorflow/tfjs-node once and checks that it is built on the tfjs-core version xaudit
 * uses. Copies of tfjs-core in one process share one engine and kernel registry (a global), so a
 * tfjs-node on another version would register its kernels for ours to call across versions;
 * that is refused with the version to install rather than left to fail at some op.
 */
function tfjsNodeStatus(importer: TfjsNodeImporter = importTfjsNode): Promise<TfjsNodeStatus> {
  if (importer !== importTfjsNode) return loadTfjsNode(importer);
  tfjsNodeLoad ??= loadTfjsNode(importer);
  return tfjsNodeLoad;
}

async function loadTfjsNode(importer: TfjsNodeImporter): Promise<TfjsNodeStatus> {
  // TensorFlow's C++ start-up lines (CPU features, oneDNN) would land in our CLI output. Builds
  // whose absl logging starts before it reads this still print one or two (README, engines).
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  let mod: { version?: Record<string, string> };
  try {
    mod = ((await importer()) ?? {}) as typeof mod;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // The package itself, not one of its dependencies (whose error names tfjs-node in its
    // require stack, below the first line).
    const firstLine = String(err.message).split('\n')[0];
    const missing =
      (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') &&
      new RegExp(`^Cannot find (package|module) '${TFJS_NODE}'`).test(firstLine);
    return missing
      ? { ok: false, installed: false, reason: `${TFJS_NODE} is not installed` }
      : { ok: false, installed: true, reason: `${TFJS_NODE} failed to load: ${firstLine}` };
  }
  const nodeVersion = mod.version?.['tfjs-node'] ?? 'unknown';
  const theirs = mod.version?.['tfjs-core'];
  if (theirs !== undefined && theirs !== tf.version_core) {
    return {
      ok: false,
      installed: true,
      reason:
        `${TFJS_NODE}@${nodeVersion} is built on @tensorflow/tfjs-core@${theirs}, xaudit on ` +
        `@${tf.version_core}; install ${TFJS_NODE}@${tf.version_core} so that both use one tfjs-core`,
    };
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return {
      ok: false,
      installed: true,
      reason: `${TFJS_NODE}@${nodeVersion} loaded but registered no 'tensorflow' backend`,
    };
  }
  return { ok: true, version: nodeVersion };
}

/**
 * Initialises the backend for `kind`. wasm that cannot start falls back to cpu (reported in
 * `fallback`). 'tfjs-node' is only ever taken when asked for, never by 'auto': TensorFlow's native
 * kernels change the last bits of a result with the batch size (bench/README.md, memory), which
 * would break "same spec and seed, same bytes" across shards and memory budgets; and one that
 * cannot load is an error, never a fallback.
 */
export async function chooseBackend(
  kind: EngineKind,
  importer: TfjsNodeImporter = importTfjsNode,
): Promise<BackendChoice> {
  // Silences tfjs' console banners (e.g. "install tfjs-node"), which would land in our CLI output.
  tf.enableProdMode();
  if (kind === 'cpu') {
    await activate('cpu');
    return { backend: 'cpu', engine: `tfjs-cpu@${version_cpu}` };
  }
  if (kind === 'tfjs-node') {
    const node = await tfjsNodeStatus(importer);
    if (!node.ok) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `engine 'tfjs-node': ${node.reason}${node.installed ? '' : ` (npm install ${TFJS_NODE}@${tf.version_core}; it downloads TensorFlow's native library)`}; or use engine auto, wasm or cpu`,
      );
    }
    await activate('tensorflow');
    return { backend: 'tensorflow', engine: `tfjs-node@${node.version}` };
  }
  let reason: string;
  try {
    if (await tf.setBackend('wasm')) return { backend: 'wasm', engine: `tfjs-wasm@${version_wasm}` };
    reason = 'the wasm backend failed to initialise';
  } catch (e) {
    reason = `the wasm backend failed to initialise: ${(e as Error).message}`;
  }
  await activate('cpu');
  return { backend: 'cpu', engine: `tfjs-cpu@${version_cpu}`, fallback: reason };
}

/** Makes `backend` current. tfjs has one global backend; models on different backends switch per call. */
export async function activate(backend: TfBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
}
