/**
 * Backward rules of every IR op on hand-built graphs (cases no fixture model
 * covers: dilation, valid/strided padding leftovers, 'same' pooling, mid-graph
 * softmax/sigmoid/relu6, three-way fan-out, per-pixel dense), against tf.grads of
 * the same forward on the cpu backend.
 */

import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers no gradients by itself (tfjs-layers does); tf.grads needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { forwardNode } from '../../src/models/engines/tfjs-forward.js';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import { createParams, disposeParams, type NodeParams } from '../../src/models/engines/tfjs-params.js';
import type { Conv2dNode, IrGraph, IrNode, PoolNode } from '../../src/models/ir/graph.js';
import { windowAxis } from '../../src/models/ir/windows.js';
import type { EngineKind, ModelInfo } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { GraphBuilder } from './helpers/ir-build.js';

/**
 * The forward for tf.grads. Two ops are rewritten where tfjs' own gradient is missing or wrong:
 * dilated conv (no gradient: use the zero-inserted kernel) and 'same' avg pool (tfjs' forward
 * excludes padding from the divisor but its gradient divides by the full window: use sum / count).
 */
function refNode(node: IrNode, xs: tf.Tensor[], p: NodeParams | undefined): tf.Tensor {
  if (node.op === 'avgpool' && node.attrs.padding === 'same') return avgPoolSame(node, xs[0] as tf.Tensor4D);
  if (node.op !== 'conv2d' || (node.attrs.dilation[0] === 1 && node.attrs.dilation[1] === 1)) {
    return forwardNode(node, xs, p);
  }
  const y = tf.conv2d(xs[0] as tf.Tensor4D, dilatedKernel(node), node.attrs.strides, node.attrs.padding);
  return p?.bias ? tf.add(y, p.bias) : y;
}

function avgPoolSame(node: PoolNode, x: tf.Tensor4D): tf.Tensor {
  const { pool, strides } = node.attrs;
  const ay = windowAxis(x.shape[1], pool[0], strides[0], 'same');
  const ax = windowAxis(x.shape[2], pool[1], strides[1], 'same');
  const pads: [number, number][] = [
    [0, 0],
    [ay.before, ay.after],
    [ax.before, ax.after],
    [0, 0],
  ];
  const sum = tf.avgPool(tf.pad(x, pads), pool, strides, 'valid');
  const count = tf.avgPool(tf.pad(tf.onesLike(x), pads), pool, strides, 'valid');
  return tf.div(sum, count);
}

function dilatedKernel(node: Conv2dNode): tf.Tensor4D {
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const [dh, dw] = node.attrs.dilation;
  const ekh = (kh - 1) * dh + 1;
  const ekw = (kw - 1) * dw + 1;
  const out = new Float32Array(ekh * ekw * cin * cout);
  const per = cin * cout;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      out.set(
        node.weights.kernel.subarray((i * kw + j) * per, (i * kw + j + 1) * per),
        (i * dh * ekw + j * dw) * per,
      );
    }
  }
  return tf.tensor4d(out, [ekh, ekw, cin, cout]);
}

interface Ref {
  logits: Float32Array;
  inputGrad: Float32Array;
  layerGrad: Float32Array;
}

async function reference(
  graph: IrGraph,
  x: Float32Array,
  n: number,
  og: Float32Array,
  layer: string,
): Promise<Ref> {
  await tf.setBackend('cpu');
  const params = createParams(graph);
  const out: Ref = {
    logits: new Float32Array(0),
    inputGrad: new Float32Array(0),
    layerGrad: new Float32Array(0),
  };
  tf.tidy(() => {
    const run = (xt: tf.Tensor, delta?: tf.Tensor): tf.Tensor => {
      const acts = new Map<string, tf.Tensor>([[graph.input, xt]]);
      for (const node of graph.nodes.slice(1)) {
        let y = refNode(
          node,
          node.inputs.map((i) => acts.get(i)!),
          params.get(node.name),
        );
        if (node.name === layer && delta !== undefined) y = tf.add(y, delta);
        acts.set(node.name, y);
      }
      return acts.get(graph.output)!;
    };
    const xt = tf.tensor(x, [n, ...graph.nodes[0].shape]);
    const ogt = tf.tensor(og, [n, og.length / n]);
    const layerShape = graph.nodes.find((nd) => nd.name === layer)!.shape;
    const f = (xi: tf.Tensor, d: tf.Tensor): tf.Scalar => tf.sum(tf.mul(ogt, run(xi, d)));
    const [gx, gd] = tf.grads(f)([xt, tf.zeros([n, ...layerShape])]);
    out.logits = run(xt).dataSync().slice() as Float32Array;
    out.inputGrad = gx.dataSync().slice() as Float32Array;
    out.layerGrad = gd.dataSync().slice() as Float32Array;
  });
  disposeParams(params);
  return out;
}

interface Case {
  name: string;
  layer: string;
  make(): { graph: IrGraph; info: ModelInfo };
}

const CASES: Case[] = [
  {
    name: "dilated conv, relu6, 'same' 3x3/2 max pool, 'same' avg pool with a ragged edge",
    layer: 'r6',
    make() {
      const b = new GraphBuilder();
      const x = b.input([9, 9, 2]);
      const c = b.conv('dil', x, 3, [3, 3], { dilation: [2, 2] });
      const r = b.unary('r6', 'relu6', c);
      const m = b.pool('mp', 'maxpool', r, [3, 3], [2, 2], 'same');
      const a = b.pool('ap', 'avgpool', m, [2, 2], [2, 2], 'same');
      return b.build(b.dense('out', b.unary('flat', 'flatten', a), 3));
    },
  },
  {
    name: 'valid convs (even kernel, stride 2 with leftover rows), leaky relu, sigmoid, batchnorm, GAP keepdims',
    layer: 'sig',
    make() {
      const b = new GraphBuilder();
      const x = b.input([10, 10, 2]);
      const c1 = b.leaky('lk', b.conv('c1', x, 4, [2, 2], { padding: 'valid' }), 0.2);
      const c2 = b.conv('c2', c1, 4, [3, 3], { strides: [2, 2], padding: 'valid', bias: false });
      const s = b.unary('sig', 'sigmoid', b.batchnorm('bn', c2));
      const g = b.reshape('rs', b.gap('gap', s, true), [4]);
      const sm = b.unary('sm', 'softmax', b.dense('d1', g, 5));
      return b.build(b.dense('out', b.unary('th', 'tanh', sm), 2));
    },
  },
  {
    name: "three-way fan-out into add, even-kernel 'same' stride-2 conv, per-pixel dense, dropout identity",
    layer: 'a',
    make() {
      const b = new GraphBuilder();
      const x = b.input([7, 7, 3]);
      const a = b.unary('a', 'relu', b.conv('c0', x, 4, [3, 3]));
      const sum = b.add('sum', [a, b.conv('c1', a, 4, [2, 2]), b.unary('t', 'tanh', a)]);
      const s2 = b.conv('s2', b.unary('id', 'identity', sum), 3, [4, 4], { strides: [2, 2] });
      const pp = b.dense('pp', s2, 5);
      return b.build(b.dense('out', b.unary('flat', 'flatten', pp), 3));
    },
  },
];

const N = 2;

describe('backward rules on hand-built graphs', () => {
  for (const c of CASES) {
    for (const engine of ['wasm', 'cpu'] as EngineKind[]) {
      it(`${c.name} (${engine})`, async () => {
        const { graph, info } = c.make();
        const size = info.inputShape[0] * info.inputShape[1] * info.inputShape[2];
        const x = seededUniform(3, N * size, -1, 2);
        const og = seededUniform(4, N * info.outputs, -1, 1);
        const ref = await reference(graph, x, N, og, c.layer);
        const model = await TfjsModel.create(graph, info, engine);
        try {
          expect(model.engine.startsWith(`tfjs-${engine}@`)).toBe(true);
          const r = await model.gradient({ x, n: N, outputGrad: og, layer: c.layer });
          expectClose(r.logits, ref.logits, N, 'logits');
          expectClose(r.inputGrad, ref.inputGrad, N, 'input gradient');
          expectClose(r.layerGrad!, ref.layerGrad, N, `${c.layer} gradient`);
        } finally {
          model.dispose();
        }
      });
    }
  }
});
