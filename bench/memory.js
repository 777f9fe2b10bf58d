// Bounded memory (issue #5): peak RSS of `xaudit run` on 1,000 and on 10,000 images, same spec
// (accuracy + attribution-mass-in-box over Grad-CAM, the 64x64 wolf/snow ONNX model, engine
// auto). Each audit runs in its own process under /usr/bin/time -v (else a wrapper that reports
// process.resourceUsage().maxRSS). Images are synthetic (src/data/synthetic/wolf-snow.ts),
// written once to $TMPDIR/xaudit-memory-bench/ and reused.
//   node bench/memory.js [counts...]      (default: 1000 10000; run `npm run build` first)
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
