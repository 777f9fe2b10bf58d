// ONNX forward passes: xaudit on onnxruntime vs plain onnxruntime-node on the same file (the
// target is >= 0.9x its throughput), and vs xaudit on tfjs-wasm (the same imported IR).
// Alone: `node bench/onnx.js` (after `npm run build`). XAUDIT_BENCH_BASELINE=/other/checkout/dist
// also times that build's onnxruntime gradient in the same rounds (before/after comparisons).
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
      for (const file of files) {
        const profile = process.env.XAUDIT_BENCH_PROFILE;
        if (profile !== 'only') await benchFile(ort, root, file, { table, timeRounds, median, inputs });
        if (profile) await profileGradient(ort, file, { table, inputs });
      }
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
  const base = await baselineModel(file);
  await benchGradient(xa, wasm, x, n, { table, timeRounds, median }, undefined, base);
  xa.dispose();
  wasm.dispose();
  base?.model.dispose();
}

/**
 * XAUDIT_BENCH_PROFILE=1 (or =only: without the timed rounds): onnxruntime's own per-node
 * kernel times (enableProfiling) of the engine's forward file and of the emitted backward graph
 * (and of XAUDIT_BENCH_BASELINE's), at batch 32 (8 above 128x128) and XAUDIT_THREADS (else 1)
 * threads, summed per op type. Each node's minimum over the runs: load from other processes
 * inflates wall times (and ratios at 2 threads) far more than it does these minima.
 */
async function profileGradient(ort, file, { table, inputs }) {
  const { importOnnx } = await import('../dist/models/importers/onnx.js');
  const { withNhwcInput } = await import('../dist/models/importers/onnx-proto.js');
  const { emitBackwardModel, BACKWARD_INPUT, BACKWARD_OUTPUT_GRAD } = await import(
    '../dist/models/engines/onnx-backward.js'
  );
  const { mkdtemp, readdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const m = await importOnnx(file);
  const shape = m.graph.nodes[0].shape;
  const k = m.info.outputs;
  const n = shape[0] * shape[1] > 128 * 128 ? 8 : 32;
  const x = new ort.Tensor('float32', inputs(n * shape.reduce((a, b) => a * b, 1)), [n, ...shape]);
  const og = new Float32Array(n * k);
  for (let i = 0; i < n; i++) og[i * k + (i % k)] = 1;
  const dir = await mkdtemp(join(tmpdir(), 'xaudit-profile-'));
  const runs = 20;
  const threads = Number(process.env.XAUDIT_THREADS) || 1;
  const profile = async (bytes, feeds, tag) => {
    const s = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableProfiling: true,
      profileFilePrefix: join(dir, tag),
    });
    for (let i = 0; i < runs; i++) await s.run(feeds);
    s.endProfiling();
    await s.release();
    const [f] = (await readdir(dir)).filter((f) => f.startsWith(tag));
    const mins = new Map();
    for (const e of JSON.parse(await readFile(join(dir, f), 'utf8'))) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const prev = mins.get(e.name);
      if (prev === undefined || e.dur < prev.us) mins.set(e.name, { op: e.args.op_name, us: e.dur });
    }
    const byOp = new Map();
    for (const { op, us } of mins.values()) byOp.set(op, (byOp.get(op) ?? 0) + us / 1000);
    return { total: [...byOp.values()].reduce((a, b) => a + b, 0), byOp };
  };
  const nhwc = `${m.onnxInput}__xaudit_nhwc`;
  const fwd = await profile(withNhwcInput(m.bytes, m.onnxInput, m.onnxLogits), { [nhwc]: x }, 'forward');
  const bwd = await profile(
    emitBackwardModel(m.graph, { threads }),
    { [BACKWARD_INPUT]: x, [BACKWARD_OUTPUT_GRAD]: new ort.Tensor('float32', og, [n, k]) },
    'backward',
  );
  const baseDir = process.env.XAUDIT_BENCH_BASELINE;
  const baseEmit = baseDir
    ? (await import(join(resolve(baseDir), 'models', 'engines', 'onnx-backward.js'))).emitBackwardModel
    : undefined;
  const base = baseEmit
    ? await profile(
        baseEmit(m.graph),
        { [BACKWARD_INPUT]: x, [BACKWARD_OUTPUT_GRAD]: new ort.Tensor('float32', og, [n, k]) },
        'baseline',
      )
    : undefined;
  await rm(dir, { recursive: true });
  const top = [...bwd.byOp].sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log(
    `onnxruntime kernel time, sum of per-node minima over ${runs} runs, ${threads} thread(s), batch ${n}:`,
  );
  table([
    ['graph', 'ms', 'x forward', 'largest op types (ms)'],
    ["forward (the engine's file)", fwd.total.toFixed(2), '1.00', ''],
    [
      'backward graph',
      bwd.total.toFixed(2),
      (bwd.total / fwd.total).toFixed(2),
      top.map(([op, ms]) => `${op} ${ms.toFixed(2)}`).join(', '),
    ],
    ...(base
      ? [
          [
            `backward graph, baseline ${baseDir}`,
            base.total.toFixed(2),
            (base.total / fwd.total).toFixed(2),
            '',
          ],
        ]
      : []),
  ]);
}

/** The same file on the onnxruntime engine of the build in XAUDIT_BENCH_BASELINE (a dist folder), if set. */
export async function baselineModel(file) {
  const dir = process.env.XAUDIT_BENCH_BASELINE;
  if (!dir) return undefined;
  const { loadModel: load } = await import(join(resolve(dir), 'models', 'load.js'));
  return { model: await load(file, { engine: 'onnxruntime' }), dir };
}

/**
 * The input gradient of one logit, both paths side by side in the same rounds: the onnxruntime
 * backward graph (engines/onnx-backward.ts, what xaudit's onnxruntime engine now runs) and the
 * tfjs-wasm reverse pass, each against the onnxruntime forward and the wasm forward.
 */
export async function benchGradient(xa, wasm, x, n, { table, timeRounds, median }, opts, base) {
  const k = xa.info.outputs;
  const og = new Float32Array(n * k);
  for (let i = 0; i < n; i++) og[i * k + (i % k)] = 1;
  const fns = [
    () => xa.forward(x, n),
    () => wasm.forward(x, n),
    () => xa.gradient({ x, n, outputGrad: og }),
    () => wasm.gradient({ x, n, outputGrad: og }),
  ];
  if (base) fns.push(() => base.model.gradient({ x, n, outputGrad: og }));
  const [fOrt, fWasm, gOrt, gWasm, gBase] = await timeRounds(fns, opts);
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
    ...(base
      ? [
          [
            `gradient via onnxruntime, baseline ${base.dir}`,
            per(gBase),
            r(gBase, fOrt).toFixed(2),
            r(gBase, fWasm).toFixed(2),
          ],
        ]
      : []),
  ]);
  const fallback = xa.backwardFallback === undefined ? '' : ` (NOT USED: ${xa.backwardFallback})`;
  if (base)
    console.log(`baseline gradient via onnxruntime / forward = ${r(gBase, fOrt).toFixed(2)} (same rounds)`);
  console.log(
    `gradient via onnxruntime / forward = ${viaOrt.toFixed(2)} (target <= 3: ${viaOrt <= 3 ? 'met' : 'MISSED'})${fallback}; ` +
      `tfjs-wasm gradient / onnxruntime gradient = ${r(gWasm, gOrt).toFixed(2)}x`,
  );
}

// Alone: `node bench/onnx.js`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const util = await import('./util.js');
  await onnxSection(join(dirname(fileURLToPath(import.meta.url)), '..'), util).run();
}
