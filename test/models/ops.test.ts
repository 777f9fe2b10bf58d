/**
 * Backward rules of every IR op on hand-built graphs (cases no fixture model
 * covers: dilation, valid/strided padding leftovers, 'same' pooling, mid-graph
 * softmax/sigmoid/relu6, three-way fan-out, per-pixel dense), against tf.grads of
 * the same forward on the cpu backend.
 */

import { describe, expect, it } from 'vitest';
import { TfjsModel } from '../../src/models/engines/tfjs-model.js';
import type { IrGraph } from '../../src/models/ir/graph.js';
import type { EngineKind, ModelInfo } from '../../src/models/model.js';
import { expectClose, seededUniform } from './helpers/close.js';
import { reference } from './helpers/grad-reference.js';
import { GraphBuilder } from './helpers/ir-build.js';

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
