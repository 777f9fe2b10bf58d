import { createRequire } from 'node:module';

/**
 * Whether the real @tensorflow/tfjs-node resolves here. It is never a dependency (its install
 * downloads libtensorflow), so its tests run where a user or developer installed it, and
 * XAUDIT_REQUIRE_TFJS_NODE=1 makes its absence a failure instead of a skip.
 */
export function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch (e) {
    if (process.env.XAUDIT_REQUIRE_TFJS_NODE === '1') {
      throw new Error(`XAUDIT_REQUIRE_TFJS_NODE=1 but @tensorflow/tfjs-node does not resolve: ${String(e)}`);
    }
    return false;
  }
}
