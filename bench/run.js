// npm run bench: builds, then prints each section's table. Plain ESM over ../dist so
// that it measures what users run. Add a section by appending to SECTIONS.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../dist/models/load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Median ms of `fn` over enough repeats to fill ~`budgetMs`, after `warmup` untimed calls. */
async function timeIt(fn, { warmup = 3, budgetMs = 1500, minRuns = 5 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (times.length >= 200) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [i, r] of rows.entries()) {
    console.log(
      r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Seeded inputs in [0, 1) so runs are comparable. */
function inputs(n) {
  let a = 12345;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  });
}

const engineSection = {
  title: 'tfjs engine: forward and our reverse pass (batch 32)',
  async run() {
    // XAUDIT_BENCH_MODEL overrides the fixture (e.g. to time a user's own model.json).
    const wolf = join(ROOT, 'fixtures/models/wolf-snow-biased/model.json');
    const file =
      process.env.XAUDIT_BENCH_MODEL ??
      (existsSync(wolf) ? wolf : join(ROOT, 'fixtures/models/tiny-cnn/model.json'));
    const n = 32;
    const wasm = await loadModel(file, { engine: 'wasm' });
    const [h, w, c] = wasm.info.inputShape;
    const x = inputs(n * h * w * c);
    const k = wasm.info.outputs;
    const outputGrad = new Float32Array(n * k);
    for (let i = 0; i < n; i++) outputGrad[i * k] = 1;
    const spatial = wasm.info.layers.filter((l) => l.spatial);
    const layer = spatial.length > 0 ? spatial[spatial.length - 1].name : undefined;

    const fwd = await timeIt(() => wasm.forward(x, n));
    const grad = await timeIt(() => wasm.gradient({ x, n, outputGrad }));
    const cam =
      layer === undefined
        ? NaN
        : await timeIt(() => wasm.gradient({ x, n, outputGrad, layer, inputGrad: false }));
    const wasmEngine = wasm.engine;
    wasm.dispose();
    const cpu = await loadModel(file, { engine: 'cpu' });
    const cpuFwd = await timeIt(() => cpu.forward(x, n), { warmup: 1, budgetMs: 1500, minRuns: 3 });
    const cpuEngine = cpu.engine;
    cpu.dispose();

    const per = (ms) => (ms / n).toFixed(3);
    console.log(
      `model: ${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file}  input ${h}x${w}x${c}, ${k} outputs`,
    );
    table([
      ['measure', 'ms/image', 'x forward (wasm)'],
      [`forward, ${wasmEngine}`, per(fwd), '1.00'],
      [`input gradient of one logit, ${wasmEngine}`, per(grad), (grad / fwd).toFixed(2)],
      [`layer gradient '${layer ?? '-'}' (Grad-CAM), ${wasmEngine}`, per(cam), (cam / fwd).toFixed(2)],
      [`forward, ${cpuEngine} (reference)`, per(cpuFwd), (cpuFwd / fwd).toFixed(2)],
    ]);
    const ratio = grad / fwd;
    console.log(`gradient / forward = ${ratio.toFixed(2)} (target <= 3: ${ratio <= 3 ? 'met' : 'MISSED'})`);
  },
};

const SECTIONS = [engineSection];

for (const s of SECTIONS) {
  console.log(`\n## ${s.title}\n`);
  await s.run();
}
