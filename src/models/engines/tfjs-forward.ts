/** Forward rule of each IR op as tfjs ops (batch dimension first). */

import * as tf from '@tensorflow/tfjs-core';
import type { IrNode } from '../ir/graph.js';
import type { NodeParams } from './tfjs-params.js';

/** `activation` fuses a following relu into conv2d/dense (ignored by other ops). */
export function forwardNode(
  node: IrNode,
  xs: tf.Tensor[],
  p: NodeParams | undefined,
  activation: 'linear' | 'relu' = 'linear',
): tf.Tensor {
  const x = xs[0];
  const n = x.shape[0];
  switch (node.op) {
    case 'input':
      return x;
    case 'conv2d': {
      const a = node.attrs;
      return tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: p!.kernel as tf.Tensor4D,
        strides: a.strides,
        pad: a.padding,
        dilations: a.dilation,
        bias: p!.bias,
        activation,
      });
    }
    case 'dense': {
      const [cin, cout] = node.attrs.kernelShape;
      const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, cin]);
      const y = tf.fused.matMul({
        a: flat as tf.Tensor2D,
        b: p!.kernel as tf.Tensor2D,
        bias: p!.bias,
        activation,
      });
      return x.rank === 2 ? y : tf.reshape(y, [n, ...node.shape.slice(0, -1), cout]);
    }
    case 'batchnorm':
      return tf.add(tf.mul(x, p!.scale!), p!.shift!);
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, node.attrs.alpha);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
    case 'identity':
      // A new handle on the same data, so that freeing the input does not free this output.
      return tf.clone(x);
    case 'flatten':
    case 'reshape':
      return tf.reshape(x, [n, ...node.shape]);
    case 'maxpool':
      return tf.maxPool(x as tf.Tensor4D, node.attrs.pool, node.attrs.strides, node.attrs.padding);
    case 'avgpool':
      return tf.avgPool(x as tf.Tensor4D, node.attrs.pool, node.attrs.strides, node.attrs.padding);
    case 'globalavgpool':
      return tf.mean(x, [1, 2], node.attrs.keepDims);
    case 'add':
      return xs.length === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs);
    case 'pad': {
      const [h, w] = node.attrs.pads;
      return tf.pad(x, [[0, 0], h, w, [0, 0]], node.attrs.value);
    }
    case 'concat':
      return tf.concat(xs, -1);
    case 'transpose':
      return tf.transpose(x, [0, ...node.attrs.perm.map((p) => p + 1)]);
    case 'clip':
      return tf.clipByValue(x, node.attrs.min, node.attrs.max);
    case 'hardsigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, node.attrs.alpha), node.attrs.beta), 0, 1);
    case 'mul':
      return tf.mul(xs[0], xs[1]);
  }
}
