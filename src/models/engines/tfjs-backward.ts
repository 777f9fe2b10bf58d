/**
 * Our reverse pass: one backward rule per IR op, grouped in swappable tables
 * (plain gradient now; guided backprop / LRP replace the relu and conv rules).
 * Rules never call tf.grad: wasm lacks or is slow on several gradient kernels.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dNode, IrNode, IrOp, PoolNode } from '../ir/graph.js';
import { dilatedSize, windowAxis } from '../ir/windows.js';
import type { BackwardRules } from '../model.js';
import { avgPoolGrad, maxPoolGrad } from './pool-grad.js';
import { withHeapViews } from './tensor-io.js';
import type { NodeParams } from './tfjs-params.js';

export interface BackwardArgs<N extends IrNode = IrNode> {
  node: N;
  /** Forward inputs of the node. */
  xs: tf.Tensor[];
  /** Forward output of the node. */
  y: tf.Tensor;
  /** Gradient with respect to y. */
  dy: tf.Tensor;
  params: NodeParams | undefined;
}

/** Returns the gradient for each forward input, in order. */
export type BackwardRule<N extends IrNode = IrNode> = (a: BackwardArgs<N>) => tf.Tensor[];

export type RuleTable = { [O in Exclude<IrOp, 'input'>]: BackwardRule<IrNode & { op: O }> };

const passThrough: BackwardRule = ({ dy }) => [dy];
const reshapeBack: BackwardRule = ({ xs, dy }) => [tf.reshape(dy, xs[0].shape)];

export const GRADIENT_RULES: RuleTable = {
  conv2d: convBackward,
  dense({ node, xs, dy, params }) {
    const [cin] = node.attrs.kernelShape;
    const d2 = dy.rank === 2 ? dy : tf.reshape(dy, [-1, dy.shape[dy.rank - 1]]);
    const dx = tf.matMul(d2 as tf.Tensor2D, params!.kernelT!);
    return [xs[0].rank === 2 ? dx : tf.reshape(dx, [...xs[0].shape.slice(0, -1), cin])];
  },
  batchnorm: ({ dy, params }) => [tf.mul(dy, params!.scale!)],
  // Masks use the forward input like tfjs' own gradients, so results match tf.grad at the kinks.
  relu: ({ xs, dy }) => [tf.mul(dy, tf.step(xs[0]))],
  relu6: ({ xs, dy }) => [tf.mul(dy, tf.mul(tf.step(xs[0]), tf.cast(tf.lessEqual(xs[0], 6), 'float32')))],
  leakyrelu: ({ node, xs, dy }) => [tf.where(tf.greater(xs[0], 0), dy, tf.mul(dy, node.attrs.alpha))],
  sigmoid: ({ y, dy }) => [tf.mul(dy, tf.mul(y, tf.sub(1, y)))],
  tanh: ({ y, dy }) => [tf.mul(dy, tf.sub(1, tf.square(y)))],
  softmax: ({ y, dy }) => [tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)))],
  identity: passThrough,
  flatten: reshapeBack,
  reshape: reshapeBack,
  maxpool({ node, xs, dy }) {
    const [n, h, w, c] = xs[0].shape;
    return [
      withHeapViews(xs[0].shape, [xs[0], dy], (dx, x, g) =>
        maxPoolGrad(x, g, { n, h, w, c }, node.attrs, dx),
      ),
    ];
  },
  avgpool({ node, xs, dy }) {
    const [n, h, w, c] = xs[0].shape;
    return [withHeapViews(xs[0].shape, [dy], (dx, g) => avgPoolGrad(g, { n, h, w, c }, node.attrs, dx))];
  },
  globalavgpool({ xs, dy }) {
    const [n, h, w, c] = xs[0].shape;
    const scaled = tf.div(tf.reshape(dy, [n, 1, 1, c]), h * w);
    // A broadcasting multiply: wasm's broadcastTo/tile are ~50x slower than an elementwise op.
    return [tf.mul(tf.ones([n, h, w, c]), scaled)];
  },
  add: ({ xs, dy }) => xs.map(() => dy),
};

export const RULE_TABLES: Record<BackwardRules, RuleTable> = { gradient: GRADIENT_RULES };

/**
 * Rules for two-node chains, used instead of the per-op rules where a table opts in: fusing
 * the elementwise masks into the JS loops saves whole-tensor passes on wasm.
 */
export interface FusedRules {
  /** relu -> maxpool (the relu feeding only the pool): the gradient with respect to the relu's input. */
  reluMaxpool?: (a: BackwardArgs<PoolNode>) => tf.Tensor;
}

export const FUSED_RULES: Record<BackwardRules, FusedRules> = {
  gradient: {
    reluMaxpool({ node, xs, dy }) {
      const [n, h, w, c] = xs[0].shape;
      const dims = { n, h, w, c };
      return withHeapViews(xs[0].shape, [xs[0], dy], (dx, x, g) =>
        maxPoolGrad(x, g, dims, node.attrs, dx, true),
      );
    },
  },
};

/** Applies the table's rule for `node` (the table is indexed by op; the cast is the union narrowing). */
export function backward(table: RuleTable, a: BackwardArgs): tf.Tensor[] {
  if (a.node.op === 'input') return [];
  const rule = table[a.node.op] as BackwardRule;
  return rule(a);
}

function convBackward({ node, xs, dy, params }: BackwardArgs<Conv2dNode>): tf.Tensor[] {
  const x = xs[0] as tf.Tensor4D;
  const a = node.attrs;
  const [, h, w] = x.shape;
  const d4 = dy as tf.Tensor4D;
  if (params!.kernelFlipped === undefined) {
    // Strided: dilation is 1 here (the importer rejects stride and dilation together).
    return [tf.conv2dTranspose(d4, params!.kernel as tf.Tensor4D, x.shape, a.strides, a.padding)];
  }
  // Stride 1: a full correlation of dy with the rotated filter, padded so the output is the input size.
  const ekh = dilatedSize(a.kernelShape[0], a.dilation[0]);
  const ekw = dilatedSize(a.kernelShape[1], a.dilation[1]);
  const ay = windowAxis(h, ekh, 1, a.padding);
  const ax = windowAxis(w, ekw, 1, a.padding);
  const top = ekh - 1 - ay.before;
  const left = ekw - 1 - ax.before;
  const bottom = h - ay.out - top + ekh - 1;
  const right = w - ax.out - left + ekw - 1;
  const filter = params!.kernelFlipped;
  if (top === bottom && left === right && 2 * top === ekh - 1 && 2 * left === ekw - 1) {
    return [tf.conv2d(d4, filter, 1, 'same', 'NHWC', a.dilation)];
  }
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  return [tf.conv2d(d4, filter, 1, pad, 'NHWC', a.dilation)];
}
