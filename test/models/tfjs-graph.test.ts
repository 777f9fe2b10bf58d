/**
 * tfjs graph model import (model.json "format": "graph-model"). Truth: TensorFlow's own logits and
 * input gradients (tf.GradientTape), recorded by fixtures/train/make_graph_model_fixtures.py in
 * fixtures/models/tfjs-graph/cnn/reference.json; and @tensorflow/tfjs-converter's loadGraphModel,
 * an independent executor of the same file, which also checks that the fixture is a valid graph model.
 */

import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, XauditError } from '../../src/core/errors.js';
import { importTfjsGraph } from '../../src/models/importers/tfjs-graph.js';
import { loadModel, SUPPORTED_FORMATS } from '../../src/models/load.js';
import { expectClose } from './helpers/close.js';
import { logitsAndGradients } from './helpers/engines.js';
import { MODELS_DIR } from './helpers/reference.js';

const DIR = join(MODELS_DIR, 'tfjs-graph', 'cnn');
const FILE = join(DIR, 'model.json');
const tmp = mkdtempSync(join(tmpdir(), 'xaudit-tfjs-graph-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface ReferenceJson {
  shape: [number, number, number];
  inputs: number[][];
  output_grad: number[][];
  logits: number[][];
  probs: number[][];
  input_grad: number[][];
}

interface GraphJson {
  format: string;
  modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[] };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: object;
}

const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as ReferenceJson;
const json = JSON.parse(readFileSync(FILE, 'utf8')) as GraphJson;
const n = ref.inputs.length;
const classes = ref.logits[0].length;
const x = Float32Array.from(ref.inputs.flat(), (k) => k / 255);
const tfLogits = Float32Array.from(ref.logits.flat());
const tfGrad = Float32Array.from(ref.input_grad.flat());
const og = Float32Array.from(ref.output_grad.flat());
/** The TF node whose output is the logits: the Softmax's input. */
const logitsNode = json.modelTopology.node.find((nd) => nd.op === 'Softmax')!.input![0];

async function loadWithConverter(model: GraphJson, weights: Buffer): Promise<GraphModel> {
  await tf.setBackend('cpu');
  return loadGraphModel(
    tf.io.fromMemory({
      modelTopology: model.modelTopology,
      format: model.format,
      signature: model.signature,
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}

async function expectError(p: Promise<unknown>, code: ErrorCode, ...fragments: string[]): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(XauditError);
  expect((e as XauditError).code, (e as Error).message).toBe(code);
  for (const f of fragments) expect((e as XauditError).message).toContain(f);
}

/** A copy of the fixture in a fresh directory, the model.json rewritten by `edit`. */
function copyWith(name: string, edit: (j: GraphJson) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const j = structuredClone(json);
  edit(j);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
  copyFileSync(join(DIR, 'group1-shard1of1.bin'), join(dir, 'group1-shard1of1.bin'));
  return join(dir, 'model.json');
}

describe('the tfjs graph fixture is a valid graph model', () => {
  let converter: GraphModel;
  beforeAll(async () => {
    converter = await loadWithConverter(json, readFileSync(join(DIR, 'group1-shard1of1.bin')));
  });
  afterAll(() => converter?.dispose());

  it('is written in the converter layout: Const values only in the weights file, in graph order', () => {
    expect(json.format).toBe('graph-model');
    const consts = json.modelTopology.node.filter((nd) => nd.op === 'Const');
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual(consts.map((c) => c.name));
    for (const c of consts) {
      const t = (c.attr?.value as { tensor: Record<string, unknown> }).tensor;
      expect(Object.keys(t).sort()).toEqual(['dtype', 'tensorShape']);
    }
  });

  it("tfjs-converter's loadGraphModel (tfjs-core cpu) reproduces TF's logits and softmax", () => {
    tf.tidy(() => {
      const xt = tf.tensor(x, [n, ...ref.shape]);
      const logits = (converter.execute(xt, logitsNode) as tf.Tensor).dataSync() as Float32Array;
      const probs = (converter.predict(xt) as tf.Tensor).dataSync() as Float32Array;
      expectClose(logits, tfLogits, n, 'converter logits vs TF');
      expectClose(probs, Float32Array.from(ref.probs.flat()), n, 'converter softmax vs TF');
    });
  });
});

describe('tfjs graph import', () => {
  it('reproduces TF and tfjs-converter: logits and input gradients on tfjs-wasm and tfjs-cpu', async () => {
    const converter = await loadWithConverter(json, readFileSync(join(DIR, 'group1-shard1of1.bin')));
    const convLogits = tf.tidy(
      () =>
        (
          converter.execute(tf.tensor(x, [n, ...ref.shape]), logitsNode) as tf.Tensor
        ).dataSync() as Float32Array,
    );
    // tfjs-core's autodiff through the converter's execution, on the cpu backend.
    const convGrad = tf.tidy(() => {
      const ogt = tf.tensor(og, [n, classes]);
      const f = (xt: tf.Tensor) => tf.sum(tf.mul(converter.execute(xt, logitsNode) as tf.Tensor, ogt));
      return tf
        .grad(f)(tf.tensor(x, [n, ...ref.shape]))
        .dataSync() as Float32Array;
    });
    converter.dispose();
    expectClose(convGrad, tfGrad, n, 'tfjs-converter cpu input grad vs TF GradientTape');
    const { wasm, cpu } = await logitsAndGradients(DIR, x, n, og, (info) => {
      expect(info.format).toBe('tfjs-graph');
      expect(info.inputShape).toEqual(ref.shape);
      expect(info.outputs).toBe(classes);
      expect(info.finalActivation).toBe('softmax');
    });
    expectClose(wasm.logits, tfLogits, n, 'wasm logits vs TF');
    expectClose(wasm.logits, convLogits, n, 'wasm logits vs tfjs-converter');
    expectClose(cpu.logits, tfLogits, n, 'cpu logits vs TF');
    expectClose(wasm.grad, tfGrad, n, 'wasm input grad vs TF GradientTape');
    expectClose(wasm.grad, cpu.grad, n, 'input grad wasm vs cpu');
    expectClose(wasm.grad, convGrad, n, 'wasm input grad vs tfjs-converter on tfjs cpu');
    expectClose(cpu.grad, tfGrad, n, 'cpu input grad vs TF GradientTape');
  });

  it('maps the graph to the IR: BiasAdd folded into Conv2D/MatMul, BatchNorm kept with its folded scale', async () => {
    const { graph, info } = await importTfjsGraph(FILE);
    expect(graph.nodes.map((nd) => nd.op)).toEqual([
      'input',
      'conv2d',
      'relu',
      'batchnorm',
      'maxpool',
      'conv2d',
      'relu',
      'add',
      'globalavgpool',
      'flatten',
      'dense',
    ]);
    expect(graph.output).toBe(logitsNode);
    expect(info.layers.find((l) => l.op === 'maxpool')).toMatchObject({ shape: [8, 8, 8], spatial: true });
    expect(info.layers.map((l) => l.name)).not.toContain('Softmax');
  });

  it('imports the converter-fused _FusedConv2D (BiasAdd, Relu) to the same logits as TF and tfjs-converter', async () => {
    // What tfjs-converter's grappler remapper writes for Conv2D + BiasAdd + Relu.
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const fused = (j: GraphJson) => {
      const nodes = j.modelTopology.node;
      for (const conv of nodes.filter((nd) => nd.op === 'Conv2D')) {
        const bias = nodes.find((nd) => nd.op === 'BiasAdd' && nd.input![0] === conv.name)!;
        const relu = nodes.find((nd) => nd.op === 'Relu' && nd.input![0] === bias.name)!;
        conv.op = '_FusedConv2D';
        conv.input = [...conv.input!, bias.input![1]];
        conv.attr = {
          ...conv.attr,
          fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } },
          num_args: { i: '1' },
        };
        // The fused node takes the Relu's name, as the remapper does, so its consumers are unchanged.
        conv.name = relu.name;
        nodes.splice(nodes.indexOf(bias), 1);
        nodes.splice(nodes.indexOf(relu), 1);
      }
    };
    const file = copyWith('fused', fused);
    const j = JSON.parse(readFileSync(file, 'utf8')) as GraphJson;
    const converter = await loadWithConverter(j, readFileSync(join(DIR, 'group1-shard1of1.bin')));
    const convLogits = tf.tidy(
      () =>
        (
          converter.execute(tf.tensor(x, [n, ...ref.shape]), logitsNode) as tf.Tensor
        ).dataSync() as Float32Array,
    );
    converter.dispose();
    expectClose(convLogits, tfLogits, n, 'converter on the fused graph vs TF');
    const model = await loadModel(file, { engine: 'wasm' });
    try {
      expect(j.modelTopology.node.filter((nd) => nd.op === '_FusedConv2D').length).toBe(2);
      expect(model.info.layers.filter((l) => l.op === 'conv2d').map((l) => l.name)).toEqual([
        'Relu/preact',
        'Relu_1/preact',
      ]);
      const fwd = await model.forward(x, n);
      expectClose(fwd.logits, tfLogits, n, 'fused import logits vs TF');
    } finally {
      model.dispose();
    }
  });

  it('refuses an unsupported op, naming the op, the node and the supported ops', async () => {
    const file = copyWith('unsupported', (j) => {
      const relu = j.modelTopology.node.find((nd) => nd.op === 'Relu')!;
      relu.op = 'Elu';
    });
    await expectError(
      loadModel(file, { engine: 'wasm' }),
      'MODEL_UNSUPPORTED',
      "'Relu'",
      'Elu',
      'supported ops:',
      'FusedBatchNormV3',
    );
  });

  it('refuses a truncated weights file with MODEL_FORMAT', async () => {
    const file = copyWith('truncated', () => {});
    const shard = join(tmp, 'truncated', 'group1-shard1of1.bin');
    truncateSync(shard, readFileSync(shard).length - 64);
    await expectError(importTfjsGraph(file), 'MODEL_FORMAT', 'truncated');
  });

  it('routes a graph model without "format" (older converters) by its GraphDef topology', async () => {
    const file = copyWith('no-format', (j) => {
      delete (j as { format?: string }).format;
    });
    const model = await loadModel(file, { engine: 'cpu' });
    try {
      expect(model.info.format).toBe('tfjs-graph');
    } finally {
      model.dispose();
    }
  });

  it('lists the graph-model format among the supported formats; layers models keep their importer', async () => {
    expect(SUPPORTED_FORMATS.join(', ')).toContain('graph model');
    const layers = await loadModel(join(MODELS_DIR, 'tiny-cnn'), { engine: 'cpu' });
    try {
      expect(layers.info.format).toBe('tfjs-layers');
    } finally {
      layers.dispose();
    }
  });
});
