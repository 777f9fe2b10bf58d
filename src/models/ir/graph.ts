/**
 * The model IR: a small typed graph in topological order. Shapes are NHWC
 * without the batch dimension. Weights are plain Float32Arrays so that IR-level
 * transforms (parameter randomisation, other engines) need no tensor library.
 */

export type Padding = 'same' | 'valid';

interface NodeOf<O extends string, A, W> {
  /** Unique; the last node of a Keras layer carries the layer's name. */
  name: string;
  op: O;
  /** Names of the producing nodes, in argument order. */
  inputs: string[];
  /** Output shape without the batch dimension. */
  shape: number[];
  attrs: A;
  weights: W;
}

type NoAttrs = Record<string, never>;
type NoWeights = Record<string, never>;

export interface Conv2dAttrs {
  /** [kh, kw, cin, cout]. */
  kernelShape: [number, number, number, number];
  strides: [number, number];
  padding: Padding;
  dilation: [number, number];
  /**
   * A grouped (or depthwise) convolution imported as one dense conv with a block-diagonal
   * kernel: the number of blocks (absent: 1). Weights outside the blocks are structural zeros.
   */
  groups?: number;
}

export interface DenseAttrs {
  /** [cin, cout]. */
  kernelShape: [number, number];
}

export interface BatchNormAttrs {
  epsilon: number;
}

/** Inference batch norm: stored as the raw statistics plus the folded y = x * scale + shift. */
export interface BatchNormWeights {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  scale: Float32Array;
  shift: Float32Array;
}

export interface PoolAttrs {
  pool: [number, number];
  strides: [number, number];
  padding: Padding;
}

export type InputNode = NodeOf<'input', NoAttrs, NoWeights>;
export type Conv2dNode = NodeOf<'conv2d', Conv2dAttrs, { kernel: Float32Array; bias?: Float32Array }>;
export type DenseNode = NodeOf<'dense', DenseAttrs, { kernel: Float32Array; bias?: Float32Array }>;
export type BatchNormNode = NodeOf<'batchnorm', BatchNormAttrs, BatchNormWeights>;
export type UnaryOp = 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax' | 'identity' | 'flatten';
export type UnaryNode = NodeOf<UnaryOp, NoAttrs, NoWeights>;
export type LeakyReluNode = NodeOf<'leakyrelu', { alpha: number }, NoWeights>;
export type PoolNode = NodeOf<'maxpool' | 'avgpool', PoolAttrs, NoWeights>;
export type GlobalAvgPoolNode = NodeOf<'globalavgpool', { keepDims: boolean }, NoWeights>;
export type ReshapeNode = NodeOf<'reshape', NoAttrs, NoWeights>;
export type AddNode = NodeOf<'add', NoAttrs, NoWeights>;
/** Constant padding of the spatial axes: [[top, bottom], [left, right]] (-Infinity before a max-pool). */
export type PadNode = NodeOf<'pad', { pads: [[number, number], [number, number]]; value: number }, NoWeights>;
/** Concatenation along the last (channel) axis. */
export type ConcatNode = NodeOf<'concat', NoAttrs, NoWeights>;
/** Axis permutation without the batch axis (e.g. NHWC -> NCHW before an ONNX Flatten). */
export type TransposeNode = NodeOf<'transpose', { perm: number[] }, NoWeights>;
export type ClipNode = NodeOf<'clip', { min: number; max: number }, NoWeights>;
/** max(0, min(1, alpha * x + beta)). */
export type HardSigmoidNode = NodeOf<'hardsigmoid', { alpha: number; beta: number }, NoWeights>;
/** Elementwise product; the second input may be [1, 1, c] against [h, w, c] (squeeze-excite). */
export type MulNode = NodeOf<'mul', NoAttrs, NoWeights>;

export type IrNode =
  | InputNode
  | Conv2dNode
  | DenseNode
  | BatchNormNode
  | UnaryNode
  | LeakyReluNode
  | PoolNode
  | GlobalAvgPoolNode
  | ReshapeNode
  | AddNode
  | PadNode
  | ConcatNode
  | TransposeNode
  | ClipNode
  | HardSigmoidNode
  | MulNode;

export type IrOp = IrNode['op'];

export interface IrGraph {
  /** Topologically ordered; nodes[0] is the single input. */
  nodes: IrNode[];
  input: string;
  /** The node whose output is the logits (pre final activation). */
  output: string;
}

export const NO_ATTRS: NoAttrs = {};
export const NO_WEIGHTS: NoWeights = {};

export function nodeIndex(graph: IrGraph): Map<string, IrNode> {
  return new Map(graph.nodes.map((n) => [n.name, n]));
}

/** Number of consumers of each node (for fan-out gradient sums). */
export function consumers(graph: IrGraph): Map<string, string[]> {
  const out = new Map<string, string[]>(graph.nodes.map((n) => [n.name, []]));
  for (const n of graph.nodes) for (const i of n.inputs) out.get(i)?.push(n.name);
  return out;
}

export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** Inference batch norm's per-channel affine form: y = x * scale + shift. */
export function foldBatchNorm(
  p: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array },
  epsilon: number,
): { scale: Float32Array; shift: Float32Array } {
  const scale = new Float32Array(p.gamma.length);
  const shift = new Float32Array(p.gamma.length);
  for (let k = 0; k < scale.length; k++) {
    scale[k] = p.gamma[k] / Math.sqrt(p.variance[k] + epsilon);
    shift[k] = p.beta[k] - p.mean[k] * scale[k];
  }
  return { scale, shift };
}

/** An inference batch norm node over `input` (channels last), its affine form precomputed. */
export function batchNormNode(
  name: string,
  input: { name: string; shape: readonly number[] },
  p: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array },
  epsilon: number,
): BatchNormNode {
  return {
    name,
    op: 'batchnorm',
    inputs: [input.name],
    shape: [...input.shape],
    attrs: { epsilon },
    weights: { ...p, ...foldBatchNorm(p, epsilon) },
  };
}
