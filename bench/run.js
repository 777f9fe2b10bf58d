// npm run bench: builds, then prints each section's table. Plain ESM over ../dist so
// that it measures what users run. Add a section by appending to SECTIONS.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../dist/models/load.js';
import { auditSection } from './audit.js';
import { checksSection } from './checks.js';
import { largeSection } from './large.js';
import { methodsSection } from './methods.js';
import { onnxSection } from './onnx.js';
import { tfjsNodeSection } from './tfjs-node.js';
import { inputs, median, table, timeRounds } from './util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

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

    const fns = [() => wasm.forward(x, n), () => wasm.gradient({ x, n, outputGrad })];
    if (layer !== undefined) fns.push(() => wasm.gradient({ x, n, outputGrad, layer, inputGrad: false }));
    const [fwdS, gradS, camS] = await timeRounds(fns);
    // Ratios per round, then the median: robust to load that comes and goes.
    const ratio = median(gradS.map((g, i) => g / fwdS[i]));
    const camRatio = camS === undefined ? NaN : median(camS.map((g, i) => g / fwdS[i]));
    const fwd = median(fwdS);
    const wasmEngine = wasm.engine;
    wasm.dispose();
    const cpu = await loadModel(file, { engine: 'cpu' });
    const cpuFwd = median(
      (await timeRounds([() => cpu.forward(x, n)], { warmup: 1, budgetMs: 1500, minRounds: 3 }))[0],
    );
    const cpuEngine = cpu.engine;
    cpu.dispose();

    const per = (ms) => (ms / n).toFixed(3);
    console.log(
      `model: ${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file}  input ${h}x${w}x${c}, ${k} outputs`,
    );
    table([
      ['measure', 'ms/image', 'x forward (wasm, median of rounds)'],
      [`forward, ${wasmEngine}`, per(fwd), '1.00'],
      [`input gradient of one logit, ${wasmEngine}`, per(median(gradS)), ratio.toFixed(2)],
      [
        `layer gradient '${layer ?? '-'}' (Grad-CAM), ${wasmEngine}`,
        camS ? per(median(camS)) : '-',
        camRatio.toFixed(2),
      ],
      [`forward, ${cpuEngine} (reference)`, per(cpuFwd), (cpuFwd / fwd).toFixed(2)],
    ]);
    console.log(`gradient / forward = ${ratio.toFixed(2)} (target <= 3: ${ratio <= 3 ? 'met' : 'MISSED'})`);
  },
};

const SECTIONS = [
  engineSection,
  onnxSection(ROOT, { table, timeRounds, median, inputs }),
  tfjsNodeSection(ROOT, { table, timeRounds, median, inputs }),
  largeSection(ROOT),
  methodsSection(ROOT, { table, median }),
  checksSection(ROOT, { table, median }),
  auditSection(ROOT, table),
];

for (const s of SECTIONS) {
  console.log(`\n## ${s.title}\n`);
  await s.run();
}
