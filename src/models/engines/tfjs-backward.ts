/**
 * Our reverse pass: one backward rule per IR op, grouped in swappable tables
 * (gradient, guided backprop, deconvnet, DeepLIFT rescale, LRP).
 * Rules never call tf.grad: wasm lacks or is slow on several gradient kernels.
 */

import * as tf from '@tensorflow/tfjs-core';
import { XauditError } from '../../core/errors.js';
import {
  type BatchNormNode,
  type Conv2dNode,
  consumers,
  type DenseNode,
  type IrGraph,
  type IrNode,
  type IrOp,
  nodeIndex,
  type PoolNode,
} from '../ir/graph.js';
import { dilatedSize, windowAxis } from '../ir/windows.js';
import type { BackwardRules, GradientRequest, LrpConfig, LrpRule } from '../model.js';
import { avgPoolGrad, maxPoolGrad } from './pool-grad.js';
import { withHeapViews } from './tensor-io.js';
import { ONNX_OP_GRADIENT_RULES, ONNX_OP_LRP_RULES } from './tfjs-backward-ops.js';
import { forwardNode } from './tfjs-forward.js';
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
  /** deeplift: the node's forward inputs and output on the reference inputs. */
  ref?: { xs: tf.Tensor[]; y: tf.Tensor };
}

/** Returns the gradient for each forward input, in order. */
export type BackwardRule<N extends IrNode = IrNode> = (a: BackwardArgs<N>) => tf.Tensor[];

export type RuleTable = { [O in Exclude<IrOp, 'input'>]: BackwardRule<IrNode & { op: O }> };

const passThrough: BackwardRule = ({ dy }) => [dy];
const reshapeBack: BackwardRule = ({ xs, dy }) => [tf.reshape(dy, xs[0].shape)];

export const GRADIENT_RULES: RuleTable = {
  conv2d: convBackward,
  dense: ({ node, xs, dy, params }) => [denseInputGrad(node, xs[0], dy, params!.kernelT!, false)],
  batchnorm: ({ dy, params }) => [tf.mul(dy, params!.scale!)],
  // Masks use the forward input like tfjs' own gradients, so results match tf.grad at the kinks.
  relu: ({ xs, dy }) => [tf.mul(dy, tf.step(xs[0]))],
  // Open interval (0, 6), TF's Relu6Grad and PyTorch's: tfjs' own relu6 gradient passes x == 6.
  relu6: ({ xs, dy }) => [tf.mul(dy, tf.mul(tf.step(xs[0]), tf.cast(tf.less(xs[0], 6), 'float32')))],
  leakyrelu: ({ node, xs, dy }) => [tf.where(tf.greater(xs[0], 0), dy, tf.mul(dy, node.attrs.alpha))],
  sigmoid: ({ y, dy }) => [tf.mul(dy, tf.mul(y, tf.sub(1, y)))],
  tanh: ({ y, dy }) => [tf.mul(dy, tf.sub(1, tf.square(y)))],
  softmax: ({ y, dy }) => [tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)))],
  identity: passThrough,
  flatten: reshapeBack,
  reshape: reshapeBack,
  maxpool: (a) => [maxpoolGrad(a)],
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
  ...ONNX_OP_GRADIENT_RULES,
};

/**
 * Rules for two-node chains, used instead of the per-op rules where a table opts in: fusing
 * the elementwise masks into the JS loops saves whole-tensor passes on wasm.
 */
export interface FusedRules {
  /** relu -> maxpool (the relu feeding only the pool): the gradient with respect to the relu's input. */
  reluMaxpool?: (a: BackwardArgs<PoolNode>) => tf.Tensor;
}

/** The plain gradient through relu -> maxpool, the relu mask applied inside the pool loop. */
function reluMaxpoolGrad({ node, xs, dy }: BackwardArgs<PoolNode>): tf.Tensor {
  const [n, h, w, c] = xs[0].shape;
  const dims = { n, h, w, c };
  return withHeapViews(xs[0].shape, [xs[0], dy], (dx, x, g) => maxPoolGrad(x, g, dims, node.attrs, dx, true));
}

/**
 * Captum's GuidedBackprop: a relu passes only positive gradients, and only where its input was
 * positive (relu applied to the relu's ordinary input gradient). Other activations keep their
 * gradient, as Captum hooks nn.ReLU modules only.
 */
export const GUIDED_BACKPROP_RULES: RuleTable = {
  ...GRADIENT_RULES,
  relu: ({ xs, dy }) => [tf.mul(tf.relu(dy), tf.step(xs[0]))],
};

/** Captum's Deconvolution: a relu's backward is relu of the incoming gradient, ignoring its input. */
export const DECONVNET_RULES: RuleTable = { ...GRADIENT_RULES, relu: ({ dy }) => [tf.relu(dy)] };

/** Captum's DeepLift falls back to the gradient where |x - x0| is below this. */
const RESCALE_EPS = 1e-10;

/**
 * DeepLIFT rescale for an elementwise nonlinearity: m_in = m_out * (y - y0) / (x - x0), or the
 * gradient rule where x and x0 (nearly) coincide (Captum's `nonlinear`).
 */
function rescale<N extends IrNode>(grad: BackwardRule<N>): BackwardRule<N> {
  return (a) => {
    const { xs, y, dy } = a;
    const r = refOf(a);
    const dx = tf.sub(xs[0], r.xs[0]);
    const ratio = tf.div(tf.sub(y, r.y), dx);
    return [tf.where(tf.less(tf.abs(dx), RESCALE_EPS), grad(a)[0], tf.mul(dy, ratio))];
  };
}

function refOf(a: BackwardArgs): { xs: tf.Tensor[]; y: tf.Tensor } {
  if (a.ref === undefined)
    throw new XauditError('INTERNAL', `deeplift: no reference activations at '${a.node.name}'`);
  return a.ref;
}

/**
 * DeepLIFT rules (Captum's DeepLift, rescale): multipliers, so linear ops keep their gradient
 * rule. relu6 is rescaled too (Captum leaves nn.ReLU6 to autograd); that keeps summation-to-delta.
 */
export const DEEPLIFT_RULES: RuleTable = {
  ...GRADIENT_RULES,
  relu(a) {
    // The common case in one pass over the heap instead of ~9 whole-tensor ops: the same rule
    // as rescale(GRADIENT_RULES.relu), with relu(x) recomputed from the relu's input.
    const r = refOf(a);
    return [
      withHeapViews(a.xs[0].shape, [a.xs[0], r.xs[0], a.dy], (out, x, x0, g) => {
        for (let i = 0; i < out.length; i++) {
          const d = x[i] - x0[i];
          out[i] =
            Math.abs(d) < RESCALE_EPS
              ? x[i] > 0
                ? g[i]
                : 0
              : (g[i] * ((x[i] > 0 ? x[i] : 0) - (x0[i] > 0 ? x0[i] : 0))) / d;
        }
      }),
    ];
  },
  relu6: rescale(GRADIENT_RULES.relu6),
  clip: rescale(GRADIENT_RULES.clip),
  hardsigmoid: rescale(GRADIENT_RULES.hardsigmoid),
  leakyrelu: rescale(GRADIENT_RULES.leakyrelu),
  sigmoid: rescale(GRADIENT_RULES.sigmoid),
  tanh: rescale(GRADIENT_RULES.tanh),
  softmax(a) {
    // Captum's `softmax`: elementwise rescale, then the mean removed so the rows' multipliers sum
    // as softmax's outputs do. Captum takes that mean over the whole batch tensor; we take it per sample.
    const u = rescale(GRADIENT_RULES.softmax)(a)[0];
    const axes = u.shape.slice(1).map((_, i) => i + 1);
    return [tf.sub(u, tf.mean(u, axes, true))];
  },
  maxpool(a) {
    // Captum's `maxpool`: with ym = max(y, y0), dy * (ym - y0) goes to x's window maxima and
    // dy * (y - ym) to x0's, divided by x - x0; so each window contributes dy * (y - y0) in sum.
    const { node, xs, y, dy } = a;
    const r = refOf(a);
    const [n, h, w, c] = xs[0].shape;
    const dims = { n, h, w, c };
    const ym = tf.maximum(y, r.y);
    const gx = tf.mul(dy, tf.sub(ym, r.y));
    const gr = tf.mul(dy, tf.sub(y, ym));
    const num = withHeapViews(xs[0].shape, [xs[0], gx, r.xs[0], gr], (out, x, g1, x0, g2) => {
      maxPoolGrad(x, g1, dims, node.attrs, out);
      maxPoolGrad(x0, g2, dims, node.attrs, out);
    });
    const dx = tf.sub(xs[0], r.xs[0]);
    return [tf.where(tf.less(tf.abs(dx), RESCALE_EPS), maxpoolGrad(a), tf.div(num, dx))];
  },
};

/** The rule tables that need no configuration. */
export type StaticRules = Exclude<BackwardRules, 'lrp'>;

export const RULE_TABLES: Record<StaticRules, RuleTable> = {
  gradient: GRADIENT_RULES,
  'guided-backprop': GUIDED_BACKPROP_RULES,
  deconvnet: DECONVNET_RULES,
  deeplift: DEEPLIFT_RULES,
};

export const FUSED_RULES: Record<StaticRules, FusedRules> = {
  gradient: { reluMaxpool: reluMaxpoolGrad },
  // The pool's gradient with the relu's mask, then the guided relu's clamp: the same as unfused.
  'guided-backprop': { reluMaxpool: (a) => tf.relu(reluMaxpoolGrad(a)) },
  // Deconvnet ignores the relu's input: clamp the pool's plain gradient.
  deconvnet: { reluMaxpool: (a) => tf.relu(maxpoolGrad(a)) },
  // The relu's multiplier needs its own input and reference: no fusion.
  deeplift: {},
};

/** zennit's fixed stabiliser of every LRP rule but epsilon's. */
const LRP_STABILIZER = 1e-6;

/** z + eps * sign(z), with sign(0) = 1 (zennit's stabilize). */
function stabilize(z: tf.Tensor, eps: number): tf.Tensor {
  return eps === 0
    ? z
    : tf.add(z, tf.mul(tf.sub(tf.mul(tf.cast(tf.greaterEqual(z, 0), 'float32'), 2), 1), eps));
}

/** r / stabilize(z); 0 where the denominator is exactly 0 (possible with epsilon 0). */
function relDiv(r: tf.Tensor, z: tf.Tensor, eps: number): tf.Tensor {
  return tf.divNoNan(r, stabilize(z, eps));
}

type LinearNode = Conv2dNode | DenseNode;

/** The layer's forward with other weights (bias omitted when undefined). */
function linearForward(node: LinearNode, x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return forwardNode(node, [x], { kernel, bias: bias as tf.Tensor1D | undefined });
}

/** The layer's backprop-input with other weights. */
function linearBackward(node: LinearNode, x: tf.Tensor, s: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
  return node.op === 'conv2d'
    ? convInputGrad(node, x, s, kernel as tf.Tensor4D)
    : denseInputGrad(node, x, s, kernel, true);
}

const positive = (t: tf.Tensor) => tf.relu(t);
const negative = (t: tf.Tensor) => tf.neg(tf.relu(tf.neg(t)));

interface LinearArgs {
  node: LinearNode;
  x: tf.Tensor;
  r: tf.Tensor;
  w: tf.Tensor;
  b?: tf.Tensor;
  cfg: LrpConfig;
}

/**
 * R shared in proportion to the contributions of x+ through `wa` (plus `bias`) and of x- through
 * `wb`: x+ * wa^T s + x- * wb^T s with s = R / stabilize(wa x+ + bias + wb x-).
 */
function signedShare(
  node: LinearNode,
  x: tf.Tensor,
  r: tf.Tensor,
  wa: tf.Tensor,
  wb: tf.Tensor,
  bias?: tf.Tensor,
): tf.Tensor {
  const xp = positive(x);
  const xn = negative(x);
  const z = tf.add(linearForward(node, xp, wa, bias), linearForward(node, xn, wb));
  const s = relDiv(r, z, LRP_STABILIZER);
  return tf.add(tf.mul(xp, linearBackward(node, x, s, wa)), tf.mul(xn, linearBackward(node, x, s, wb)));
}

/** One LRP rule per name, each zennit's rule of that name; relevance in, relevance out. */
const LRP_LINEAR: Record<LrpRule, (a: LinearArgs) => tf.Tensor> = {
  epsilon({ node, x, r, w, b, cfg }) {
    const s = relDiv(r, linearForward(node, x, w, b), cfg.epsilon);
    return tf.mul(x, linearBackward(node, x, s, w));
  },
  gamma({ node, x, r, w, b, cfg }) {
    // zennit's generalised Gamma: positive outputs take the positive-boosted contributions
    // (x+ with W + gW+, x- with W + gW-), negative outputs the opposite ones.
    const g = cfg.gamma;
    const wp = tf.add(w, tf.mul(positive(w), g));
    const wn = tf.add(w, tf.mul(negative(w), g));
    const bp = b === undefined ? undefined : tf.add(b, tf.mul(positive(b), g));
    const bn = b === undefined ? undefined : tf.add(b, tf.mul(negative(b), g));
    const z = linearForward(node, x, w, b);
    const rp = tf.mul(r, tf.cast(tf.greater(z, 0), 'float32'));
    const rn = tf.mul(r, tf.cast(tf.less(z, 0), 'float32'));
    return tf.add(signedShare(node, x, rp, wp, wn, bp), signedShare(node, x, rn, wn, wp, bn));
  },
  'alpha-beta'({ node, x, r, w, b, cfg }) {
    // zennit's AlphaBeta: the positive part (x+ W+ + x- W- + b+) and the negative part
    // (x+ W- + x- W+ + b-) each share R in proportion; ZPlus is alpha 1, beta 0.
    const wp = positive(w);
    const wn = negative(w);
    const pos = signedShare(node, x, r, wp, wn, b === undefined ? undefined : positive(b));
    if (cfg.beta === 0) return cfg.alpha === 1 ? pos : tf.mul(pos, cfg.alpha);
    const neg = signedShare(node, x, r, wn, wp, b === undefined ? undefined : negative(b));
    return tf.sub(tf.mul(pos, cfg.alpha), tf.mul(neg, cfg.beta));
  },
  flat({ node, x, r, w }) {
    // zennit's Flat: weights and inputs replaced by ones, no bias; relevance spreads over the receptive field.
    const ones = tf.onesLike(w);
    const s = relDiv(r, linearForward(node, tf.onesLike(x), ones), LRP_STABILIZER);
    return linearBackward(node, x, s, ones);
  },
  zbox({ node, x, r, w, cfg }) {
    // zennit's ZBox: z = Wx - W+ low - W- high (the biases cancel), inputs bounded by [low, high].
    if (cfg.low === undefined || cfg.high === undefined || cfg.low.length !== sizeOfShape(x.shape.slice(1))) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `LRP zbox needs the input bounds of layer '${node.name}': it must read the model input (reshaped at most)`,
      );
    }
    const shape = [1, ...x.shape.slice(1)];
    const lo = tf.tensor(cfg.low, shape);
    const hi = tf.tensor(cfg.high, shape);
    const wp = positive(w);
    const wn = negative(w);
    const z = tf.sub(
      tf.sub(linearForward(node, x, w), linearForward(node, lo, wp)),
      linearForward(node, hi, wn),
    );
    const s = relDiv(r, z, LRP_STABILIZER);
    return tf.sub(
      tf.sub(tf.mul(x, linearBackward(node, x, s, w)), tf.mul(lo, linearBackward(node, x, s, wp))),
      tf.mul(hi, linearBackward(node, x, s, wn)),
    );
  },
};

function sizeOfShape(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** zennit's Norm for parameter-free linear ops: x * back(R / stabilize(y)). */
function norm<N extends IrNode>(back: BackwardRule<N>): BackwardRule<N> {
  return (a) => {
    const s = relDiv(a.dy, a.y, LRP_STABILIZER);
    return back({ ...a, dy: s }).map((g, k) => tf.mul(a.xs[k], g));
  };
}

/**
 * LRP as a rule table: the backward quantity is relevance. conv2d/dense use the configured
 * rules (`first` for the first of them in topological order); activations pass relevance
 * through (zennit's Pass); max-pool routes it to each window's maximum (its gradient, as zennit
 * leaves max-pool); add and average pools split it in proportion to their inputs (zennit's Norm).
 * Batchnorm uses epsilon (Captum's rule for BatchNorm2d); with cfg.foldBatchnorm one right after
 * a conv/dense (its only consumer) is folded into that layer's weights instead and passes
 * relevance through (zennit's SequentialMergeBatchNorm canonizer).
 * Conserving: with bias-free layers and no stabiliser every node's relevance sums to its output's.
 */
export function lrpRules(cfg: LrpConfig, graph: IrGraph): RuleTable {
  const first = graph.nodes.find((n) => n.op === 'conv2d' || n.op === 'dense')?.name;
  const byName = nodeIndex(graph);
  const next = consumers(graph);
  /** conv/dense name -> the batchnorm folded into it. */
  const folded = new Map<string, BatchNormNode>();
  for (const node of cfg.foldBatchnorm === true ? graph.nodes : []) {
    const src = node.op === 'batchnorm' ? byName.get(node.inputs[0]) : undefined;
    if ((src?.op === 'conv2d' || src?.op === 'dense') && next.get(src.name)?.length === 1) {
      folded.set(src.name, node as BatchNormNode);
    }
  }
  const foldedInto = new Set([...folded.values()].map((n) => n.name));
  const linear =
    (kind: 'conv' | 'dense') =>
    ({ node, xs, dy, params }: BackwardArgs<LinearNode>): tf.Tensor[] => {
      const rule = node.name === first && cfg.first !== undefined ? cfg.first : cfg[kind];
      let w = params!.kernel!;
      let b: tf.Tensor | undefined = params!.bias;
      const bn = folded.get(node.name);
      if (bn !== undefined) {
        // W' = W * scale over output channels, b' = b * scale + shift.
        const scale = tf.tensor1d(bn.weights.scale);
        const shift = tf.tensor1d(bn.weights.shift);
        w = tf.mul(w, scale);
        b = b === undefined ? shift : tf.add(tf.mul(b, scale), shift);
      }
      return [LRP_LINEAR[rule]({ node, x: xs[0], r: dy, w, b, cfg })];
    };
  return {
    conv2d: linear('conv'),
    dense: linear('dense'),
    batchnorm({ node, xs, dy, params }) {
      if (foldedInto.has(node.name)) return [dy];
      const z = tf.add(tf.mul(xs[0], params!.scale!), params!.shift!);
      return [tf.mul(tf.mul(xs[0], params!.scale!), relDiv(dy, z, cfg.epsilon))];
    },
    relu: passThrough,
    relu6: passThrough,
    leakyrelu: passThrough,
    sigmoid: passThrough,
    tanh: passThrough,
    softmax: passThrough,
    identity: passThrough,
    flatten: reshapeBack,
    reshape: reshapeBack,
    maxpool: GRADIENT_RULES.maxpool,
    avgpool: norm(GRADIENT_RULES.avgpool),
    globalavgpool: norm(GRADIENT_RULES.globalavgpool),
    add: norm(GRADIENT_RULES.add),
    ...ONNX_OP_LRP_RULES,
  };
}

/** The rules a gradient request asks for, as the engine applies them. */
export interface RuleSet {
  table: RuleTable;
  fused: FusedRules;
  /** The rules read conv/dense outputs before their relu: the forward must not fuse relus. */
  preActivations: boolean;
}

export function ruleSet(req: GradientRequest, graph: IrGraph): RuleSet {
  const rules = req.rules ?? 'gradient';
  if (rules === 'lrp') {
    if (req.lrp === undefined) throw new XauditError('INTERNAL', "gradient: rules 'lrp' need an lrp config");
    // Relevance through relu -> maxpool is the pool's routing alone: the per-op rules do it.
    return { table: lrpRules(req.lrp, graph), fused: {}, preActivations: false };
  }
  if (rules === 'deeplift' && req.reference === undefined) {
    throw new XauditError('INTERNAL', "gradient: rules 'deeplift' need reference inputs");
  }
  return { table: RULE_TABLES[rules], fused: FUSED_RULES[rules], preActivations: rules === 'deeplift' };
}

function maxpoolGrad({ node, xs, dy }: BackwardArgs<PoolNode>): tf.Tensor {
  const [n, h, w, c] = xs[0].shape;
  return withHeapViews(xs[0].shape, [xs[0], dy], (dx, x, g) =>
    maxPoolGrad(x, g, { n, h, w, c }, node.attrs, dx),
  );
}

/** Applies the table's rule for `node` (the table is indexed by op; the cast is the union narrowing). */
export function backward(table: RuleTable, a: BackwardArgs): tf.Tensor[] {
  if (a.node.op === 'input') return [];
  const rule = table[a.node.op] as BackwardRule;
  return rule(a);
}

function convBackward({ node, xs, dy, params }: BackwardArgs<Conv2dNode>): tf.Tensor[] {
  return [convInputGrad(node, xs[0], dy, params!.kernel as tf.Tensor4D, params!.kernelFlipped)];
}

/** dense backprop-input with `k`: the kernel [cin, cout] when `plain`, else its transpose [cout, cin]. */
function denseInputGrad(
  node: DenseNode,
  x: tf.Tensor,
  dy: tf.Tensor,
  k: tf.Tensor,
  plain: boolean,
): tf.Tensor {
  const [cin] = node.attrs.kernelShape;
  const d2 = (dy.rank === 2 ? dy : tf.reshape(dy, [-1, dy.shape[dy.rank - 1]])) as tf.Tensor2D;
  const dx = tf.matMul(d2, k as tf.Tensor2D, false, plain);
  return x.rank === 2 ? dx : tf.reshape(dx, [...x.shape.slice(0, -1), cin]);
}

/** conv2d backprop-input with `kernel`; `flipped` is its rotated filter where precomputed. */
function convInputGrad(
  node: Conv2dNode,
  xt: tf.Tensor,
  dy: tf.Tensor,
  kernel: tf.Tensor4D,
  flipped?: tf.Tensor4D,
): tf.Tensor {
  const x = xt as tf.Tensor4D;
  const a = node.attrs;
  const [, h, w] = x.shape;
  const d4 = dy as tf.Tensor4D;
  if (a.strides[0] !== 1 || a.strides[1] !== 1) {
    // Strided: dilation is 1 here (the importer rejects stride and dilation together).
    return tf.conv2dTranspose(d4, kernel, x.shape, a.strides, a.padding);
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
  // R[i, j, co, ci] = W[kh-1-i, kw-1-j, ci, co], as tfjs-params builds it for the model's own kernels.
  const filter = flipped ?? tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
  if (top === bottom && left === right && 2 * top === ekh - 1 && 2 * left === ekw - 1) {
    return tf.conv2d(d4, filter, 1, 'same', 'NHWC', a.dilation);
  }
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  return tf.conv2d(d4, filter, 1, pad, 'NHWC', a.dilation);
}
