// A stand-in for @tensorflow/tfjs-node, which cannot be installed where its install cannot
// download libtensorflow: it registers a backend named 'tensorflow' (tfjs-node's name) with the
// tfjs-core that xaudit uses, running tfjs-cpu's kernels. Tests of the engine plumbing use it;
// the numbers are tfjs-cpu's. XAUDIT_FAKE_TFJS_NODE=other-core simulates a tfjs-node built on
// another tfjs-core version (copies of tfjs-core share one engine, so it registers all the same).
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

const otherCore = process.env.XAUDIT_FAKE_TFJS_NODE === 'other-core';
if (tf.findBackendFactory('tensorflow') === null) {
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
}

export const version = {
  'tfjs-core': otherCore ? '3.21.0' : tf.version_core,
  'tfjs-node': '0.0.0-simulated',
};
