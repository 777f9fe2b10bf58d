/** The tfjs Layers importer: naming conventions, final-activation split, topology spellings and errors. */

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ErrorCode, XauditError } from '../../src/core/errors.js';
import { importTfjsLayers } from '../../src/models/importers/tfjs-layers.js';
import { loadModel } from '../../src/models/load.js';
import { MODELS_DIR } from './helpers/reference.js';

const tmp = mkdtempSync(join(tmpdir(), 'xaudit-importer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Obj = Record<string, unknown>;
interface LayerJson {
  class_name: string;
  name?: string;
  config: Obj;
  inbound_nodes?: unknown;
}

let counter = 0;
/** A copy of a fixture model whose model.json (and optionally weights) the test may alter. */
function variant(model: string, edit: (json: Obj) => void, weights?: (bin: Buffer) => Buffer | null): string {
  const dir = join(tmp, `${model}-${counter++}`);
  mkdirSync(dir);
  const json = JSON.parse(readFileSync(join(MODELS_DIR, model, 'model.json'), 'utf8')) as Obj;
  edit(json);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  const bin = readFileSync(join(MODELS_DIR, model, 'weights.bin'));
  const out = weights ? weights(bin) : bin;
  if (out !== null) writeFileSync(join(dir, 'weights.bin'), out);
  return join(dir, 'model.json');
}

function layersOf(json: Obj): LayerJson[] {
  return ((json.modelTopology as Obj).config as Obj).layers as LayerJson[];
}

async function expectError(
  p: Promise<unknown>,
  code: ErrorCode,
  ...fragments: string[]
): Promise<XauditError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(XauditError);
  const x = e as XauditError;
  expect(x.code).toBe(code);
  for (const f of fragments) expect(x.message).toContain(f);
  return x;
}

describe('tfjs layers import', () => {
  it('names a fused activation output by the layer and keeps the pre-activation as <layer>/preact', async () => {
    const { graph, info } = await importTfjsLayers(join(MODELS_DIR, 'tiny-cnn', 'model.json'));
    const conv1 = info.layers.find((l) => l.name === 'conv1')!;
    expect(conv1).toEqual({ name: 'conv1', op: 'relu', shape: [16, 16, 4], spatial: true });
    expect(graph.nodes.find((n) => n.name === 'conv1/preact')?.op).toBe('conv2d');
    expect(info.layers.find((l) => l.name === 'pool1')?.shape).toEqual([7, 7, 4]);
    expect(info.layers.find((l) => l.name === 'relu2')?.op).toBe('relu');
    expect(info.layers.find((l) => l.name === 'gap')).toEqual({
      name: 'gap',
      op: 'globalavgpool',
      shape: [8],
      spatial: false,
    });
  });

  it('splits a softmax fused into the last Dense: the layer names the logits', async () => {
    const { graph, info } = await importTfjsLayers(join(MODELS_DIR, 'tiny-cnn', 'model.json'));
    expect(info.finalActivation).toBe('softmax');
    expect(info.outputs).toBe(3);
    expect(info.inputShape).toEqual([16, 16, 3]);
    expect(info.layers[info.layers.length - 1]).toEqual({
      name: 'probs',
      op: 'dense',
      shape: [3],
      spatial: false,
    });
    expect(graph.output).toBe('probs');
    expect(graph.nodes.some((n) => n.op === 'softmax')).toBe(false);
  });

  it('splits a trailing softmax Activation layer off a functional model', async () => {
    const { graph, info } = await importTfjsLayers(join(MODELS_DIR, 'tiny-resnet', 'model.json'));
    expect(info.finalActivation).toBe('softmax');
    expect(info.layers.map((l) => l.name)).toEqual([
      'stem',
      'stem_relu',
      'b1',
      'b2',
      'add',
      'add_relu',
      'down',
      'drop',
      'flatten',
      'logits',
    ]);
    expect(graph.output).toBe('logits');
    expect(graph.nodes.find((n) => n.name === 'add')?.inputs).toEqual(['stem_relu', 'b2']);
  });

  it('records a final sigmoid and a linear output', async () => {
    const mlp = await importTfjsLayers(join(MODELS_DIR, 'tiny-mlp', 'model.json'));
    expect(mlp.info.finalActivation).toBe('sigmoid');
    expect(mlp.info.outputs).toBe(1);
    const lin = await importTfjsLayers(join(MODELS_DIR, 'tiny-linear', 'model.json'));
    expect(lin.info.finalActivation).toBeNull();
    expect(lin.info.outputs).toBe(2);
  });

  it('takes a flat feature vector input as [1, 1, d]', async () => {
    const file = variant('tiny-mlp', (json) => {
      const layers = layersOf(json);
      const flatten = layers.splice(0, 1)[0];
      layers[0].config.batch_input_shape = [null, 16];
      expect(flatten.class_name).toBe('Flatten');
    });
    const { info } = await importTfjsLayers(file);
    expect(info.inputShape).toEqual([1, 1, 16]);
    const m = await loadModel(file, { engine: 'wasm' });
    const r = await m.gradient({
      x: new Float32Array(32).fill(0.5),
      n: 2,
      outputGrad: Float32Array.of(1, 1),
    });
    expect(r.inputGrad.length).toBe(32);
    expect([...r.inputGrad.subarray(0, 16)]).toEqual([...r.inputGrad.subarray(16)]);
    m.dispose();
  });

  it('reads Keras 3 spellings (batch_shape, inbound args, flat endpoints, dtype policies)', async () => {
    const file = variant('tiny-resnet', (json) => {
      const cfg = (json.modelTopology as Obj).config as Obj;
      for (const l of cfg.layers as LayerJson[]) {
        if (l.class_name === 'InputLayer') {
          l.config.batch_shape = l.config.batch_input_shape;
          delete l.config.batch_input_shape;
        }
        l.config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } };
        const nodes = l.inbound_nodes as [string, number, number, Obj][][];
        const tensor = (t: [string, number, number, Obj]) => ({
          class_name: '__keras_tensor__',
          config: { shape: null, dtype: 'float32', keras_history: [t[0], t[1], t[2]] },
        });
        l.inbound_nodes = nodes.map((n) => ({
          args: n.length === 1 ? [tensor(n[0])] : [n.map(tensor)],
          kwargs: {},
        }));
      }
      cfg.input_layers = (cfg.input_layers as unknown[][])[0];
      cfg.output_layers = (cfg.output_layers as unknown[][])[0];
      (json.modelTopology as Obj).class_name = 'Functional';
    });
    const ref = await importTfjsLayers(join(MODELS_DIR, 'tiny-resnet', 'model.json'));
    const k3 = await importTfjsLayers(file);
    expect(k3.info).toEqual(ref.info);
    expect(k3.graph.nodes.map((n) => [n.name, n.inputs])).toEqual(
      ref.graph.nodes.map((n) => [n.name, n.inputs]),
    );
  });

  it('rejects an unsupported layer, naming it and listing the supported ones', async () => {
    const file = variant('tiny-cnn', (json) => {
      layersOf(json)[1].class_name = 'SeparableConv2D';
    });
    const e = await expectError(
      importTfjsLayers(file),
      'MODEL_UNSUPPORTED',
      "'pool1'",
      'SeparableConv2D',
      'Conv2D',
      'Dense',
    );
    expect(e.message).toContain('BatchNormalization');
  });

  it('rejects an unsupported activation, listing the supported ones', async () => {
    const file = variant('tiny-mlp', (json) => {
      layersOf(json)[1].config.activation = 'elu';
    });
    await expectError(
      importTfjsLayers(file),
      'MODEL_UNSUPPORTED',
      "'hidden'",
      'elu',
      'relu, relu6, sigmoid, tanh',
    );
  });

  it('rejects channels_first and non-float32 weights', async () => {
    const cf = variant('tiny-cnn', (json) => {
      layersOf(json)[0].config.data_format = 'channels_first';
    });
    await expectError(importTfjsLayers(cf), 'MODEL_UNSUPPORTED', "'conv1'", 'channels_first');
    const f16 = variant('tiny-linear', (json) => {
      const m = json.weightsManifest as { weights: Obj[] }[];
      m[0].weights[0].dtype = 'float16';
    });
    await expectError(importTfjsLayers(f16), 'MODEL_UNSUPPORTED', 'logits/kernel', 'float16');
  });

  it('reports a truncated shard with expected and actual bytes', async () => {
    const file = variant(
      'tiny-linear',
      () => {},
      (bin) => bin.subarray(0, 100),
    );
    await expectError(importTfjsLayers(file), 'MODEL_FORMAT', '100 bytes', '520 bytes');
  });

  it('reports a missing shard by name', async () => {
    const file = variant(
      'tiny-linear',
      () => {},
      () => null,
    );
    await expectError(importTfjsLayers(file), 'FILE_MISSING', 'weights.bin');
  });

  it('reports an unparseable model.json by name', async () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    await expectError(importTfjsLayers(join(dir, 'model.json')), 'MODEL_FORMAT', join(dir, 'model.json'));
  });
});

describe('loadModel', () => {
  it('loads a directory holding model.json', async () => {
    const m = await loadModel(join(MODELS_DIR, 'tiny-linear'), { engine: 'cpu' });
    expect(m.info.inputShape).toEqual([8, 8, 1]);
    m.dispose();
  });

  it('reports a missing path', async () => {
    await expectError(loadModel(join(tmp, 'nope', 'model.json')), 'FILE_MISSING', 'nope');
  });

  it('says which formats are not supported yet', async () => {
    for (const ext of ['pb', 'tflite']) {
      const f = join(tmp, `m.${ext}`);
      copyFileSync(join(MODELS_DIR, 'tiny-linear', 'weights.bin'), f);
      await expectError(loadModel(f), 'MODEL_FORMAT', 'not supported yet', 'tfjs layers', 'ONNX');
    }
  });

  it('says a .onnx file that is not ONNX is not a valid ONNX model', async () => {
    const f = join(tmp, 'm.onnx');
    copyFileSync(join(MODELS_DIR, 'tiny-linear', 'weights.bin'), f);
    await expectError(loadModel(f), 'MODEL_FORMAT', 'not a valid ONNX model');
  });
});
