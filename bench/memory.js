// Bounded memory (issue #5): peak RSS of `xaudit run` on 1,000 and on 10,000 images, same spec
// (accuracy + attribution-mass-in-box over Grad-CAM, the 64x64 wolf/snow ONNX model, engine
// auto). Each audit runs in its own process under /usr/bin/time -v (else a wrapper that reports
// process.resourceUsage().maxRSS). Images are synthetic (src/data/synthetic/wolf-snow.ts),
// written once to $TMPDIR/xaudit-memory-bench/ and reused.
//   node bench/memory.js [counts...]      (default: 1000 10000; run `npm run build` first)
//
// Engine calls under the memory budget (issue #5, src/models/engines/memory-budget.ts):
//   node bench/memory.js --engine [n]     (default n = 32)
// One n-image reverse pass at 224x224 on tfjs-wasm (bench/models/resnet18.onnx and
// mobilenet_v2.onnx, made by fixtures/train/make_bench_models.py), plain gradient and DeepLIFT
// against a black reference, each in its own process: with the default budget and with the
// budget lifted (memoryMb 1e9: one unchunked call, what the engine did before the budget). Per
// run: samples per call, the wasm heap's high-water mark (it never shrinks; 4 GiB at most), peak
// RSS, wall time, or the error when the heap runs out.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateWolfSnowSample,
  wolfSnowFileName,
  writeWolfSnowSplit,
} from '../dist/data/synthetic/wolf-snow.js';
import { table } from './util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(tmpdir(), 'xaudit-memory-bench');

/** Writes images 0..count-1 (once; in slices of 500 so that the generator itself stays small). */
async function ensureImages(count) {
  const done = join(DIR, `images-${count}.done`);
  if (existsSync(done)) return;
  const slice = 500;
  const lines = ['path,label,box,group'];
  for (let start = 0; start < count; start += slice) {
    const part = [];
    for (let i = start; i < Math.min(count, start + slice); i++) {
      const label = i % 2 === 0 ? 'wolf' : 'husky';
      part.push(generateWolfSnowSample(5, `mem/${i}`, label, { confound: 0.5 }));
    }
    // writeWolfSnowSplit names files by index within its argument: one folder per slice.
    const folder = String(start / slice);
    await writeWolfSnowSplit(join(DIR, 'images', folder), part);
    part.forEach((s, k) => {
      lines.push(`images/${folder}/${wolfSnowFileName(k)},${s.label},${s.box.join(' ')},${s.group}`);
    });
  }
  writeFileSync(join(DIR, `manifest-${count}.csv`), `${lines.join('\n')}\n`);
  writeFileSync(done, '');
}

function spec(count) {
  const file = join(DIR, `audit-${count}.yaml`);
  writeFileSync(
    file,
    [
      'version: 1',
      `name: memory ${count}`,
      'seed: 1',
      'model:',
      `  path: ${join(ROOT, 'fixtures/onnx/wolf-snow-biased/model.onnx')}`,
      '  classes: [husky, wolf]',
      '  input: { size: [64, 64], range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] }',
      'data:',
      `  val: { manifest: manifest-${count}.csv }`,
      'explanations:',
      '  gradcam: { method: grad-cam, layer: auto }',
      'checks:',
      '  - id: accuracy',
      '    check: accuracy',
      '    expect: { accuracy: { ">=": 0 } }',
      '  - id: evidence-on-animal',
      '    check: attribution-mass-in-box',
      '    explanation: gradcam',
      // Grad-CAM maps with no positive mass are sample errors; memory is the point here.
      `    max_errors: ${count}`,
      '    expect: { mean: { ">=": 0 } }',
      '',
    ].join('\n'),
  );
  return file;
}

function peakRss(args) {
  const bin = join(ROOT, 'bin', 'xaudit.js');
  const t0 = performance.now();
  if (existsSync('/usr/bin/time')) {
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, bin, ...args], { encoding: 'utf8' });
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    return {
      status: r.status,
      kb: m ? Number(m[1]) : NaN,
      s: (performance.now() - t0) / 1000,
      err: r.stderr,
    };
  }
  const wrapper = `process.on('exit', () => process.stderr.write('\\nmaxRSS ' + process.resourceUsage().maxRSS + '\\n'));
    process.argv.splice(1, 1); await import(${JSON.stringify(bin)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, bin, ...args], {
    encoding: 'utf8',
  });
  const m = /maxRSS (\d+)/.exec(r.stderr);
  return { status: r.status, kb: m ? Number(m[1]) : NaN, s: (performance.now() - t0) / 1000, err: r.stderr };
}

/** Child: one engine call, printed as a JSON line. */
async function engineChild(model, rules, n, memoryMb) {
  const tf = await import('@tensorflow/tfjs-core');
  const { TfjsModel } = await import('../dist/models/engines/tfjs-model.js');
  const { importOnnx } = await import('../dist/models/importers/onnx.js');
  const imported = await importOnnx(join(ROOT, 'bench', 'models', `${model}.onnx`));
  const m = await TfjsModel.create(imported.graph, imported.info, 'wasm', {
    memoryMb: memoryMb === 'default' ? undefined : Number(memoryMb),
  });
  const size = imported.info.inputShape.reduce((a, b) => a * b, 1);
  const k = m.info.outputs;
  const x = new Float32Array(n * size);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < size; i++) x[s * size + i] = ((i * 7919 + s * 104729) % 256) / 255;
  const outputGrad = new Float32Array(n * k);
  for (let s = 0; s < n; s++) outputGrad[s * k + (s % k)] = 1;
  const req =
    rules === 'deeplift'
      ? { x, n, outputGrad, rules, reference: new Float32Array(x.length) }
      : { x, n, outputGrad };
  const chunk = m.samplesPerCall('gradient', req.rules, req.reference !== undefined);
  const t0 = performance.now();
  let error = null;
  try {
    await m.gradient(req);
  } catch (e) {
    error = String(e?.message ?? e).slice(0, 60);
  }
  const heap = tf.backend().wasm?.HEAPU8.length ?? Number.NaN;
  const out = {
    chunk,
    heapMiB: Math.round(heap / 2 ** 20),
    rssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    s: (performance.now() - t0) / 1000,
    error,
  };
  console.log(JSON.stringify(out));
}

async function engineBench(n) {
  const models = ['resnet18', 'mobilenet_v2'].filter((m) =>
    existsSync(join(ROOT, 'bench', 'models', `${m}.onnx`)),
  );
  if (models.length === 0) {
    console.log('skipped: run fixtures/train/make_bench_models.py (writes bench/models/, git-ignored)');
    return;
  }
  const rows = [
    [
      'model',
      'reverse pass',
      'budget MiB',
      'samples/call',
      'wasm heap MiB',
      'peak RSS MiB',
      'wall s',
      'result',
    ],
  ];
  for (const model of models) {
    for (const rules of ['gradient', 'deeplift']) {
      for (const budget of ['1e9', 'default']) {
        const r = spawnSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--engine-child', model, rules, String(n), budget],
          { encoding: 'utf8' },
        );
        const line = r.stdout.trim().split('\n').pop() ?? '';
        let o;
        try {
          o = JSON.parse(line);
        } catch {
          o = { error: `child exit ${r.status ?? r.signal}: ${r.stderr.slice(-200)}` };
        }
        const label = budget === '1e9' ? 'none (1e9)' : 'default (1024)';
        rows.push([
          model,
          `${rules}, ${n} images`,
          label,
          o.chunk === undefined ? '-' : `${Math.min(o.chunk, n)} (${Math.ceil(n / o.chunk)} call(s))`,
          o.heapMiB ?? '-',
          o.rssMiB ?? '-',
          o.s?.toFixed(1) ?? '-',
          o.error ?? 'ok',
        ]);
      }
    }
  }
  table(rows);
}

if (process.argv[2] === '--engine-child') {
  const [model, rules, n, budget] = process.argv.slice(3);
  await engineChild(model, rules, Number(n), budget);
  process.exit(0);
}
if (process.argv[2] === '--engine') {
  await engineBench(Number(process.argv[3] ?? 32));
  process.exit(0);
}

const counts = process.argv.slice(2).map(Number);
const rows = [['images', 'peak RSS MiB', 'wall s', 'exit']];
for (const count of counts.length > 0 ? counts : [1000, 10000]) {
  await ensureImages(count);
  const r = peakRss(['run', spec(count), '--no-cache', '-q', '-o', join(DIR, `out-${count}`)]);
  if (r.status !== 0 && r.status !== 1) console.error(r.err.slice(-2000));
  rows.push([count, (r.kb / 1024).toFixed(0), r.s.toFixed(1), r.status]);
  const report = JSON.parse(readFileSync(join(DIR, `out-${count}`, 'report.json'), 'utf8'));
  console.log(`${count}: engine ${report.model.engine}, ${report.model.threads} thread(s)`);
}
table(rows);
