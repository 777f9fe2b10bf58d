// tfjs-node (TensorFlow's native library; only where the user installed @tensorflow/tfjs-node)
// against the embedded tfjs-wasm, on the same imported graph and inputs, in interleaved rounds:
// what a user gains by naming engine 'tfjs-node' ('auto' never takes it: its results depend on the batch).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadModel } from '../dist/models/load.js';

export function tfjsNodeSection(root, { table, timeRounds, median, inputs }) {
  return {
    title: 'tfjs-node vs tfjs-wasm: forward, input gradient, layer gradient',
    async run() {
      try {
        createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      } catch {
        console.log(
          'skipped: @tensorflow/tfjs-node is not installed (never a dependency; see README, engines)',
        );
        return;
      }
      const files = [
        ['fixtures/models/wolf-snow-biased/model.json', 32],
        ['bench/models/resnet18.onnx', 8],
      ].filter(([f]) => existsSync(join(root, f)));
      for (const [file, n] of files)
        await benchFile(join(root, file), file, n, { table, timeRounds, median, inputs });
    },
  };
}

async function benchFile(path, file, n, { table, timeRounds, median, inputs }) {
  const node = await loadModel(path, { engine: 'tfjs-node' });
  const wasm = await loadModel(path, { engine: 'wasm' });
  const [h, w, c] = wasm.info.inputShape;
  const x = inputs(n * h * w * c);
  const k = wasm.info.outputs;
  const outputGrad = new Float32Array(n * k);
  for (let i = 0; i < n; i++) outputGrad[i * k + (i % k)] = 1;
  const layer = wasm.info.layers.filter((l) => l.spatial).at(-1)?.name;
  const calls = (m) => [
    () => m.forward(x, n),
    () => m.gradient({ x, n, outputGrad }),
    () => m.gradient({ x, n, outputGrad, layer, inputGrad: false }),
  ];
  const s = await timeRounds([...calls(node), ...calls(wasm)], { warmup: 1, budgetMs: 8000, minRounds: 3 });
  const per = (v) => (median(v) / n).toFixed(2);
  const r = (a, b) => median(a.map((v, i) => v / b[i])).toFixed(2);
  console.log(`model: ${file}  input ${h}x${w}x${c}, batch ${n}`);
  table([
    ['measure', `${node.engine} ms/image`, `${wasm.engine} ms/image`, 'wasm / tfjs-node'],
    ['forward', per(s[0]), per(s[3]), r(s[3], s[0])],
    ['input gradient of one logit', per(s[1]), per(s[4]), r(s[4], s[1])],
    [`layer gradient '${layer}' (Grad-CAM)`, per(s[2]), per(s[5]), r(s[5], s[2])],
  ]);
  console.log(`gradient / forward: tfjs-node ${r(s[1], s[0])}, tfjs-wasm ${r(s[4], s[3])} (target <= 3)`);
  node.dispose();
  wasm.dispose();
}
