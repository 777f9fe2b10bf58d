/**
 * The forward pass of an IR node as ONNX ops, NCHW inside (onnxruntime's NCHWc kernels take
 * over from there): its output becomes the node's forward value in the context, and what its
 * backward rule reuses (weights, max-pool indices, physical perms) is saved there.
 */

import type { Attr } from '../../importers/onnx-proto.js';
import type { IrNode } from '../../ir/graph.js';
import { BackwardUnsupported, convWindow, type EmitContext, spatial, windowPads } from './context.js';
import { tilesExactly } from './pool-backward.js';
import { convWeight, transposePerm } from './weights.js';

/** The graph input's name in the emitted model. */
export const INPUT = 'x';

export function emitForward(ctx: EmitContext, node: IrNode): void {
  const { b } = ctx;
  const L = spatial(node.shape.length);
  const x = (k: number, layout: 'nchw' | 'plain' = L) => ctx.input(node, k, layout);
  switch (node.op) {
    case 'input':
      ctx.acts.set(node.name, { name: INPUT, layout: 'plain' });
      return;
    case 'conv2d': {
      const { dims, data, group } = convWeight(node);
      const w = b.floats('conv_w', dims, data);
      ctx.saved.conv.set(node.name, { w, group });
      const [h, wd] = ctx.src(node).shape;
      const a = node.attrs;
      const ins = [x(0, 'nchw'), w];
      if (node.weights.bias !== undefined)
        ins.push(b.floats('conv_b', [a.kernelShape[3]], node.weights.bias));
      const y = b.op1('Conv', ins, {
        kernel_shape: [a.kernelShape[0], a.kernelShape[1]],
        strides: [...a.strides],
        dilations: [...a.dilation],
        pads: convWindow(node, h, wd).pads,
        group,
      });
      ctx.set(node, y, 'nchw');
      return;
    }
    case 'dense': {
      const rank = ctx.src(node).shape.length;
      if (rank !== 1) throw new BackwardUnsupported(`dense '${node.name}' on a rank-${rank} input`);
      const [cin, cout] = node.attrs.kernelShape;
      const w = b.floats('dense_w', [cin, cout], node.weights.kernel);
      ctx.saved.dense.set(node.name, w);
      const ins = [x(0, 'plain'), w];
      if (node.weights.bias !== undefined) ins.push(b.floats('dense_b', [cout], node.weights.bias));
      ctx.set(node, b.op1('Gemm', ins), 'plain');
      return;
    }
    case 'batchnorm': {
      const c = node.shape[node.shape.length - 1];
      const dims =
        L === 'nchw' ? [1, c, 1, 1] : node.shape.map((d, i) => (i === node.shape.length - 1 ? d : 1));
      const scale = b.floats('bn_scale', dims, node.weights.scale);
      ctx.saved.bnScale.set(node.name, scale);
      const shift = b.floats('bn_shift', dims, node.weights.shift);
      ctx.set(node, b.op1('Add', [b.op1('Mul', [x(0), scale]), shift]), L);
      return;
    }
    case 'relu':
      ctx.set(node, b.op1('Relu', [x(0)]), L);
      return;
    case 'relu6':
      ctx.set(node, b.op1('Clip', [x(0), b.scalar(0), b.scalar(6)]), L);
      return;
    case 'clip':
      ctx.set(node, b.op1('Clip', [x(0), b.scalar(node.attrs.min), b.scalar(node.attrs.max)]), L);
      return;
    case 'leakyrelu':
      ctx.set(node, b.op1('LeakyRelu', [x(0)], { alpha: { f: node.attrs.alpha } }), L);
      return;
    case 'hardsigmoid': {
      const { alpha, beta } = node.attrs;
      ctx.set(node, b.op1('HardSigmoid', [x(0)], { alpha: { f: alpha }, beta: { f: beta } }), L);
      return;
    }
    case 'sigmoid':
      ctx.set(node, b.op1('Sigmoid', [x(0)]), L);
      return;
    case 'tanh':
      ctx.set(node, b.op1('Tanh', [x(0)]), L);
      return;
    case 'softmax':
      if (node.shape.length !== 1)
        throw new BackwardUnsupported(`softmax '${node.name}' of rank ${node.shape.length}`);
      ctx.set(node, b.op1('Softmax', [x(0, 'plain')], { axis: -1 }), 'plain');
      return;
    case 'identity':
      ctx.acts.set(node.name, ctx.acts.get(node.inputs[0])!);
      return;
    case 'flatten':
    case 'reshape':
      ctx.set(node, b.op1('Reshape', [x(0, 'plain'), b.ints('shape', [0, ...node.shape])]), 'plain');
      return;
    case 'maxpool':
    case 'avgpool': {
      const [h, w] = ctx.src(node).shape;
      const a = node.attrs;
      const attrs: Record<string, Attr> = {
        kernel_shape: [...a.pool],
        strides: [...a.strides],
        pads: windowPads(h, w, a.pool, a.strides, a.padding).pads,
      };
      if (node.op === 'avgpool') {
        ctx.set(node, b.op1('AveragePool', [x(0, 'nchw')], { ...attrs, count_include_pad: 0 }), 'nchw');
        return;
      }
      if (tilesExactly(node, [h, w])) {
        ctx.set(node, b.op1('MaxPool', [x(0, 'nchw')], attrs), 'nchw');
        return;
      }
      const y = b.fresh('maxpool');
      const idx = b.fresh('maxpool_idx');
      b.op('MaxPool', [x(0, 'nchw')], [y, idx], attrs);
      ctx.saved.poolIndices.set(node.name, idx);
      ctx.set(node, y, 'nchw');
      return;
    }
    case 'globalavgpool': {
      const y = b.op1('GlobalAveragePool', [x(0, 'nchw')]);
      if (node.attrs.keepDims) ctx.set(node, y, 'nchw');
      else ctx.set(node, b.op1('Reshape', [y, b.ints('shape', [0, -1])]), 'plain');
      return;
    }
    case 'add': {
      const ins = node.inputs.map((_, k) => x(k));
      ctx.set(node, b.op1(ins.length === 2 ? 'Add' : 'Sum', ins), L);
      return;
    }
    case 'mul':
      ctx.set(
        node,
        b.op1(
          'Mul',
          node.inputs.map((_, k) => x(k)),
        ),
        L,
      );
      return;
    case 'pad': {
      if (node.shape.length !== 3)
        throw new BackwardUnsupported(`pad '${node.name}' of rank ${node.shape.length}`);
      const [[t, bottom], [l, r]] = node.attrs.pads;
      const pads = b.ints('pads', [0, 0, t, l, 0, 0, bottom, r]);
      ctx.set(node, b.op1('Pad', [x(0, 'nchw'), pads, b.scalar(node.attrs.value)]), 'nchw');
      return;
    }
    case 'concat':
      ctx.set(
        node,
        b.op1(
          'Concat',
          node.inputs.map((_, k) => x(k)),
          { axis: L === 'nchw' ? 1 : -1 },
        ),
        L,
      );
      return;
    case 'transpose': {
      const src = ctx.src(node);
      const v = ctx.acts.get(src.name)!;
      const perm = transposePerm(node.attrs.perm, v.layout, src.shape.length);
      ctx.saved.transposePerm.set(node.name, perm);
      const y = perm.every((p, i) => p === i) ? v.name : b.op1('Transpose', [v.name], { perm });
      ctx.acts.set(node.name, { name: y, layout: 'plain' });
      return;
    }
    default:
      throw new BackwardUnsupported(`op '${(node as IrNode).op}' (node '${(node as IrNode).name}')`);
  }
}
