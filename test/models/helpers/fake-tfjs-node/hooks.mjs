// Module resolution hook: '@tensorflow/tfjs-node' resolves to the stand-in beside this file, or,
// with XAUDIT_FAKE_TFJS_NODE=missing, is not found (whatever this machine has installed).
const fake = new URL('./index.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === '@tensorflow/tfjs-node') {
    if (process.env.XAUDIT_FAKE_TFJS_NODE === 'missing') {
      const e = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`);
      e.code = 'ERR_MODULE_NOT_FOUND';
      throw e;
    }
    return { url: fake, shortCircuit: true };
  }
  return next(specifier, context);
}
