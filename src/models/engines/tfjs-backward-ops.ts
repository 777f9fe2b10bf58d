/**
 * Backward rules of the IR ops added for ONNX models (pad, concat, transpose, clip, hardsigmoid,
 * mul). Kept apart from tfjs-backward.ts, whose tables spread these in.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { ClipNode, ConcatNode, HardSigmoidNode, MulNode, PadNode, TransposeNode } from '../ir/graph.js';
import type { BackwardArgs, BackwardRule } from './tfjs-backward.js';

export interface OnnxOpRules {
  pad: BackwardRule<PadNode>;
  concat: BackwardRule<ConcatNode>;
  transpose: BackwardRule<TransposeNode>;
  clip: BackwardRule<ClipNode>;
  hardsigmoid: BackwardRule<HardSigmoidNode>;
  mul: BackwardRule<MulNode>;
}

/** Inside [lo, hi] inclusive, as tfjs' clipByValue gradient (so results match tf.grad at the bounds). */
function inside(z: tf.Tensor, lo: number, hi: number): tf.Tensor {
  return tf.logicalAnd(tf.greaterEqual(z, lo), tf.lessEqual(z, hi));
}

/** Sums `g` over the axes where `shape` broadcast (size 1 against a larger g). */
function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = g.shape.map((d, i) => (shape[i] === 1 && d !== 1 ? i : -1)).filter((i) => i >= 0);
  return axes.length === 0 ? g : tf.sum(g, axes, true);
}

const padBack = ({ node, xs, dy }: BackwardArgs<PadNode>): tf.Tensor[] => {
  const [[t], [l]] = node.attrs.pads;
  return [tf.slice(dy, [0, t, l, 0], xs[0].shape)];
};

const concatBack = ({ xs, dy }: BackwardArgs<ConcatNode>): tf.Tensor[] =>
  tf.split(
    dy,
    xs.map((x) => x.shape[x.rank - 1]),
    -1,
  );

const transposeBack = ({ node, dy }: BackwardArgs<TransposeNode>): tf.Tensor[] => {
  const perm = [0, ...node.attrs.perm.map((p) => p + 1)];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [tf.transpose(dy, inverse)];
};

export const ONNX_OP_GRADIENT_RULES: OnnxOpRules = {
  pad: padBack,
  concat: concatBack,
  transpose: transposeBack,
  clip: ({ node, xs, dy }) => [tf.where(inside(xs[0], node.attrs.min, node.attrs.max), dy, tf.zerosLike(dy))],
  hardsigmoid({ node, xs, dy }) {
    const { alpha, beta } = node.attrs;
    const z = tf.add(tf.mul(xs[0], alpha), beta);
    return [tf.where(inside(z, 0, 1), tf.mul(dy, alpha), tf.zerosLike(dy))];
  },
  mul: ({ xs, dy }) => [
    unbroadcast(tf.mul(dy, xs[1]), xs[0].shape),
    unbroadcast(tf.mul(dy, xs[0]), xs[1].shape),
  ],
};

/**
 * LRP: the structural ops move relevance as their gradient does (conserving); clip and
 * hardsigmoid are activations (pass-through, zennit's Pass); a product gives all relevance to
 * its first input, the signal, none to the gate (Arras et al.'s signal-take-all; the importer
 * puts the gate of hardswish and squeeze-excite second).
 */
export const ONNX_OP_LRP_RULES: OnnxOpRules = {
  pad: padBack,
  concat: concatBack,
  transpose: transposeBack,
  clip: ({ dy }) => [dy],
  hardsigmoid: ({ dy }) => [dy],
  mul: ({ xs, dy }) => [dy, tf.zerosLike(xs[1])],
};
