/** tf.grads of an IR graph's forward on the cpu backend: the reference for our reverse pass. */

import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers no gradients by itself (tfjs-layers does); tf.grads needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { forwardNode } from '../../../src/models/engines/tfjs-forward.js';
import { createParams, disposeParams, type NodeParams } from '../../../src/models/engines/tfjs-params.js';
import type { Conv2dNode, IrGraph, IrNode, PoolNode } from '../../../src/models/ir/graph.js';
import { windowAxis } from '../../../src/models/ir/windows.js';

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

export interface Ref {
  logits: Float32Array;
  inputGrad: Float32Array;
  layerGrad: Float32Array;
}

export async function reference(
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
