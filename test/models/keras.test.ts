/**
 * Keras 3 `.keras` and legacy `.h5` import. Truth: Keras' own pre-softmax logits and input
 * gradients (tf.GradientTape), recorded by fixtures/train/make_keras_fixtures.py in
 * fixtures/models/keras/reference.json; Keras' own weight-file naming, read from the files.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { type ErrorCode, XauditError } from '../../src/core/errors.js';
import { importKeras, kerasV3Paths } from '../../src/models/importers/keras-file.js';
import { Hdf5File } from '../../src/models/importers/keras-hdf5.js';
import { parseTopology } from '../../src/models/importers/keras-topology.js';
import { loadModel } from '../../src/models/load.js';
import { runCli } from '../helpers/cli.js';
import { edit, workspace } from '../helpers/workspace.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { logitsAndGradients } from './helpers/engines.js';
import { MODELS_DIR } from './helpers/reference.js';

const DIR = join(MODELS_DIR, 'keras');
const tmp = mkdtempSync(join(tmpdir(), 'xaudit-keras-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface ReferenceJson {
  shape: [number, number, number];
  inputs: number[][];
  models: Record<
    string,
    { files: string[]; output_grad: number[][]; logits: number[][]; input_grad: number[][] }
  >;
}

const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as ReferenceJson;
const n = ref.inputs.length;
const x = Float32Array.from(ref.inputs.flat(), (k) => k / 255);

async function expectError(p: Promise<unknown>, code: ErrorCode, ...fragments: string[]): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(XauditError);
  expect((e as XauditError).code, (e as Error).message).toBe(code);
  for (const f of fragments) expect((e as XauditError).message).toContain(f);
}

function tmpFile(name: string, bytes: Uint8Array): string {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

describe('Keras import reproduces Keras', () => {
  for (const [name, m] of Object.entries(ref.models)) {
    for (const file of m.files) {
      it(`${file}: logits and input gradients on tfjs-wasm match Keras; tfjs-cpu agrees`, async () => {
        const og = Float32Array.from(m.output_grad.flat());
        const { wasm, cpu } = await logitsAndGradients(join(DIR, file), x, n, og, (info) => {
          expect(info.format).toBe('keras');
          expect(info.inputShape).toEqual(ref.shape);
          expect(info.finalActivation).toBe('softmax');
        });
        expectClose(wasm.logits, Float32Array.from(m.logits.flat()), n, `${name} logits vs Keras`);
        expectClose(wasm.grad, Float32Array.from(m.input_grad.flat()), n, `${name} input grad vs Keras`);
        expectClose(wasm.logits, cpu.logits, n, `${name} logits wasm vs cpu`);
        expectClose(wasm.grad, cpu.grad, n, `${name} input grad wasm vs cpu`);
      });
    }
  }

  it('gives the tfjs Layers original and its Keras 3 rebuild the same logits and gradients', async () => {
    const tfjs = await loadModel(join(MODELS_DIR, 'wolf-snow-biased', 'model.json'), { engine: 'wasm' });
    const keras = await loadModel(join(DIR, 'wolf-snow-biased.keras'), { engine: 'wasm' });
    try {
      expect(keras.info.layers).toEqual(tfjs.info.layers);
      const xs = seededUniform(7, 2 * 64 * 64 * 3);
      const og = Float32Array.of(1, -1, 0.5, 2);
      const a = await tfjs.gradient({ x: xs, n: 2, outputGrad: og, layer: 'conv2d_3' });
      const b = await keras.gradient({ x: xs, n: 2, outputGrad: og, layer: 'conv2d_3' });
      expectClose(b.logits, a.logits, 2, 'logits', 1e-6);
      expectClose(b.inputGrad, a.inputGrad, 2, 'input grad', 1e-6);
      expectClose(b.layerGrad!, a.layerGrad!, 2, 'conv2d_3 grad', 1e-6);
    } finally {
      tfjs.dispose();
      keras.dispose();
    }
  });

  it('imports the .keras and .h5 files of one model to the same graph and layer list', async () => {
    for (const [x, y] of [
      ['sequential.keras', 'sequential.h5'],
      ['functional.keras', 'functional.h5'],
      ['functional.h5', 'functional-keras2.h5'],
      ['functional.keras', 'functional-unnamed.keras'],
    ]) {
      const a = await importKeras(join(DIR, x));
      const b = await importKeras(join(DIR, y));
      expect(a.info).toEqual(b.info);
      expect(a.graph).toEqual(b.graph);
    }
  });

  it('names layers as Keras does and splits the final softmax (fused and as a layer)', async () => {
    const seq = await importKeras(join(DIR, 'sequential.keras'));
    expect(seq.info.layers.map((l) => l.name)).toEqual([
      'conv1',
      'pool1',
      'conv2',
      'bn2',
      'relu2',
      'flatten',
      'drop',
      'probs',
    ]);
    expect(seq.info.layers.at(-1)).toEqual({ name: 'probs', op: 'dense', shape: [4], spatial: false });
    const fn = await importKeras(join(DIR, 'functional.keras'));
    expect(fn.info.layers.map((l) => l.name).at(-1)).toBe('logits');
    expect(fn.graph.output).toBe('logits');
    expect(fn.graph.nodes.find((nd) => nd.name === 'add')?.inputs).toEqual(['stem_relu', 'b2']);
    expect(fn.info.layers.find((l) => l.name === 'stem_relu')).toEqual({
      name: 'stem_relu',
      op: 'relu',
      shape: [12, 12, 8],
      spatial: true,
    });
  });

  it("replays Keras 3's weight-group naming (used where a file records no layer names)", () => {
    // In wolf-snow-biased the layer named conv2d_1 is stored as layers/conv2d, conv2d_2 as conv2d_1...
    for (const name of ['sequential', 'functional', 'wolf-snow-biased']) {
      const zip = unzipSync(readFileSync(join(DIR, `${name}.keras`)));
      const config = JSON.parse(new TextDecoder().decode(zip['config.json'])) as Record<string, unknown>;
      const top = parseTopology(config, name);
      const container = top.layers.filter(
        (l) => !(config.class_name === 'Sequential' && l.className === 'InputLayer'),
      );
      const h5 = Hdf5File.open(zip['model.weights.h5'], name);
      const recorded = new Map(
        h5.keys('layers').map((g) => [h5.attr(`layers/${g}/vars`, 'name') as string, g] as const),
      );
      expect(recorded.size).toBe(container.length);
      expect(kerasV3Paths(container)).toEqual(recorded);
    }
  });
});

describe('Keras import errors', () => {
  it('refuses an unsupported layer, naming it, its class and the supported layers', async () => {
    await expectError(
      loadModel(join(DIR, 'unsupported.keras')),
      'MODEL_UNSUPPORTED',
      "layer 'norm' (LayerNormalization)",
      'supported layers: InputLayer, Conv2D, Dense',
      'BatchNormalization',
    );
  });

  it('reports truncated .h5 and .keras files as MODEL_FORMAT', async () => {
    const h5 = readFileSync(join(DIR, 'functional.h5'));
    for (const cut of [4, 600, h5.length >> 1, h5.length - 64]) {
      const f = tmpFile(`cut-${cut}.h5`, h5.subarray(0, cut));
      await expectError(loadModel(f), 'MODEL_FORMAT', f);
    }
    const keras = readFileSync(join(DIR, 'functional.keras'));
    for (const cut of [100, keras.length >> 1, keras.length - 10]) {
      const f = tmpFile(`cut-${cut}.keras`, keras.subarray(0, cut));
      await expectError(loadModel(f), 'MODEL_FORMAT', f);
    }
  });

  it('reports a corrupt model.weights.h5 inside a .keras archive, naming the member', async () => {
    const zip = unzipSync(readFileSync(join(DIR, 'sequential.keras')));
    const w = zip['model.weights.h5'];
    zip['model.weights.h5'] = w.subarray(0, w.length >> 1);
    const half = tmpFile('half-weights.keras', zipSync(zip));
    await expectError(loadModel(half), 'MODEL_FORMAT', `${half} (model.weights.h5)`, 'truncated');
    // Overwritten object headers (full length): what the HDF5 reader itself fails on.
    const bad = Uint8Array.from(w).fill(0xff, 600, 2000);
    zip['model.weights.h5'] = bad;
    const garbled = tmpFile('garbled-weights.keras', zipSync(zip));
    await expectError(loadModel(garbled), 'MODEL_FORMAT', `${garbled} (model.weights.h5): cannot read`);
  });

  it('says a weights-only file has no model config', async () => {
    await expectError(
      loadModel(join(DIR, 'weights-only.weights.h5')),
      'MODEL_FORMAT',
      'no model_config',
      'weights only',
    );
  });

  it('says a file that is neither zip nor HDF5 is not a Keras model', async () => {
    const f = tmpFile('text.h5', new TextEncoder().encode('not a model at all'));
    await expectError(loadModel(f), 'MODEL_FORMAT', 'neither a Keras 3 archive');
  });

  it('refuses a weight array count that does not fit the layer config', async () => {
    const zip = unzipSync(readFileSync(join(DIR, 'sequential.keras')));
    const config = JSON.parse(new TextDecoder().decode(zip['config.json'])) as {
      config: { layers: { class_name: string; config: Record<string, unknown> }[] };
    };
    const conv2 = config.config.layers.find((l) => l.config.name === 'conv2')!;
    conv2.config.use_bias = true;
    zip['config.json'] = new TextEncoder().encode(JSON.stringify(config));
    const f = tmpFile('bias-mismatch.keras', zipSync(zip));
    await expectError(
      loadModel(f),
      'MODEL_FORMAT',
      "layer 'conv2' (Conv2D) has 1 weight arrays",
      'kernel, bias',
    );
  });

  it('exits 2 with one MODEL_FORMAT paragraph for a truncated .h5 in an audit', async () => {
    const dir = await workspace();
    const h5 = readFileSync(join(DIR, 'functional.h5'));
    writeFileSync(join(dir, 'model', 'broken.h5'), h5.subarray(0, h5.length >> 1));
    await edit(join(dir, 'spec.yaml'), 'model/model.json', 'model/broken.h5');
    const r = await runCli(['run', join(dir, 'spec.yaml'), '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[MODEL_FORMAT\].*broken\.h5/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    rmSync(dir, { recursive: true, force: true });
  });
});
