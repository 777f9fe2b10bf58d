/** Selects and initialises the tfjs backend (wasm by default, cpu as the fallback). */

import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { EngineKind } from '../model.js';

export type TfBackend = 'wasm' | 'cpu';

export interface BackendChoice {
  backend: TfBackend;
  /** e.g. `tfjs-wasm@4.22.0`. */
  engine: string;
  /** Why the requested backend was not used, if it was not. */
  fallback?: string;
}

/** Initialises the backend for `kind`; wasm that cannot start falls back to cpu (reported in `fallback`). */
export async function chooseBackend(kind: EngineKind): Promise<BackendChoice> {
  // Silences tfjs' console banners (e.g. "install tfjs-node"), which would land in our CLI output.
  tf.enableProdMode();
  if (kind === 'cpu') {
    await activate('cpu');
    return { backend: 'cpu', engine: `tfjs-cpu@${version_cpu}` };
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
