// ImageNet-size models (issue #5): torchvision resnet18 and mobilenet_v2 with seeded random
// weights, made by fixtures/train/make_bench_models.py into bench/models/ (git-ignored, ~60 MB).
// Each model runs in a child process (`node bench/large.js <name>`) so that its peak RSS is its own.
// Per model: forward ms/image for xaudit (onnxruntime) and plain onnxruntime-node on the same
// file (throughput ratio), the gradient / forward ratio (tfjs-wasm reverse pass and onnxruntime
// backward graph, side by side),
// and IG-32, Grad-CAM and occlusion per image.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { methods } from '../dist/methods/registry.js';
import { loadModel } from '../dist/models/load.js';
import { baselineModel } from './onnx.js';
import { median, table, timeRounds } from './util.js';

const MODELS = ['resnet18', 'mobilenet_v2'];
const SIZE = 224;
/** Forward batch: 8 images of 224x224 are ~5 MB of input; larger batches add little throughput. */
const N = 8;

export function largeSection(root) {
  return {
    title: `ImageNet-size models: resnet18 and mobilenet_v2 (224x224, batch ${N}, ${MODELS.length} child processes)`,
    async run() {
      const dir = join(root, 'bench', 'models');
      const present = MODELS.filter((m) => existsSync(join(dir, `${m}.onnx`)));
      if (present.length === 0) {
        console.log('skipped: run fixtures/train/make_bench_models.py (writes bench/models/, git-ignored)');
        return;
      }
      for (const name of MODELS.filter((m) => !present.includes(m))) {
        console.log(`${name}: skipped, bench/models/${name}.onnx is missing`);
      }
      for (const name of present) {
        const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
        if (r.status !== 0) console.log(`${name}: the child process failed (exit ${r.status ?? r.signal})`);
        console.log('');
      }
    },
  };
}

/** Input k, NHWC in [0, 1], as in make_bench_models.py's bench_input(k). */
function benchInputs(n) {
  const size = SIZE * SIZE * 3;
  const x = new Float32Array(n * size);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < size; i++) x[k * size + i] = ((i * 7919 + (k % 2) * 104729) % 256) / 255;
  }
  return x;
}

async function timeOnce(f) {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function child(root, name) {
  const file = join(root, 'bench', 'models', `${name}.onnx`);
  const ort = await import('onnxruntime-node').catch(() => undefined);
  if (ort === undefined) {
    console.log(`${name}: skipped, onnxruntime-node is not installed (an optional dependency)`);
    return;
  }
  const xa = await loadModel(file, { engine: 'onnxruntime' });
  const wasm = await loadModel(file, { engine: 'wasm' });
  const k = xa.info.outputs;
  const x = benchInputs(N);

  // The imported model against PyTorch first: a benchmark of wrong numbers is worthless.
  const ref = JSON.parse(readFileSync(join(root, 'bench', 'models', `${name}.json`), 'utf8'));
  const worst = async (m) => {
    const { logits } = await m.forward(x.subarray(0, ref.n * SIZE * SIZE * 3), ref.n);
    return Math.max(...ref.logits.map((v, i) => Math.abs(v - logits[i])));
  };
  const diffXa = await worst(xa);
  const diffWasm = await worst(wasm);

  // Plain onnxruntime-node, the user's own NCHW tensor made once, the file's own output.
  const session = await ort.InferenceSession.create(readFileSync(file));
  const nchw = new ort.Tensor('float32', x.slice(), [N, 3, SIZE, SIZE]);
  const plain = async () => {
    const out = await session.run({ [session.inputNames[0]]: nchw });
    for (const t of Object.values(out)) t.dispose();
  };
  const [xaS, plainS] = await timeRounds([() => xa.forward(x, N), plain], {
    warmup: 1,
    budgetMs: 5000,
    minRounds: 3,
  });
  const vsPlain = median(plainS.map((p, i) => p / xaS[i]));
  const fwdOrt = median(xaS) / N;
  await session.release();

  // The reverse pass (tfjs-wasm) against wasm's forward, side by side, on 2 images.
  const n2 = 2;
  const x2 = x.subarray(0, n2 * SIZE * SIZE * 3);
  const og = new Float32Array(n2 * k);
  for (let i = 0; i < n2; i++) og[i * k + i] = 1;
  const spatial = xa.info.layers.filter((l) => l.spatial);
  const layer = spatial[spatial.length - 1].name;
  const [fwdW, gradW] = await timeRounds(
    [() => wasm.forward(x2, n2), () => wasm.gradient({ x: x2, n: n2, outputGrad: og })],
    { warmup: 1, budgetMs: 3000, minRounds: 2 },
  );
  const fwdWasm = median(fwdW) / n2;
  const grad = median(gradW) / n2;
  const gradRatio = median(gradW.map((g, i) => g / fwdW[i]));
  // The same input gradient as an onnxruntime backward graph (engines/onnx-backward.ts: what the
  // onnxruntime engine runs for plain gradients), side by side with its forward: rounds of their
  // own (a tfjs-wasm gradient takes seconds, so its rounds are few), at least 8 of them.
  // XAUDIT_BENCH_BASELINE=/other/checkout/dist: that build's backward graph in the same rounds.
  const base = await baselineModel(file);
  const gradOf = (m) => () => m.gradient({ x: x2, n: n2, outputGrad: og });
  const fns = [() => xa.forward(x2, n2), gradOf(xa)];
  if (base) fns.push(gradOf(base.model));
  const [fwdO2, gradO2, gradB2] = await timeRounds(fns, { warmup: 1, budgetMs: 4000, minRounds: 8 });
  const gradOrt = median(gradO2) / n2;
  const gradOrtRatio = median(gradO2.map((g, i) => g / fwdO2[i]));
  const baseRatio = base ? median(gradB2.map((g, i) => g / fwdO2[i])) : undefined;
  const [gradO3, gradW3] = await timeRounds([gradOf(xa), gradOf(wasm)], {
    warmup: 0,
    budgetMs: 3000,
    minRounds: 2,
  });
  const wasmVsOrt = median(gradW3.map((g, i) => g / gradO3[i]));

  // Methods on one image each, on the model users get (engine auto = onnxruntime + tfjs-wasm).
  const one = { x: x.subarray(0, SIZE * SIZE * 3), n: 1, ids: ['bench-0'] };
  const target = Int32Array.of(0);
  const ctx = {
    seed: 1,
    unitId: 'bench',
    input: { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [SIZE, SIZE, 3] },
    // The engine-call budget: tfjs-wasm's heap (4 GiB at most) overflows on a 32-image reverse
    // pass at 224x224 (mobilenet_v2: 'memory access out of bounds').
    maxBatch: N,
    baseDir: root,
  };
  const attribute = (id, opts) =>
    methods[id].attribute(xa, one, target, { ...structuredClone(methods[id].defaults), ...opts }, ctx);
  await attribute('grad-cam', { layer }); // untimed: compiles the layer-gradient kernels
  const cam = await timeOnce(() => attribute('grad-cam', { layer }));
  const ig = await timeOnce(() => attribute('integrated-gradients', { steps: 32 }));
  // 16x16 windows, stride 8: 27 x 27 = 729 forward passes (the default 8/4 would be 3025 at 224x224).
  const occ = await timeOnce(() => attribute('occlusion', { window: [16, 16], stride: [8, 8] }));

  const eq = (ms, fwd) => (ms / fwd).toFixed(ms / fwd < 10 ? 2 : 1);
  console.log(
    `model: bench/models/${name}.onnx  input ${SIZE}x${SIZE}x3, ${k} outputs; max |logit - PyTorch|: ` +
      `onnxruntime ${diffXa.toExponential(1)}, tfjs-wasm ${diffWasm.toExponential(1)}`,
  );
  table([
    ['measure', 'ms/image', 'x forward (onnxruntime)', 'x forward (wasm)'],
    [
      `forward, xaudit ${xa.engine} (${xa.threads ?? 1} threads)`,
      fwdOrt.toFixed(2),
      '1.0',
      eq(fwdOrt, fwdWasm),
    ],
    [
      `forward, plain onnxruntime-node@${ort.env.versions.node}`,
      (median(plainS) / N).toFixed(2),
      (median(plainS) / N / fwdOrt).toFixed(2),
      '-',
    ],
    [`forward, xaudit ${wasm.engine}`, fwdWasm.toFixed(2), eq(fwdWasm, fwdOrt), '1.0'],
    [`input gradient of one logit, ${wasm.engine}`, grad.toFixed(2), eq(grad, fwdOrt), gradRatio.toFixed(2)],
    [
      `input gradient of one logit, onnxruntime backward graph${xa.backwardFallback ? ' (NOT USED)' : ''}`,
      gradOrt.toFixed(2),
      gradOrtRatio.toFixed(2),
      eq(gradOrt, fwdWasm),
    ],
    [`integrated-gradients, 32 steps`, ig.toFixed(0), eq(ig, fwdOrt), eq(ig, fwdWasm)],
    [`grad-cam at '${layer}'`, cam.toFixed(0), eq(cam, fwdOrt), eq(cam, fwdWasm)],
    ['occlusion, 16x16 windows, stride 8 (729 passes)', occ.toFixed(0), eq(occ, fwdOrt), eq(occ, fwdWasm)],
  ]);
  console.log(
    `xaudit / plain onnxruntime throughput = ${vsPlain.toFixed(2)} (target >= 0.9: ${vsPlain >= 0.9 ? 'met' : 'MISSED'}); ` +
      `gradient / forward (both wasm) = ${gradRatio.toFixed(2)} (target <= 3: ${gradRatio <= 3 ? 'met' : 'MISSED'})`,
  );
  console.log(
    `gradient via onnxruntime / forward = ${gradOrtRatio.toFixed(2)} (target <= 3: ${gradOrtRatio <= 3 ? 'met' : 'MISSED'}); ` +
      `tfjs-wasm gradient / onnxruntime gradient = ${wasmVsOrt.toFixed(2)}x` +
      (xa.backwardFallback ? `; onnxruntime backward NOT USED: ${xa.backwardFallback}` : ''),
  );
  if (base)
    console.log(
      `baseline ${base.dir}: gradient via onnxruntime / forward = ${baseRatio.toFixed(2)} (same rounds)`,
    );
  console.log(`peak RSS (this model's process): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  base?.model.dispose();
  xa.dispose();
  wasm.dispose();
}

// Run as a child: `node bench/large.js <name>`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  await child(root, process.argv[2]);
  process.exit(0);
}
