/**
 * One converter per ONNX op: ONNX tensors are NCHW, IR tensors NHWC without the batch axis,
 * so an ONNX [n, c, h, w] is an IR [h, w, c] and an ONNX [n, d] an IR [d].
 */

import { XauditError } from '../../core/errors.js';
import {
  batchNormNode,
  type Conv2dNode,
  foldBatchNorm,
  type IrNode,
  NO_ATTRS,
  NO_WEIGHTS,
  type Padding,
  sizeOf,
  type UnaryOp,
} from '../ir/graph.js';
import { dilatedSize, windowAxis } from '../ir/windows.js';
import { attrFloat, attrInt, attrInts, attrString, type Const } from './onnx-const.js';
import type { OnnxNode } from './onnx-proto.js';

export interface OpContext {
  file: string;
  consts: Map<string, Const>;
  /** ONNX tensor name -> the IR node that computes it. */
  vals: Map<string, IrNode>;
  /** Number of consuming nodes of each ONNX tensor (plus one for a graph output). */
  uses: Map<string, number>;
  /** The IR nodes, appended in order. */
  nodes: IrNode[];
}

/** Converts `node`, appending IR nodes; returns the node that computes node.output[0]. */
type Converter = (node: OnnxNode, ctx: OpContext) => IrNode;

export function unsupported(ctx: OpContext, node: OnnxNode, what: string): XauditError {
  return new XauditError(
    'MODEL_UNSUPPORTED',
    `${ctx.file}: node '${node.name || node.output[0]}' (${node.opType}): ${what}`,
    { location: { file: ctx.file } },
  );
}

function value(ctx: OpContext, node: OnnxNode, k: number): IrNode {
  const v = ctx.vals.get(node.input[k]);
  if (v === undefined) {
    throw unsupported(ctx, node, `input '${node.input[k]}' must be a computed tensor, not a constant`);
  }
  return v;
}

function constant(ctx: OpContext, node: OnnxNode, k: number): Const | undefined {
  const name = node.input[k];
  if (name === undefined || name === '') return undefined;
  const c = ctx.consts.get(name);
  if (c === undefined) throw unsupported(ctx, node, `input '${name}' must be a constant (an initializer)`);
  return c;
}

function add(ctx: OpContext, n: IrNode): IrNode {
  ctx.nodes.push(n);
  return n;
}

function spatial(ctx: OpContext, node: OnnxNode, x: IrNode): [number, number, number] {
  if (x.shape.length !== 3)
    throw unsupported(ctx, node, `expects an NCHW input, got rank ${x.shape.length + 1}`);
  return [x.shape[0], x.shape[1], x.shape[2]];
}

function unary(name: string, op: UnaryOp, x: IrNode, shape = x.shape): IrNode {
  return { name, op, inputs: [x.name], shape: [...shape], attrs: NO_ATTRS, weights: NO_WEIGHTS };
}

interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilation: [number, number];
  /** [[top, bottom], [left, right]]. */
  pads: [[number, number], [number, number]];
}

/** Kernel, strides, dilations and explicit pads of a Conv/Pool node (auto_pad resolved). */
function windowOf(ctx: OpContext, node: OnnxNode, h: number, w: number, kernel: [number, number]): Window2d {
  const strides = (attrInts(node, 'strides') ?? [1, 1]) as [number, number];
  const dilation = (attrInts(node, 'dilations') ?? [1, 1]) as [number, number];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const raw = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (strides.length !== 2 || raw.length !== 4)
    throw unsupported(ctx, node, 'only 2-D windows are supported');
  let pads: [[number, number], [number, number]] = [
    [raw[0], raw[2]],
    [raw[1], raw[3]],
  ];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const axes = [h, w].map((size, i) =>
      windowAxis(size, dilatedSize(kernel[i], dilation[i]), strides[i], 'same'),
    );
    pads = axes.map((a) =>
      autoPad === 'SAME_UPPER' ? [a.before, a.after] : [a.after, a.before],
    ) as typeof pads;
  } else if (autoPad === 'VALID') {
    pads = [
      [0, 0],
      [0, 0],
    ];
  } else if (autoPad !== 'NOTSET') {
    throw unsupported(ctx, node, `auto_pad '${autoPad}' is not supported`);
  }
  if (attrInt(node, 'ceil_mode', 0) !== 0) {
    for (const [i, size] of [h, w].entries()) {
      const span = size + pads[i][0] + pads[i][1] - dilatedSize(kernel[i], dilation[i]);
      if (span % strides[i] !== 0)
        throw unsupported(ctx, node, 'ceil_mode 1 changes the output size; not supported');
    }
  }
  return { kernel, strides, dilation, pads };
}

/** The IR padding for explicit pads: 'valid', TF's 'same' where they coincide, else undefined. */
function irPadding(win: Window2d, h: number, w: number): Padding | undefined {
  const flat = win.pads.flat();
  if (flat.every((p) => p === 0)) return 'valid';
  const same = [h, w].map((size, i) =>
    windowAxis(size, dilatedSize(win.kernel[i], win.dilation[i]), win.strides[i], 'same'),
  );
  if (same.every((a, i) => a.before === win.pads[i][0] && a.after === win.pads[i][1])) return 'same';
  return undefined;
}

function padNode(name: string, x: IrNode, pads: [[number, number], [number, number]], fill: number): IrNode {
  const [h, w, c] = x.shape;
  return {
    name,
    op: 'pad',
    inputs: [x.name],
    shape: [h + pads[0][0] + pads[0][1], w + pads[1][0] + pads[1][1], c],
    attrs: { pads, value: fill },
    weights: NO_WEIGHTS,
  };
}

/** Resolves a window's padding, inserting a pad node (with `fill`) where the IR's cannot express it. */
function padded(ctx: OpContext, node: OnnxNode, x: IrNode, win: Window2d, fill: number): [IrNode, Padding] {
  const [h, w] = spatial(ctx, node, x);
  const p = irPadding(win, h, w);
  if (p !== undefined) return [x, p];
  return [add(ctx, padNode(`${node.output[0]}/pad`, x, win.pads, fill)), 'valid'];
}

/** ONNX [cout, cin/groups, kh, kw] -> IR [kh, kw, cin, cout]; groups expand to a block-diagonal kernel. */
function convKernel(wt: Const, groups: number): Float32Array {
  const [cout, cpg, kh, kw] = wt.dims;
  const cin = cpg * groups;
  const opg = cout / groups;
  const out = new Float32Array(kh * kw * cin * cout);
  for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / opg);
    for (let c = 0; c < cpg; c++) {
      const ci = g * cpg + c;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++)
          out[((i * kw + j) * cin + ci) * cout + co] = wt.data[((co * cpg + c) * kh + i) * kw + j];
      }
    }
  }
  return out;
}

const ACTIVATIONS: Record<string, UnaryOp> = { Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh' };

function perChannel(ctx: OpContext, node: OnnxNode, c: Const, channels: number): Float32Array | undefined {
  const n = sizeOf(c.dims);
  if (n === 1) return new Float32Array(channels).fill(c.data[0]);
  // [c], [1, c] (after Gemm) or [c, 1, 1] / [1, c, 1, 1] (NCHW): one value per channel.
  const nonUnit = c.dims.filter((d) => d !== 1);
  if (n === channels && nonUnit.length === 1) {
    const last = c.dims.length - 1;
    const isChannelAxis = c.dims.length <= 2 ? c.dims[last] === channels : c.dims[last] === 1;
    if (isChannelAxis || c.dims.length === 1) return Float32Array.from(c.data);
  }
  void ctx;
  void node;
  return undefined;
}

/** y = x * scale + shift per channel, as an IR batchnorm (how constant Add/Mul and BN land in the IR). */
function affine(name: string, x: IrNode, scale: Float32Array, shift: Float32Array, epsilon = 0): IrNode {
  const ch = scale.length;
  return {
    name,
    op: 'batchnorm',
    inputs: [x.name],
    shape: [...x.shape],
    attrs: { epsilon },
    weights: {
      gamma: scale,
      beta: shift,
      mean: new Float32Array(ch),
      variance: new Float32Array(ch).fill(1 - epsilon),
      scale,
      shift,
    },
  };
}

/** A node whose output feeds only `node` and is not a graph output (safe to fold into). */
function soleConsumer(ctx: OpContext, tensor: string): boolean {
  return ctx.uses.get(tensor) === 1;
}

export const CONVERTERS: Record<string, Converter> = {
  Conv(node, ctx) {
    const x = value(ctx, node, 0);
    const [h, w, cin] = spatial(ctx, node, x);
    const wt = constant(ctx, node, 1)!;
    if (wt.dims.length !== 4) throw unsupported(ctx, node, 'only 2-D convolution is supported');
    const [cout, cpg, kh, kw] = wt.dims;
    const groups = attrInt(node, 'group', 1);
    if (cpg * groups !== cin || cout % groups !== 0) {
      throw unsupported(
        ctx,
        node,
        `weights [${wt.dims.join(', ')}] with group ${groups} do not fit ${cin} input channels`,
      );
    }
    const win = windowOf(ctx, node, h, w, [kh, kw]);
    if (win.strides.some((s) => s > 1) && win.dilation.some((d) => d > 1)) {
      throw unsupported(ctx, node, 'strides > 1 together with dilations > 1 are not supported');
    }
    const [input, padding] = padded(ctx, node, x, win, 0);
    const [ih, iw] = input.shape;
    const oh = windowAxis(ih, dilatedSize(kh, win.dilation[0]), win.strides[0], padding).out;
    const ow = windowAxis(iw, dilatedSize(kw, win.dilation[1]), win.strides[1], padding).out;
    const conv: Conv2dNode = {
      name: node.output[0],
      op: 'conv2d',
      inputs: [input.name],
      shape: [oh, ow, cout],
      attrs: {
        kernelShape: [kh, kw, cin, cout],
        strides: win.strides,
        padding,
        dilation: win.dilation,
        ...(groups > 1 ? { groups } : {}),
      },
      // Grouped and depthwise convolutions become one dense conv with a block-diagonal kernel:
      // exact, and every backward rule (gradient, LRP, DeepLIFT) applies unchanged.
      weights: { kernel: convKernel(wt, groups) },
    };
    const b = constant(ctx, node, 2);
    if (b !== undefined) conv.weights.bias = Float32Array.from(b.data);
    return add(ctx, conv);
  },

  BatchNormalization(node, ctx) {
    const x = value(ctx, node, 0);
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((k) =>
      Float32Array.from(constant(ctx, node, k)!.data),
    );
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    if (node.output.filter((o) => o !== '').length > 1)
      throw unsupported(ctx, node, 'training-mode outputs are not supported');
    const { scale, shift } = foldBatchNorm({ gamma, beta, mean, variance }, epsilon);
    if (x.op === 'conv2d' && soleConsumer(ctx, x.name)) {
      // Folded into the conv (the conv's own output is then never observable): W' = W * s, b' = (b - mean) * s + beta.
      const cout = x.attrs.kernelShape[3];
      const k = x.weights.kernel;
      for (let i = 0; i < k.length; i++) k[i] *= scale[i % cout];
      const bias = x.weights.bias ?? new Float32Array(cout);
      x.weights.bias = bias.map((v, c) => v * scale[c] + shift[c]);
      x.name = node.output[0];
      return x;
    }
    return add(ctx, batchNormNode(node.output[0], x, { gamma, beta, mean, variance }, epsilon));
  },

  Gemm(node, ctx) {
    const x = value(ctx, node, 0);
    if (x.shape.length !== 1) throw unsupported(ctx, node, 'expects a [n, d] input');
    if (attrInt(node, 'transA', 0) !== 0) throw unsupported(ctx, node, 'transA = 1 is not supported');
    const b = constant(ctx, node, 1)!;
    const transB = attrInt(node, 'transB', 0) === 1;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const [cin, cout] = transB ? [b.dims[1], b.dims[0]] : [b.dims[0], b.dims[1]];
    if (cin !== x.shape[0])
      throw unsupported(ctx, node, `weights [${b.dims.join(', ')}] do not fit ${x.shape[0]} inputs`);
    const kernel = new Float32Array(cin * cout);
    for (let i = 0; i < cin; i++) {
      for (let o = 0; o < cout; o++)
        kernel[i * cout + o] = alpha * b.data[transB ? o * cin + i : i * cout + o];
    }
    const n: IrNode = {
      name: node.output[0],
      op: 'dense',
      inputs: [x.name],
      shape: [cout],
      attrs: { kernelShape: [cin, cout] },
      weights: { kernel },
    };
    const c = constant(ctx, node, 2);
    if (c !== undefined) {
      const bias = perChannel(ctx, node, c, cout);
      if (bias === undefined)
        throw unsupported(ctx, node, `bias of shape [${c.dims.join(', ')}] is not supported`);
      n.weights.bias = bias.map((v) => v * beta);
    }
    return add(ctx, n);
  },

  MatMul(node, ctx) {
    const x = value(ctx, node, 0);
    const b = constant(ctx, node, 1)!;
    if (x.shape.length !== 1 || b.dims.length !== 2 || b.dims[0] !== x.shape[0]) {
      throw unsupported(ctx, node, 'only [n, d] x constant [d, k] is supported');
    }
    return add(ctx, {
      name: node.output[0],
      op: 'dense',
      inputs: [x.name],
      shape: [b.dims[1]],
      attrs: { kernelShape: [b.dims[0], b.dims[1]] },
      weights: { kernel: Float32Array.from(b.data) },
    });
  },

  Add: binary('add'),
  Mul: binary('mul'),

  Relu: activation,
  Sigmoid: activation,
  Tanh: activation,
  LeakyRelu(node, ctx) {
    const x = value(ctx, node, 0);
    return add(ctx, {
      name: node.output[0],
      op: 'leakyrelu',
      inputs: [x.name],
      shape: [...x.shape],
      attrs: { alpha: attrFloat(node, 'alpha', 0.01) },
      weights: NO_WEIGHTS,
    });
  },
  Clip(node, ctx) {
    const x = value(ctx, node, 0);
    // opset >= 11: min/max are inputs; before: attributes.
    const lo = constant(ctx, node, 1)?.data[0] ?? attrFloat(node, 'min', Number.NEGATIVE_INFINITY);
    const hi = constant(ctx, node, 2)?.data[0] ?? attrFloat(node, 'max', Number.POSITIVE_INFINITY);
    if (lo === 0 && hi === 6) return add(ctx, unary(node.output[0], 'relu6', x));
    if (lo === 0 && hi === Number.POSITIVE_INFINITY) return add(ctx, unary(node.output[0], 'relu', x));
    return add(ctx, {
      name: node.output[0],
      op: 'clip',
      inputs: [x.name],
      shape: [...x.shape],
      attrs: { min: lo, max: hi },
      weights: NO_WEIGHTS,
    });
  },
  HardSigmoid(node, ctx) {
    const x = value(ctx, node, 0);
    return add(
      ctx,
      hardSigmoid(node.output[0], x, attrFloat(node, 'alpha', 0.2), attrFloat(node, 'beta', 0.5)),
    );
  },
  HardSwish(node, ctx) {
    // x * hardsigmoid(x) with alpha 1/6: the gate second (LRP's signal-take-all keeps x's share).
    const x = value(ctx, node, 0);
    const gate = add(ctx, hardSigmoid(`${node.output[0]}/gate`, x, 1 / 6, 0.5));
    return add(ctx, {
      name: node.output[0],
      op: 'mul',
      inputs: [x.name, gate.name],
      shape: [...x.shape],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  },
  Softmax(node, ctx) {
    const x = value(ctx, node, 0);
    const axis = attrInt(node, 'axis', -1);
    if (x.shape.length !== 1 || (axis !== -1 && axis !== 1))
      throw unsupported(ctx, node, 'only softmax over the classes of [n, k] is supported');
    return add(ctx, unary(node.output[0], 'softmax', x));
  },
  Identity: (node, ctx) => add(ctx, unary(node.output[0], 'identity', value(ctx, node, 0))),
  Dropout: (node, ctx) => add(ctx, unary(node.output[0], 'identity', value(ctx, node, 0))),

  MaxPool(node, ctx) {
    const x = value(ctx, node, 0);
    if (node.output.length > 1 && node.output[1] !== '')
      throw unsupported(ctx, node, 'the Indices output is not supported');
    if (attrInt(node, 'storage_order', 0) !== 0)
      throw unsupported(ctx, node, 'storage_order 1 is not supported');
    return pool(ctx, node, x, 'maxpool', Number.NEGATIVE_INFINITY);
  },
  AveragePool(node, ctx) {
    const x = value(ctx, node, 0);
    const includePad = attrInt(node, 'count_include_pad', 0) === 1;
    return pool(ctx, node, x, 'avgpool', includePad ? 0 : undefined);
  },
  GlobalAveragePool(node, ctx) {
    const x = value(ctx, node, 0);
    const [, , c] = spatial(ctx, node, x);
    return add(ctx, {
      name: node.output[0],
      op: 'globalavgpool',
      inputs: [x.name],
      shape: [1, 1, c],
      attrs: { keepDims: true },
      weights: NO_WEIGHTS,
    });
  },
  Flatten(node, ctx) {
    const x = value(ctx, node, 0);
    if (attrInt(node, 'axis', 1) !== 1) throw unsupported(ctx, node, 'only axis 1 is supported');
    return flatten(ctx, node, x);
  },
  Reshape(node, ctx) {
    const x = value(ctx, node, 0);
    const shape = constant(ctx, node, 1)!;
    const want = [...shape.data];
    const total = sizeOf(x.shape);
    // [n, d] (d may be -1): a flatten. Anything else would need NCHW-aware reshapes.
    if (want.length === 2 && (want[1] === -1 || want[1] === total)) return flatten(ctx, node, x);
    throw unsupported(ctx, node, `reshape to [${want.join(', ')}] is not supported; only [n, -1] (flatten)`);
  },
  Concat(node, ctx) {
    const xs = node.input.map((_, k) => value(ctx, node, k));
    const rank = xs[0].shape.length + 1;
    const axis = attrInt(node, 'axis', 1);
    if (axis !== 1 && axis !== 1 - rank)
      throw unsupported(ctx, node, 'only concatenation along channels (axis 1) is supported');
    const lead = xs[0].shape.slice(0, -1).join();
    if (xs.some((x) => x.shape.slice(0, -1).join() !== lead || x.shape.length !== xs[0].shape.length)) {
      throw unsupported(ctx, node, 'inputs differ in more than their channels');
    }
    const ch = xs.reduce((s, x) => s + x.shape[x.shape.length - 1], 0);
    return add(ctx, {
      name: node.output[0],
      op: 'concat',
      inputs: xs.map((x) => x.name),
      shape: [...xs[0].shape.slice(0, -1), ch],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  },
  Pad(node, ctx) {
    const x = value(ctx, node, 0);
    spatial(ctx, node, x);
    if (attrString(node, 'mode', 'constant') !== 'constant')
      throw unsupported(ctx, node, 'only constant padding is supported');
    const p = constant(ctx, node, 1)?.data ?? Float64Array.from(attrInts(node, 'pads') ?? []);
    const fill = constant(ctx, node, 2)?.data[0] ?? attrFloat(node, 'value', 0);
    if (node.input[3] !== undefined && node.input[3] !== '')
      throw unsupported(ctx, node, 'the axes input is not supported');
    // [n0, c0, h0, w0, n1, c1, h1, w1]: only the spatial axes may be padded.
    if (p.length !== 8 || p[0] !== 0 || p[1] !== 0 || p[4] !== 0 || p[5] !== 0 || [...p].some((v) => v < 0)) {
      throw unsupported(
        ctx,
        node,
        `pads [${[...p].join(', ')}] are not supported; only non-negative spatial pads`,
      );
    }
    return add(
      ctx,
      padNode(
        node.output[0],
        x,
        [
          [p[2], p[6]],
          [p[3], p[7]],
        ],
        fill,
      ),
    );
  },
};

export const SUPPORTED_OPS = Object.keys(CONVERTERS).sort();

function activation(node: OnnxNode, ctx: OpContext): IrNode {
  return add(ctx, unary(node.output[0], ACTIVATIONS[node.opType], value(ctx, node, 0)));
}

function hardSigmoid(name: string, x: IrNode, alpha: number, beta: number): IrNode {
  return {
    name,
    op: 'hardsigmoid',
    inputs: [x.name],
    shape: [...x.shape],
    attrs: { alpha, beta },
    weights: NO_WEIGHTS,
  };
}

/** ONNX flattens NCHW in c, h, w order: a spatial input is transposed to CHW first. */
function flatten(ctx: OpContext, node: OnnxNode, x: IrNode): IrNode {
  if (x.op === 'globalavgpool' && soleConsumer(ctx, x.name)) {
    // GlobalAveragePool + Flatten is one pooling to [c], as in Keras (CAM looks for layer -> GAP -> Dense).
    x.attrs.keepDims = false;
    x.shape = [x.shape[2]];
    x.name = node.output[0];
    return x;
  }
  let src = x;
  if (x.shape.length === 3 && x.shape[0] * x.shape[1] > 1) {
    const [h, w, c] = x.shape;
    src = add(ctx, {
      name: `${node.output[0]}/nchw`,
      op: 'transpose',
      inputs: [x.name],
      shape: [c, h, w],
      attrs: { perm: [2, 0, 1] },
      weights: NO_WEIGHTS,
    });
  }
  return add(ctx, unary(node.output[0], 'flatten', src, [sizeOf(x.shape)]));
}

function pool(
  ctx: OpContext,
  node: OnnxNode,
  x: IrNode,
  op: 'maxpool' | 'avgpool',
  fill: number | undefined,
): IrNode {
  const [h, w] = spatial(ctx, node, x);
  const kernel = (attrInts(node, 'kernel_shape') ?? []) as [number, number];
  if (kernel.length !== 2) throw unsupported(ctx, node, 'only 2-D pooling is supported');
  const win = windowOf(ctx, node, h, w, kernel);
  if (win.dilation.some((d) => d !== 1)) throw unsupported(ctx, node, 'dilated pooling is not supported');
  let input = x;
  let padding = irPadding(win, h, w);
  // TF's 'same' average excludes the padding (count_include_pad 0), max ignores it: both exact.
  if (padding === undefined || (padding === 'same' && fill === 0)) {
    if (fill === undefined)
      throw unsupported(ctx, node, 'padding with count_include_pad 0 that is not TF "same" is not supported');
    input = add(ctx, padNode(`${node.output[0]}/pad`, x, win.pads, fill));
    padding = 'valid';
  }
  const [ih, iw] = input.shape;
  const shape = [
    windowAxis(ih, kernel[0], win.strides[0], padding).out,
    windowAxis(iw, kernel[1], win.strides[1], padding).out,
    x.shape[2],
  ];
  return add(ctx, {
    name: node.output[0],
    op,
    inputs: [input.name],
    shape,
    attrs: { pool: kernel, strides: win.strides, padding },
    weights: NO_WEIGHTS,
  });
}

/** Add/Mul: of two computed tensors an IR add/mul; with a constant, a per-channel affine (or a dense bias). */
function binary(op: 'add' | 'mul'): Converter {
  return (node, ctx) => {
    const [a, b] = node.input;
    const ca = ctx.consts.get(a);
    const cb = ctx.consts.get(b);
    if (ca === undefined && cb === undefined) {
      let xs = [value(ctx, node, 0), value(ctx, node, 1)];
      const same = xs[0].shape.join() === xs[1].shape.join();
      const gateOf = (g: IrNode, x: IrNode) =>
        g.shape.length === 3 && g.shape[0] === 1 && g.shape[1] === 1 && g.shape[2] === x.shape[2];
      if (!same && op === 'mul' && gateOf(xs[0], xs[1])) xs = [xs[1], xs[0]];
      if (!same && !(op === 'mul' && gateOf(xs[1], xs[0]))) {
        throw unsupported(
          ctx,
          node,
          `inputs of shapes [${xs[0].shape}] and [${xs[1].shape}] do not match (broadcasting is not supported)`,
        );
      }
      return add(ctx, {
        name: node.output[0],
        op,
        inputs: xs.map((x) => x.name),
        shape: [...xs[0].shape],
        attrs: NO_ATTRS,
        weights: NO_WEIGHTS,
      });
    }
    const x = ca === undefined ? value(ctx, node, 0) : value(ctx, node, 1);
    const c = (ca ?? cb)!;
    const ch = x.shape[x.shape.length - 1];
    const per = perChannel(ctx, node, c, ch);
    if (per === undefined)
      throw unsupported(ctx, node, `a constant of shape [${c.dims.join(', ')}] is not per-channel`);
    if (op === 'add' && x.op === 'dense' && x.weights.bias === undefined && soleConsumer(ctx, x.name)) {
      // MatMul + Add: the bias of the dense layer.
      x.weights.bias = per;
      x.name = node.output[0];
      return x;
    }
    const ones = new Float32Array(ch).fill(1);
    return add(
      ctx,
      op === 'add'
        ? affine(node.output[0], x, ones, per)
        : affine(node.output[0], x, per, new Float32Array(ch)),
    );
  };
}
