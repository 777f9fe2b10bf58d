/**
 * Regressions of the onnxruntime engine: files exported with a fixed batch size run any number
 * of samples (ragged last chunk padded, padded rows dropped), and the intra-op thread count is
 * set explicitly, honoured by onnxruntime (counted in the OS's thread list) and exposed on the
 * model for the report.
 */

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import { runAudit } from '../../src/audit/run.js';
import { createOnnxModel, defaultThreads, OnnxRuntimeModel } from '../../src/models/engines/onnxruntime.js';
import { importOnnx } from '../../src/models/importers/onnx.js';
import { decodeModel, encodeModel } from '../../src/models/importers/onnx-proto.js';
import { loadModel } from '../../src/models/load.js';
import { expectClose } from './helpers/close.js';
import { ONNX_CNN, onnxReference } from './helpers/onnx.js';

/** ONNX_CNN re-exported with a fixed batch dimension; `unknownField` also forces the JS layout path. */
function fixedBatchFile(batch: number, unknownField = false): string {
  const m = decodeModel(readFileSync(ONNX_CNN));
  for (const v of [...m.graph!.input, ...m.graph!.output])
    v.type!.tensorType!.shape!.dim[0] = { dimValue: batch };
  let bytes = Buffer.from(encodeModel(m));
  // Field 99 (varint 1), unknown to our descriptor: the NHWC rewrite is skipped, JS transposes.
  if (unknownField) bytes = Buffer.concat([bytes, Buffer.from([0x98, 0x06, 0x01])]);
  const file = join(tmpdir(), `xaudit-fixed-${batch}-${unknownField ? 'js' : 'ort'}-${process.pid}.onnx`);
  writeFileSync(file, bytes);
  return file;
}

describe('onnxruntime engine: fixed batch sizes', () => {
  const ref = onnxReference(); // 4 samples
  const per = ref.x.length / ref.n;
  const cases: [batch: number, n: number, unknownField: boolean][] = [
    [3, 4, false], // one full chunk + a ragged chunk of 1
    [3, 4, true],
    [3, 2, false], // fewer samples than the fixed batch
    [8, 4, false],
    [1, 4, false], // batch 1 loops
    [4, 4, false], // exactly one chunk
  ];
  for (const [batch, n, unknownField] of cases) {
    it(`fixed batch ${batch}, ${n} samples${unknownField ? ' (JS layout path)' : ''}: PyTorch's logits`, async () => {
      const file = fixedBatchFile(batch, unknownField);
      const imported = await importOnnx(file);
      expect(imported.onnxBatch).toBe(batch);
      const model = await loadModel(file, { engine: 'onnxruntime' });
      try {
        const { logits } = await model.forward(ref.x.subarray(0, n * per), n);
        expect(logits.length).toBe(n * model.info.outputs);
        expectClose(logits, ref.logits.subarray(0, n * model.info.outputs), n, `batch ${batch}, n ${n}`);
      } finally {
        model.dispose();
      }
    });
  }
});

/** Threads of this process (Linux); undefined elsewhere. */
function osThreads(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? undefined : Number(m[1]);
}

describe('onnxruntime engine: threads', () => {
  it('defaults to XAUDIT_THREADS when a positive integer, else availableParallelism()', () => {
    expect(defaultThreads({})).toBe(availableParallelism());
    expect(defaultThreads({ XAUDIT_THREADS: '3' })).toBe(3);
    for (const bad of ['0', '-2', '1.5', 'many', '']) {
      expect(defaultThreads({ XAUDIT_THREADS: bad })).toBe(availableParallelism());
    }
  });

  it('exposes the thread count on the model, and onnxruntime starts that many (threads - 1 workers)', async () => {
    const imported = await importOnnx(ONNX_CNN);
    // The first session also starts onnxruntime's process-wide threads: not counted.
    (await createOnnxModel(imported, 'onnxruntime', { threads: 1 })).dispose();
    const counts: Record<number, number | undefined> = {};
    for (const threads of [1, 4]) {
      const before = osThreads();
      const model = await createOnnxModel(imported, 'onnxruntime', { threads });
      const after = osThreads();
      expect(model).toBeInstanceOf(OnnxRuntimeModel);
      expect((model as OnnxRuntimeModel).threads).toBe(threads);
      counts[threads] = before === undefined || after === undefined ? undefined : after - before;
      // Results do not depend on the thread count.
      const ref = onnxReference();
      expectClose((await model.forward(ref.x, ref.n)).logits, ref.logits, ref.n, `threads ${threads}`);
      model.dispose();
    }
    if (counts[1] !== undefined) {
      // The calling thread is one of the intra-op threads: 4 threads start 3 workers, 1 starts none.
      expect(counts[1]).toBe(0);
      expect(counts[4]).toBe(3);
    }
  });

  it('loadModel uses the default thread count', async () => {
    const model = await loadModel(ONNX_CNN, { engine: 'onnxruntime' });
    expect((model as OnnxRuntimeModel).threads).toBe(defaultThreads());
    model.dispose();
  });

  it("is what the report's model.threads states", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xaudit-threads-'));
    const spec = join(dir, 'audit.yaml');
    writeFileSync(
      spec,
      [
        'version: 1',
        'name: threads',
        'model:',
        `  path: ${resolve('fixtures/onnx/wolf-snow-biased/model.onnx')}`,
        '  classes: [husky, wolf]',
        '  input: { size: [64, 64], range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] }',
        `data: { val: { manifest: ${resolve('fixtures/wolf-snow/val/manifest.csv')} } }`,
        'checks:',
        '  - { id: accuracy, check: accuracy, expect: { accuracy: { ">=": 0 } } }',
        '',
      ].join('\n'),
    );
    // 3: neither the old hard-coded 1 nor (on most machines) the core count.
    const saved = process.env.XAUDIT_THREADS;
    process.env.XAUDIT_THREADS = '3';
    const prepared = await prepareAudit(await loadSpec(spec), { engine: 'onnxruntime' }).finally(() => {
      if (saved === undefined) delete process.env.XAUDIT_THREADS;
      else process.env.XAUDIT_THREADS = saved;
    });
    try {
      const { report } = await runAudit(prepared);
      expect((prepared.model as OnnxRuntimeModel).threads).toBe(3);
      expect(report.model.threads).toBe(3);
    } finally {
      prepared.model.dispose();
    }
  });
});
