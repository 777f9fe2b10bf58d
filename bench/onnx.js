// ONNX forward passes: xaudit on onnxruntime vs plain onnxruntime-node on the same file (the
// target is >= 0.9x its throughput), and vs xaudit on tfjs-wasm (the same imported IR).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../dist/models/load.js';

export function onnxSection(root, { table, timeRounds, median, inputs }) {
  return {
    title: 'ONNX forward: xaudit-onnxruntime vs plain onnxruntime-node vs tfjs-wasm (batch 32)',
    async run() {
      let ort;
      try {
        ort = await import('onnxruntime-node');
      } catch {
        console.log('skipped: onnxruntime-node is not installed (an optional dependency)');
        return;
      }
      // XAUDIT_BENCH_ONNX times another .onnx file (e.g. resnet18 from the benchmark script).
      // Default: the wolf/snow CNN (64x64) as exported from PyTorch, and the 32x32 ONNX fixture CNN.
      const files = process.env.XAUDIT_BENCH_ONNX
        ? [process.env.XAUDIT_BENCH_ONNX]
        : ['fixtures/onnx/wolf-snow-biased/model.onnx', 'fixtures/onnx/cnn/model.onnx'].map((f) =>
            join(root, f),
          );
      for (const file of files) await benchFile(ort, root, file, { table, timeRounds, median, inputs });
    },
  };
}

async function benchFile(ort, root, file, { table, timeRounds, median, inputs }) {
  const n = 32;
  const xa = await loadModel(file, { engine: 'onnxruntime' });
  const wasm = await loadModel(file, { engine: 'wasm' });
  const [h, w, c] = xa.info.inputShape;
  const x = inputs(n * h * w * c);
  // Plain onnxruntime: the user's own NCHW tensor, made once, and the file's own output.
  const session = await ort.InferenceSession.create(await readFile(file));
  const nchw = new ort.Tensor('float32', inputs(n * h * w * c), [n, c, h, w]);
  const feeds = { [session.inputNames[0]]: nchw };
  const plain = async () => {
    const out = await session.run(feeds);
    for (const t of Object.values(out)) t.dispose();
  };
  const [xaS, plainS, wasmS] = await timeRounds([() => xa.forward(x, n), plain, () => wasm.forward(x, n)]);
  const per = (ms) => (ms / n).toFixed(3);
  // Throughput ratios per round, then the median: robust to load that comes and goes.
  const vsPlain = median(plainS.map((p, i) => p / xaS[i]));
  const vsWasm = median(wasmS.map((t, i) => t / xaS[i]));
  console.log(`model: ${file.startsWith(root) ? file.slice(root.length + 1) : file}  input ${h}x${w}x${c}`);
  table([
    ['engine', 'ms/image', 'throughput vs xaudit-onnxruntime'],
    [`xaudit ${xa.engine}`, per(median(xaS)), '1.00'],
    [`plain onnxruntime-node@${ort.env.versions.node}`, per(median(plainS)), (1 / vsPlain).toFixed(2)],
    [`xaudit ${wasm.engine}`, per(median(wasmS)), (1 / vsWasm).toFixed(2)],
  ]);
  console.log(
    `xaudit / plain onnxruntime throughput = ${vsPlain.toFixed(2)} (target >= 0.9: ${vsPlain >= 0.9 ? 'met' : 'MISSED'}); ` +
      `onnxruntime / tfjs-wasm = ${vsWasm.toFixed(2)}x`,
  );
  await session.release();
  await benchGradient(xa, wasm, x, n, { table, timeRounds, median });
  xa.dispose();
  wasm.dispose();
}

/**
 * The input gradient of one logit, both paths side by side in the same rounds: the onnxruntime
 * backward graph (engines/onnx-backward.ts, what xaudit's onnxruntime engine now runs) and the
 * tfjs-wasm reverse pass, each against the onnxruntime forward and the wasm forward.
 */
export async function benchGradient(xa, wasm, x, n, { table, timeRounds, median }, opts) {
  const k = xa.info.outputs;
  const og = new Float32Array(n * k);
  for (let i = 0; i < n; i++) og[i * k + (i % k)] = 1;
  const [fOrt, fWasm, gOrt, gWasm] = await timeRounds(
    [
      () => xa.forward(x, n),
      () => wasm.forward(x, n),
      () => xa.gradient({ x, n, outputGrad: og }),
      () => wasm.gradient({ x, n, outputGrad: og }),
    ],
    opts,
  );
  const r = (a, b) => median(a.map((v, i) => v / b[i]));
  const per = (s) => (median(s) / n).toFixed(3);
  const viaOrt = r(gOrt, fOrt);
  table([
    ['input gradient of one logit', 'ms/image', 'x forward (onnxruntime)', 'x forward (wasm)'],
    ['gradient via onnxruntime (backward graph)', per(gOrt), viaOrt.toFixed(2), r(gOrt, fWasm).toFixed(2)],
    [
      'gradient via tfjs-wasm (reverse pass)',
      per(gWasm),
      r(gWasm, fOrt).toFixed(2),
      r(gWasm, fWasm).toFixed(2),
    ],
  ]);
  const fallback = xa.backwardFallback === undefined ? '' : ` (NOT USED: ${xa.backwardFallback})`;
  console.log(
    `gradient via onnxruntime / forward = ${viaOrt.toFixed(2)} (target <= 3: ${viaOrt <= 3 ? 'met' : 'MISSED'})${fallback}; ` +
      `tfjs-wasm gradient / onnxruntime gradient = ${r(gWasm, gOrt).toFixed(2)}x`,
  );
}
