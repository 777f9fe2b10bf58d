/**
 * The backward rules: each IR node's input gradients from its output gradient, as ONNX ops
 * after the forward pass. Rules follow GRADIENT_RULES of tfjs-backward.ts (clip's closed
 * interval; relu and relu6 masks from their outputs, 0 at relu6's ends as on both engines;
 * max-pool's gradient to each window's first maximum in row-major order).
 */

import { type Attr, FLOAT } from '../../importers/onnx-proto.js';
import type { Conv2dNode, IrNode, PoolNode } from '../../ir/graph.js';
import { BackwardUnsupported, convWindow, type EmitContext, type Layout } from './context.js';
import { avgPoolGrad, maxPoolGrad } from './pool-backward.js';
import { flippedWeight } from './weights.js';

export class Backward {
  /** Gradients reaching each IR node so far, in the layout of its forward value. */
  private readonly grads = new Map<string, string[]>();

  constructor(private readonly ctx: EmitContext) {}

  /** Seeds the gradient of a node (the logits' output_grad). */
  seed(name: string, g: string): void {
    this.grads.set(name, [g]);
  }

  /** The summed gradient of a node, or undefined if none reached it. */
  grad(name: string): string | undefined {
    const list = this.grads.get(name);
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const sum = this.ctx.b.op1('Sum', list, {}, 'gradsum');
    this.grads.set(name, [sum]);
    return sum;
  }

  /** Adds `g` (held in `layout`) to the gradient of input k of `node`. */
  private add(node: IrNode, k: number, g: string, layout: Layout): void {
    const src = this.ctx.src(node, k);
    const t = this.ctx.convert(g, layout, this.ctx.acts.get(src.name)!.layout, src.shape.length);
    const list = this.grads.get(src.name);
    if (list === undefined) this.grads.set(src.name, [t]);
    else list.push(t);
  }

  private zero(): string {
    return this.ctx.b.scalar(0);
  }

  /** Emits `node`'s rule; `dy` is in the layout of its forward value. */
  emit(node: IrNode, dy: string): void {
    const { ctx } = this;
    const { b } = ctx;
    const L = ctx.acts.get(node.name)!.layout;
    const xIn = (k: number) => ctx.input(node, k, L);
    const y = () => ctx.acts.get(node.name)!.name;
    switch (node.op) {
      case 'conv2d':
        this.add(node, 0, this.conv(node, dy), 'nchw');
        return;
      case 'dense':
        this.add(node, 0, b.op1('Gemm', [dy, ctx.saved.dense.get(node.name)!], { transB: 1 }), 'plain');
        return;
      case 'batchnorm':
        this.add(node, 0, b.op1('Mul', [dy, ctx.saved.bnScale.get(node.name)!]), L);
        return;
      case 'relu':
        // relu(x) > 0 iff x > 0: the mask from the output leaves the Relu its producer's only
        // consumer, so that onnxruntime fuses Conv + Relu in the forward part.
        this.add(node, 0, b.op1('Mul', [dy, this.positive(y())]), L);
        return;
      case 'relu6': {
        // From the output too (Conv + Clip stay fused): 0 < y < 6 is 0 < x < 6.
        // (Two compares + And: onnxruntime's Min, Sign and Where measured slower.)
        const inside = b.op1('And', [
          b.op1('Greater', [y(), this.zero()]),
          b.op1('Less', [y(), b.scalar(6)]),
        ]);
        this.add(node, 0, this.masked(inside, dy), L);
        return;
      }
      case 'clip': {
        const x = xIn(0);
        const mask = b.op1('And', [
          b.op1('GreaterOrEqual', [x, b.scalar(node.attrs.min)]),
          b.op1('LessOrEqual', [x, b.scalar(node.attrs.max)]),
        ]);
        this.add(node, 0, this.masked(mask, dy), L);
        return;
      }
      case 'leakyrelu': {
        const scaled = b.op1('Mul', [dy, b.scalar(node.attrs.alpha)]);
        this.add(node, 0, b.op1('Where', [b.op1('Greater', [xIn(0), this.zero()]), dy, scaled]), L);
        return;
      }
      case 'hardsigmoid': {
        const { alpha, beta } = node.attrs;
        const z = b.op1('Add', [b.op1('Mul', [xIn(0), b.scalar(alpha)]), b.scalar(beta)]);
        const mask = b.op1('And', [
          b.op1('GreaterOrEqual', [z, this.zero()]),
          b.op1('LessOrEqual', [z, b.scalar(1)]),
        ]);
        this.add(node, 0, b.op1('Where', [mask, b.op1('Mul', [dy, b.scalar(alpha)]), this.zero()]), L);
        return;
      }
      case 'sigmoid': {
        const d = b.op1('Mul', [y(), b.op1('Sub', [b.scalar(1), y()])]);
        this.add(node, 0, b.op1('Mul', [dy, d]), L);
        return;
      }
      case 'tanh': {
        const d = b.op1('Sub', [b.scalar(1), b.op1('Mul', [y(), y()])]);
        this.add(node, 0, b.op1('Mul', [dy, d]), L);
        return;
      }
      case 'softmax': {
        const s = b.op1('ReduceSum', [b.op1('Mul', [dy, y()]), b.ints('axes', [-1])], { keepdims: 1 });
        this.add(node, 0, b.op1('Mul', [y(), b.op1('Sub', [dy, s])]), 'plain');
        return;
      }
      case 'identity':
        this.add(node, 0, dy, L);
        return;
      case 'flatten':
      case 'reshape':
        this.add(node, 0, b.op1('Reshape', [dy, b.ints('shape', [0, ...ctx.src(node).shape])]), 'plain');
        return;
      case 'maxpool':
        this.maxPool(node, dy);
        return;
      case 'avgpool':
        this.add(node, 0, avgPoolGrad(ctx, node, dy), 'nchw');
        return;
      case 'globalavgpool': {
        const [h, w, c] = ctx.src(node).shape;
        const g4 = L === 'nchw' ? dy : b.op1('Reshape', [dy, b.ints('shape', [0, c, 1, 1])]);
        const scaled = b.op1('Mul', [g4, b.scalar(1 / (h * w))]);
        // Into a relu/relu6 whose only consumer is this pool: [n, c, 1, 1] is enough, its mask's
        // Mul broadcasts (one pass over the feature map instead of Expand + Mul).
        if (ctx.activationOnlyInto(node, ['relu', 'relu6']) !== undefined) {
          this.add(node, 0, scaled, 'nchw');
          return;
        }
        this.add(node, 0, b.op1('Expand', [scaled, b.op1('Shape', [ctx.input(node, 0, 'nchw')])]), 'nchw');
        return;
      }
      case 'add':
        for (let k = 0; k < node.inputs.length; k++) this.add(node, k, dy, L);
        return;
      case 'mul': {
        const [a, bIn] = [xIn(0), xIn(1)];
        const [sa, sb] = node.inputs.map((i) => ctx.byName.get(i)!.shape);
        this.add(node, 0, this.unbroadcast(b.op1('Mul', [dy, bIn]), sa, node.shape, L), L);
        this.add(node, 1, this.unbroadcast(b.op1('Mul', [dy, a]), sb, node.shape, L), L);
        return;
      }
      case 'pad': {
        const [h, w] = ctx.src(node).shape;
        const [[t], [l]] = node.attrs.pads;
        const starts = b.ints('starts', [t, l]);
        const g = b.op1('Slice', [dy, starts, b.ints('ends', [t + h, l + w]), b.ints('axes', [2, 3])]);
        this.add(node, 0, g, 'nchw');
        return;
      }
      case 'concat': {
        const sizes = node.inputs.map((i) => {
          const s = ctx.byName.get(i)!.shape;
          return s[s.length - 1];
        });
        const outs = sizes.map(() => b.fresh('split'));
        b.op('Split', [dy, b.ints('split', sizes)], outs, { axis: L === 'nchw' ? 1 : -1 });
        for (const [k, g] of outs.entries()) this.add(node, k, g, L);
        return;
      }
      case 'transpose': {
        const perm = ctx.saved.transposePerm.get(node.name)!;
        const inverse = perm.map((_, i) => perm.indexOf(i));
        const g = inverse.every((p, i) => p === i) ? dy : b.op1('Transpose', [dy], { perm: inverse });
        this.add(node, 0, g, ctx.acts.get(node.inputs[0])!.layout);
        return;
      }
      default:
        throw new BackwardUnsupported(`no backward for op '${node.op}'`);
    }
  }

  /** A convolution's input gradient (NCHW). */
  private conv(node: Conv2dNode, dy: string): string {
    const { b } = this.ctx;
    const { w, group } = this.ctx.saved.conv.get(node.name)!;
    const [h, wd] = this.ctx.src(node).shape;
    const a = node.attrs;
    const { ek, ay, ax, pads } = convWindow(node, h, wd);
    const kernel_shape = [a.kernelShape[0], a.kernelShape[1]];
    // Stride 1: a full correlation of dy with the rotated, in/out-transposed filter, padded so
    // that the output is the input's size. onnxruntime's Conv (NCHWc kernels) is ~2x its
    // ConvTranspose here, except with few input channels (an RGB input layer) on 1-2 threads:
    // NCHWc pads the backward conv's 3 output channels to a block of 16, and ConvTranspose
    // (NCHW out, no reorder) measured 1.6x faster on 1 thread, 1.3x on 2; but it scales worse
    // with threads (1.45x from 1 to 2, the Conv 2x).
    const fewChannels = a.kernelShape[2] < 8 && this.ctx.threads <= 2;
    if (a.strides[0] === 1 && a.strides[1] === 1 && !fewChannels) {
      const top = ek[0] - 1 - ay.before;
      const left = ek[1] - 1 - ax.before;
      const bottom = h - ay.out - top + ek[0] - 1;
      const right = wd - ax.out - left + ek[1] - 1;
      if (Math.min(top, left, bottom, right) >= 0) {
        const flipped = b.floats('conv_wt', ...flippedWeight(node, group));
        const dilations = [...a.dilation];
        return b.op1('Conv', [dy, flipped], {
          kernel_shape,
          dilations,
          pads: [top, left, bottom, right],
          group,
        });
      }
    }
    // ConvTranspose's size: s * (out - 1) + output_padding + ek - pads; output_padding makes it h.
    const opad = [
      h - (a.strides[0] * (ay.out - 1) + ek[0] - ay.before - ay.after),
      wd - (a.strides[1] * (ax.out - 1) + ek[1] - ax.before - ax.after),
    ];
    if (opad.some((p, i) => p < 0 || p >= Math.max(a.strides[i], a.dilation[i])))
      throw new BackwardUnsupported(`conv '${node.name}': output_padding ${opad}`);
    const attrs: Record<string, Attr> = {
      kernel_shape,
      strides: [...a.strides],
      dilations: [...a.dilation],
      pads,
      group,
    };
    if (opad.some((p) => p !== 0)) attrs.output_padding = opad;
    return b.op1('ConvTranspose', [dy, w], attrs);
  }

  /**
   * A relu feeding only the pool has its mask applied to the pooled gradient (the window maximum
   * is > 0 iff the relu's input there is: a quarter of the elements for a 2x2 pool) and is skipped.
   */
  private maxPool(node: PoolNode, dy: string): void {
    const relu = this.ctx.activationOnlyInto(node, ['relu']);
    const g =
      relu === undefined
        ? dy
        : this.ctx.b.op1('Mul', [dy, this.positive(this.ctx.acts.get(node.name)!.name)]);
    this.add(relu ?? node, 0, maxPoolGrad(this.ctx, node, g), 'nchw');
  }

  /**
   * 1 where y > 0, else 0, as floats: Greater + Cast (measured against Sign, Where and a
   * multiply-and-min trick on resnet18, mobilenet_v2 and the wolf/snow CNN: within noise).
   */
  private positive(y: string): string {
    const { b } = this.ctx;
    return b.op1('Cast', [b.op1('Greater', [y, this.zero()])], { to: FLOAT });
  }

  /** dy where `mask` (a bool tensor) holds, else 0. */
  private masked(mask: string, dy: string): string {
    // Cast + Mul: both vectorised and threaded in onnxruntime, a few % faster than Where here.
    const { b } = this.ctx;
    return b.op1('Mul', [dy, b.op1('Cast', [mask], { to: FLOAT })]);
  }

  /** Sums `g` (shaped like `full`, held in `layout`) over the axes where `shape` has 1 and `full` not. */
  private unbroadcast(g: string, shape: number[], full: number[], layout: Layout): string {
    if (shape.join() === full.join()) return g;
    const irAxes = shape.map((d, i) => (d === 1 && full[i] !== 1 ? i : -1)).filter((i) => i >= 0);
    // IR axis i of a rank-3 value is physical axis (h, w, c) -> (2, 3, 1) in nchw; +1 for the batch when plain.
    const axes = irAxes.map((i) => (layout === 'nchw' ? [2, 3, 1][i] : i + 1));
    return this.ctx.b.op1('ReduceSum', [g, this.ctx.b.ints('axes', axes)], { keepdims: 1 });
  }
}
