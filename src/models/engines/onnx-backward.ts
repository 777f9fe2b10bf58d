/**
 * The plain input gradient of an IR graph as an ONNX model, run in onnxruntime: the forward ops
 * re-emitted from the IR's weights (NCHW inside) followed by hand-written backward ops, so one
 * session.run gives the logits and d sum(logits * output_grad) / dx near the CPU's peak.
 *
 * Inputs: `x` [n, ...IR input shape] (NHWC for images, as xaudit passes them) and `output_grad`
 * [n, outputs]; outputs: `logits` and `input_grad` (x's layout). The batch axis is symbolic.
 * Backward rules follow GRADIENT_RULES of tfjs-backward.ts (clip's closed interval; relu and
 * relu6 masks taken from their outputs so that onnxruntime keeps Conv + Relu/Clip fused: the
 * same mask but for relu6 at x == 6 exactly, where this gives PyTorch's 0 and tfjs 1; max-pool's
 * gradient to each window's first maximum in row-major order, overlapping windows summed:
 * MaxPool's Indices + ScatterElements(reduction add), MaxUnpool where windows do not overlap). Only
 * 'gradient' rules: guided/deeplift/lrp and layer captures stay on the tfjs engine.
 * An op this emitter cannot write throws BackwardUnsupported: the caller falls back to tfjs.
 */

import {
  encodeModel,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from '../importers/onnx-proto.js';
import type { Conv2dNode, IrGraph, IrNode, PoolNode } from '../ir/graph.js';
import { nodeIndex } from '../ir/graph.js';
import { dilatedSize, windowAxis } from '../ir/windows.js';

export class BackwardUnsupported extends Error {}

export const BACKWARD_INPUT = 'x';
export const BACKWARD_OUTPUT_GRAD = 'output_grad';
export const BACKWARD_LOGITS = 'logits';
export const BACKWARD_INPUT_GRAD = 'input_grad';

const OPSET = 17;
const FLOAT = 1;
const INT64 = 7;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** 'nchw': a rank-3 IR value [h, w, c] held as [n, c, h, w]; 'plain': [n, ...IR shape]. */
type Layout = 'nchw' | 'plain';

interface Value {
  name: string;
  layout: Layout;
}

type Attr = number | number[] | string | { f: number };

/** Emits the ONNX ModelProto bytes; throws BackwardUnsupported where an op cannot be written. */
export function emitBackwardModel(graph: IrGraph): Uint8Array {
  return encodeModel(new Emitter(graph).build());
}

class Emitter {
  private readonly nodes: OnnxNode[] = [];
  private readonly inits: OnnxTensor[] = [];
  private readonly byName: Map<string, IrNode>;
  private counter = 0;
  private live = new Set<string>();
  /** Forward value of each IR node. */
  private readonly acts = new Map<string, Value>();
  /** Accumulated gradient of each IR node, in the layout of its forward value. */
  private readonly grads = new Map<string, string[]>();
  private readonly converted = new Map<string, string>();
  private readonly scalars = new Map<string, string>();

  constructor(private readonly graph: IrGraph) {
    this.byName = nodeIndex(graph);
  }

  build(): OnnxModel {
    const g = this.graph;
    const live = this.ancestors();
    this.live = live;
    const order = g.nodes.filter((n) => live.has(n.name));
    const out = this.byName.get(g.output)!;
    if (out.shape.length !== 1) throw new BackwardUnsupported(`logits of shape [${out.shape}] (not [k])`);
    const inputNode = g.nodes[0];
    for (const node of order) this.forward(node);
    const logits = this.acts.get(g.output)!;
    this.op('Identity', [logits.name], [BACKWARD_LOGITS]);
    this.grads.set(g.output, [BACKWARD_OUTPUT_GRAD]);
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      if (node.op === 'input') continue;
      const dy = this.grad(node.name);
      if (dy === undefined) continue;
      this.backward(node, dy);
    }
    const gx = this.grad(inputNode.name);
    if (gx === undefined) {
      // No path from the input to the logits: a zero gradient.
      this.op('Mul', [BACKWARD_INPUT, this.scalar(0)], [BACKWARD_INPUT_GRAD]);
    } else {
      const plain = this.convert(gx, this.acts.get(inputNode.name)!.layout, 'plain', inputNode.shape.length);
      this.op('Identity', [plain], [BACKWARD_INPUT_GRAD]);
    }
    const k = out.shape[0];
    const dims = (shape: number[]) => [{ dimParam: 'n' }, ...shape.map((d) => ({ dimValue: d }))];
    const vi = (name: string, shape: number[]) => ({
      name,
      type: { tensorType: { elemType: FLOAT, shape: { dim: dims(shape) } } },
    });
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: 'xaudit_backward',
        node: this.nodes,
        initializer: this.inits,
        input: [vi(BACKWARD_INPUT, inputNode.shape), vi(BACKWARD_OUTPUT_GRAD, [k])],
        output: [vi(BACKWARD_LOGITS, [k]), vi(BACKWARD_INPUT_GRAD, inputNode.shape)],
      },
    } as OnnxModel;
  }

  private ancestors(): Set<string> {
    const live = new Set<string>();
    const stack = [this.graph.output];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (live.has(name)) continue;
      live.add(name);
      const node = this.byName.get(name);
      if (node === undefined) throw new BackwardUnsupported(`unknown node '${name}'`);
      stack.push(...node.inputs);
    }
    return live;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private fresh(hint: string): string {
    return `${hint}__${this.counter++}`;
  }

  private op(type: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): void {
    // '__zero' (the backward rules' shared 0): the scalar is created on first use.
    inputs = inputs.map((i) => (i === '__zero' ? this.scalar(0) : i));
    const attribute: OnnxAttribute[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'string')
        return { name, s: new TextEncoder().encode(v), type: ATTR.STRING, floats: [], ints: [] };
      if (Array.isArray(v)) return { name, ints: v, type: ATTR.INTS, floats: [] };
      if (typeof v === 'number') return { name, i: v, type: ATTR.INT, floats: [], ints: [] };
      return { name, f: v.f, type: ATTR.FLOAT, floats: [], ints: [] };
    });
    this.nodes.push({ input: inputs, output: outputs, name: this.fresh(type), opType: type, attribute });
  }

  /** A one-output node; returns its output name. */
  private op1(type: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = type): string {
    const out = this.fresh(hint);
    this.op(type, inputs, [out], attrs);
    return out;
  }

  private floats(hint: string, dims: number[], data: ArrayLike<number>): string {
    const name = this.fresh(hint);
    const f = Float32Array.from(data);
    this.inits.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength),
      floatData: [],
      int32Data: [],
      int64Data: [],
      doubleData: [],
    });
    return name;
  }

  private ints(hint: string, data: number[]): string {
    const name = this.fresh(hint);
    this.inits.push({
      name,
      dims: [data.length],
      dataType: INT64,
      int64Data: data,
      floatData: [],
      int32Data: [],
      doubleData: [],
    });
    return name;
  }

  /** A float scalar constant (shared). */
  private scalar(v: number): string {
    const key = String(v);
    let name = this.scalars.get(key);
    if (name === undefined) {
      name = this.floats('scalar', [], [v]);
      this.scalars.set(key, name);
    }
    return name;
  }

  /** `t` (an IR value of rank `rank` held in layout `from`) in layout `to`. */
  private convert(t: string, from: Layout, to: Layout, rank: number): string {
    if (from === to || rank !== 3) return t;
    const key = `${t}->${to}`;
    let name = this.converted.get(key);
    if (name === undefined) {
      name = this.op1('Transpose', [t], { perm: to === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1] });
      this.converted.set(key, name);
    }
    return name;
  }

  private input(node: IrNode, k: number, layout: Layout): string {
    const src = this.byName.get(node.inputs[k])!;
    const v = this.acts.get(src.name)!;
    return this.convert(v.name, v.layout, layout, src.shape.length);
  }

  /** The layout an op works in for a value of this rank. */
  private static spatial(rank: number): Layout {
    return rank === 3 ? 'nchw' : 'plain';
  }

  private set(node: IrNode, name: string, layout: Layout): void {
    this.acts.set(node.name, { name, layout: node.shape.length === 3 ? layout : 'plain' });
  }

  /** Adds `g` (held in `layout`) to the gradient of input k of `node`. */
  private addGrad(node: IrNode, k: number, g: string, layout: Layout): void {
    const src = this.byName.get(node.inputs[k])!;
    const target = this.acts.get(src.name)!.layout;
    const t = this.convert(g, layout, target, src.shape.length);
    const list = this.grads.get(src.name);
    if (list === undefined) this.grads.set(src.name, [t]);
    else list.push(t);
  }

  /** The summed gradient of a node, or undefined if none reached it. */
  private grad(name: string): string | undefined {
    const list = this.grads.get(name);
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const sum = this.op1('Sum', list, {}, 'gradsum');
    this.grads.set(name, [sum]);
    return sum;
  }

  private windowPads(
    h: number,
    w: number,
    k: [number, number],
    s: [number, number],
    padding: 'same' | 'valid',
  ) {
    const ay = windowAxis(h, k[0], s[0], padding);
    const ax = windowAxis(w, k[1], s[1], padding);
    return { ay, ax, pads: [ay.before, ax.before, ay.after, ax.after] };
  }

  // ---- forward ------------------------------------------------------------------------------

  private forward(node: IrNode): void {
    const L = Emitter.spatial(node.shape.length);
    switch (node.op) {
      case 'input':
        this.acts.set(node.name, { name: BACKWARD_INPUT, layout: 'plain' });
        return;
      case 'conv2d': {
        const { weight, group } = convWeight(node);
        const w = this.floats('conv_w', weight.dims, weight.data);
        this.convWeights.set(node.name, { w, group });
        const src = this.byName.get(node.inputs[0])!;
        const [h, wd] = src.shape;
        const a = node.attrs;
        const ek: [number, number] = [
          dilatedSize(a.kernelShape[0], a.dilation[0]),
          dilatedSize(a.kernelShape[1], a.dilation[1]),
        ];
        const { pads } = this.windowPads(h, wd, ek, a.strides, a.padding);
        const ins = [this.input(node, 0, 'nchw'), w];
        if (node.weights.bias !== undefined)
          ins.push(this.floats('conv_b', [a.kernelShape[3]], node.weights.bias));
        const y = this.op1('Conv', ins, {
          kernel_shape: [a.kernelShape[0], a.kernelShape[1]],
          strides: [...a.strides],
          dilations: [...a.dilation],
          pads,
          group,
        });
        this.set(node, y, 'nchw');
        return;
      }
      case 'dense': {
        const src = this.byName.get(node.inputs[0])!;
        if (src.shape.length !== 1)
          throw new BackwardUnsupported(`dense '${node.name}' on a rank-${src.shape.length} input`);
        const [cin, cout] = node.attrs.kernelShape;
        const w = this.floats('dense_w', [cin, cout], node.weights.kernel);
        this.denseWeights.set(node.name, w);
        const ins = [this.input(node, 0, 'plain'), w];
        if (node.weights.bias !== undefined) ins.push(this.floats('dense_b', [cout], node.weights.bias));
        this.set(node, this.op1('Gemm', ins), 'plain');
        return;
      }
      case 'batchnorm': {
        const c = node.shape[node.shape.length - 1];
        const dims =
          L === 'nchw' ? [1, c, 1, 1] : node.shape.map((d, i) => (i === node.shape.length - 1 ? d : 1));
        const scale = this.floats('bn_scale', dims, node.weights.scale);
        this.bnScales.set(node.name, scale);
        const shift = this.floats('bn_shift', dims, node.weights.shift);
        const x = this.input(node, 0, L);
        this.set(node, this.op1('Add', [this.op1('Mul', [x, scale]), shift]), L);
        return;
      }
      case 'relu':
        this.set(node, this.op1('Relu', [this.input(node, 0, L)]), L);
        return;
      case 'relu6':
        this.set(node, this.op1('Clip', [this.input(node, 0, L), this.scalar(0), this.scalar(6)]), L);
        return;
      case 'leakyrelu':
        this.set(
          node,
          this.op1('LeakyRelu', [this.input(node, 0, L)], { alpha: { f: node.attrs.alpha } }),
          L,
        );
        return;
      case 'sigmoid':
        this.set(node, this.op1('Sigmoid', [this.input(node, 0, L)]), L);
        return;
      case 'tanh':
        this.set(node, this.op1('Tanh', [this.input(node, 0, L)]), L);
        return;
      case 'softmax':
        if (node.shape.length !== 1)
          throw new BackwardUnsupported(`softmax '${node.name}' of rank ${node.shape.length}`);
        this.set(node, this.op1('Softmax', [this.input(node, 0, 'plain')], { axis: -1 }), 'plain');
        return;
      case 'identity': {
        const src = this.acts.get(node.inputs[0])!;
        this.acts.set(node.name, src);
        return;
      }
      case 'flatten':
      case 'reshape': {
        const x = this.input(node, 0, 'plain');
        this.set(node, this.op1('Reshape', [x, this.ints('shape', [0, ...node.shape])]), 'plain');
        return;
      }
      case 'maxpool':
      case 'avgpool': {
        const src = this.byName.get(node.inputs[0])!;
        const [h, w] = src.shape;
        const a = node.attrs;
        const { pads } = this.windowPads(h, w, a.pool, a.strides, a.padding);
        const x = this.input(node, 0, 'nchw');
        const attrs: Record<string, Attr> = { kernel_shape: [...a.pool], strides: [...a.strides], pads };
        if (node.op === 'maxpool') {
          const y = this.fresh('maxpool');
          const idx = this.fresh('maxpool_idx');
          this.op('MaxPool', [x], [y, idx], attrs);
          this.poolIndices.set(node.name, idx);
          this.set(node, y, 'nchw');
        } else {
          this.set(node, this.op1('AveragePool', [x], { ...attrs, count_include_pad: 0 }), 'nchw');
        }
        return;
      }
      case 'globalavgpool': {
        const y = this.op1('GlobalAveragePool', [this.input(node, 0, 'nchw')]);
        if (node.attrs.keepDims) this.set(node, y, 'nchw');
        else this.set(node, this.op1('Reshape', [y, this.ints('shape', [0, -1])]), 'plain');
        return;
      }
      case 'add': {
        const ins = node.inputs.map((_, k) => this.input(node, k, L));
        this.set(node, ins.length === 2 ? this.op1('Add', ins) : this.op1('Sum', ins), L);
        return;
      }
      case 'mul': {
        const ins = node.inputs.map((_, k) => this.input(node, k, L));
        this.set(node, this.op1('Mul', ins), L);
        return;
      }
      case 'pad': {
        if (node.shape.length !== 3)
          throw new BackwardUnsupported(`pad '${node.name}' of rank ${node.shape.length}`);
        const [[t, b], [l, r]] = node.attrs.pads;
        const pads = this.ints('pads', [0, 0, t, l, 0, 0, b, r]);
        this.set(
          node,
          this.op1('Pad', [this.input(node, 0, 'nchw'), pads, this.scalar(node.attrs.value)]),
          'nchw',
        );
        return;
      }
      case 'concat': {
        const ins = node.inputs.map((_, k) => this.input(node, k, L));
        this.set(node, this.op1('Concat', ins, { axis: L === 'nchw' ? 1 : -1 }), L);
        return;
      }
      case 'transpose': {
        const src = this.byName.get(node.inputs[0])!;
        const v = this.acts.get(src.name)!;
        const perm = transposePerm(node.attrs.perm, v.layout, src.shape.length);
        this.transposePerms.set(node.name, perm);
        const y = perm.every((p, i) => p === i) ? v.name : this.op1('Transpose', [v.name], { perm });
        this.acts.set(node.name, { name: y, layout: 'plain' });
        return;
      }
      case 'clip':
        this.set(
          node,
          this.op1('Clip', [
            this.input(node, 0, L),
            this.scalar(node.attrs.min),
            this.scalar(node.attrs.max),
          ]),
          L,
        );
        return;
      case 'hardsigmoid':
        this.set(
          node,
          this.op1('HardSigmoid', [this.input(node, 0, L)], {
            alpha: { f: node.attrs.alpha },
            beta: { f: node.attrs.beta },
          }),
          L,
        );
        return;
      default:
        throw new BackwardUnsupported(`op '${(node as IrNode).op}' (node '${(node as IrNode).name}')`);
    }
  }

  private readonly convWeights = new Map<string, { w: string; group: number }>();
  private readonly denseWeights = new Map<string, string>();
  private readonly bnScales = new Map<string, string>();
  private readonly poolIndices = new Map<string, string>();
  private readonly transposePerms = new Map<string, number[]>();

  // ---- backward -----------------------------------------------------------------------------

  /** `dy` is in the layout of the node's forward value. */
  private backward(node: IrNode, dy: string): void {
    const L = this.acts.get(node.name)!.layout;
    const xIn = (k: number) => this.input(node, k, L);
    const zero = '__zero';
    switch (node.op) {
      case 'conv2d': {
        const { w, group } = this.convWeights.get(node.name)!;
        const src = this.byName.get(node.inputs[0])!;
        const [h, wd] = src.shape;
        const a = node.attrs;
        const ek: [number, number] = [
          dilatedSize(a.kernelShape[0], a.dilation[0]),
          dilatedSize(a.kernelShape[1], a.dilation[1]),
        ];
        const { ay, ax, pads } = this.windowPads(h, wd, ek, a.strides, a.padding);
        if (a.strides[0] === 1 && a.strides[1] === 1) {
          // Stride 1: a full correlation of dy with the rotated, in/out-transposed filter, padded
          // so that the output is the input's size. onnxruntime's Conv (NCHWc kernels) is ~2x its
          // ConvTranspose here.
          const top = ek[0] - 1 - ay.before;
          const left = ek[1] - 1 - ax.before;
          const bottom = h - ay.out - top + ek[0] - 1;
          const right = wd - ax.out - left + ek[1] - 1;
          if (Math.min(top, left, bottom, right) >= 0) {
            const flipped = this.floats('conv_wt', ...flippedWeight(node, group));
            const g = this.op1('Conv', [dy, flipped], {
              kernel_shape: [a.kernelShape[0], a.kernelShape[1]],
              dilations: [...a.dilation],
              pads: [top, left, bottom, right],
              group,
            });
            this.addGrad(node, 0, g, 'nchw');
            return;
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
          kernel_shape: [a.kernelShape[0], a.kernelShape[1]],
          strides: [...a.strides],
          dilations: [...a.dilation],
          pads,
          group,
        };
        if (opad.some((p) => p !== 0)) attrs.output_padding = opad;
        this.addGrad(node, 0, this.op1('ConvTranspose', [dy, w], attrs), 'nchw');
        return;
      }
      case 'dense': {
        const w = this.denseWeights.get(node.name)!;
        this.addGrad(node, 0, this.op1('Gemm', [dy, w], { transB: 1 }), 'plain');
        return;
      }
      case 'batchnorm':
        this.addGrad(node, 0, this.op1('Mul', [dy, this.bnScales.get(node.name)!]), L);
        return;
      case 'relu': {
        // relu(x) > 0 iff x > 0: the mask from the output leaves the producer's only consumer the Relu, so that onnxruntime fuses
        // Conv + Relu in the forward part.
        this.addGrad(node, 0, this.op1('Mul', [dy, this.positive(this.acts.get(node.name)!.name)]), L);
        return;
      }
      case 'relu6': {
        // From the output, so that onnxruntime fuses Conv + Clip: 0 < y < 6 is tfjs' 0 < x <= 6
        // except at x == 6 exactly, where it is PyTorch's hardtanh rule (0) rather than tfjs' (1).
        // (Two compares + And: onnxruntime's Min, Sign and Where measured slower.)
        const y = this.acts.get(node.name)!.name;
        const inside = this.op1('And', [
          this.op1('Greater', [y, zero]),
          this.op1('Less', [y, this.scalar(6)]),
        ]);
        const mask = this.op1('Cast', [inside], { to: FLOAT });
        this.addGrad(node, 0, this.op1('Mul', [dy, mask]), L);
        return;
      }
      case 'leakyrelu': {
        const mask = this.op1('Greater', [xIn(0), zero]);
        const scaled = this.op1('Mul', [dy, this.scalar(node.attrs.alpha)]);
        this.addGrad(node, 0, this.op1('Where', [mask, dy, scaled]), L);
        return;
      }
      case 'sigmoid': {
        const y = this.acts.get(node.name)!.name;
        const d = this.op1('Mul', [y, this.op1('Sub', [this.scalar(1), y])]);
        this.addGrad(node, 0, this.op1('Mul', [dy, d]), L);
        return;
      }
      case 'tanh': {
        const y = this.acts.get(node.name)!.name;
        const d = this.op1('Sub', [this.scalar(1), this.op1('Mul', [y, y])]);
        this.addGrad(node, 0, this.op1('Mul', [dy, d]), L);
        return;
      }
      case 'softmax': {
        const y = this.acts.get(node.name)!.name;
        const s = this.op1('ReduceSum', [this.op1('Mul', [dy, y]), this.ints('axes', [-1])], { keepdims: 1 });
        this.addGrad(node, 0, this.op1('Mul', [y, this.op1('Sub', [dy, s])]), 'plain');
        return;
      }
      case 'identity':
        this.addGrad(node, 0, dy, L);
        return;
      case 'flatten':
      case 'reshape': {
        const src = this.byName.get(node.inputs[0])!;
        this.addGrad(node, 0, this.op1('Reshape', [dy, this.ints('shape', [0, ...src.shape])]), 'plain');
        return;
      }
      case 'maxpool': {
        const a = (node as PoolNode).attrs;
        // relu -> maxpool with the relu feeding only the pool: the relu's mask is applied to the
        // pooled gradient (the window maximum is > 0 iff the relu's input there is), a quarter of
        // the elements for a 2x2 pool, and the relu is skipped.
        const relu = this.reluOnlyInto(node);
        let g = dy;
        if (relu !== undefined) {
          g = this.op1('Mul', [dy, this.positive(this.acts.get(node.name)!.name)]);
        }
        const x = xIn(0);
        const indices = this.poolIndices.get(node.name)!;
        let dx: string;
        if (a.strides[0] >= a.pool[0] && a.strides[1] >= a.pool[1]) {
          // Windows do not overlap: each input element gets at most one window's gradient.
          const src = this.byName.get(node.inputs[0])!;
          const { pads } = this.windowPads(src.shape[0], src.shape[1], a.pool, a.strides, a.padding);
          dx = this.op1('MaxUnpool', [g, indices, this.op1('Shape', [x])], {
            kernel_shape: [...a.pool],
            strides: [...a.strides],
            pads,
          });
        } else {
          // Overlapping windows sum: a scatter-add on the flattened tensor (indices are N*C*H*W-flat).
          const flatShape = this.ints('shape', [-1]);
          const xf = this.op1('Reshape', [x, flatShape]);
          const zeros = this.op1('ConstantOfShape', [this.op1('Shape', [xf])]);
          const idx = this.op1('Reshape', [indices, flatShape]);
          const upd = this.op1('Reshape', [g, flatShape]);
          const dxf = this.op1('ScatterElements', [zeros, idx, upd], { axis: 0, reduction: 'add' });
          dx = this.op1('Reshape', [dxf, this.op1('Shape', [x])]);
        }
        if (relu !== undefined) this.addGrad(relu, 0, dx, 'nchw');
        else this.addGrad(node, 0, dx, 'nchw');
        return;
      }
      case 'avgpool':
        this.addGrad(node, 0, this.avgPoolBackward(node as PoolNode, dy), 'nchw');
        return;
      case 'globalavgpool': {
        const src = this.byName.get(node.inputs[0])!;
        const [h, w, c] = src.shape;
        const g4 = L === 'nchw' ? dy : this.op1('Reshape', [dy, this.ints('shape', [0, c, 1, 1])]);
        const scaled = this.op1('Mul', [g4, this.scalar(1 / (h * w))]);
        // Into a relu/relu6 whose only consumer is this pool: [n, c, 1, 1] is enough, its mask's
        // Mul broadcasts (one pass over the feature map instead of Expand + Mul).
        if (this.activationOnlyInto(node) !== undefined) {
          this.addGrad(node, 0, scaled, 'nchw');
          return;
        }
        const dx = this.op1('Expand', [scaled, this.op1('Shape', [this.input(node, 0, 'nchw')])]);
        this.addGrad(node, 0, dx, 'nchw');
        return;
      }
      case 'add':
        for (let k = 0; k < node.inputs.length; k++) this.addGrad(node, k, dy, L);
        return;
      case 'mul': {
        const [a, b] = [xIn(0), xIn(1)];
        const [sa, sb] = node.inputs.map((i) => this.byName.get(i)!.shape);
        this.addGrad(node, 0, this.unbroadcast(this.op1('Mul', [dy, b]), sa, node.shape, L), L);
        this.addGrad(node, 1, this.unbroadcast(this.op1('Mul', [dy, a]), sb, node.shape, L), L);
        return;
      }
      case 'pad': {
        const src = this.byName.get(node.inputs[0])!;
        const [h, w] = src.shape;
        const [[t], [l]] = node.attrs.pads;
        const g = this.op1('Slice', [
          dy,
          this.ints('starts', [t, l]),
          this.ints('ends', [t + h, l + w]),
          this.ints('axes', [2, 3]),
        ]);
        this.addGrad(node, 0, g, 'nchw');
        return;
      }
      case 'concat': {
        const sizes = node.inputs.map((i) => {
          const s = this.byName.get(i)!.shape;
          return s[s.length - 1];
        });
        const outs = sizes.map(() => this.fresh('split'));
        this.op('Split', [dy, this.ints('split', sizes)], outs, { axis: L === 'nchw' ? 1 : -1 });
        for (const [k, g] of outs.entries()) this.addGrad(node, k, g, L);
        return;
      }
      case 'transpose': {
        const perm = this.transposePerms.get(node.name)!;
        const inverse = perm.map((_, i) => perm.indexOf(i));
        const src = this.acts.get(node.inputs[0])!;
        const g = inverse.every((p, i) => p === i) ? dy : this.op1('Transpose', [dy], { perm: inverse });
        this.addGrad(node, 0, g, src.layout);
        return;
      }
      case 'clip': {
        const x = xIn(0);
        const mask = this.op1('And', [
          this.op1('GreaterOrEqual', [x, this.scalar(node.attrs.min)]),
          this.op1('LessOrEqual', [x, this.scalar(node.attrs.max)]),
        ]);
        this.addGrad(node, 0, this.masked(mask, dy), L);
        return;
      }
      case 'hardsigmoid': {
        const { alpha, beta } = node.attrs;
        const z = this.op1('Add', [this.op1('Mul', [xIn(0), this.scalar(alpha)]), this.scalar(beta)]);
        const mask = this.op1('And', [
          this.op1('GreaterOrEqual', [z, zero]),
          this.op1('LessOrEqual', [z, this.scalar(1)]),
        ]);
        this.addGrad(node, 0, this.op1('Where', [mask, this.op1('Mul', [dy, this.scalar(alpha)]), zero]), L);
        return;
      }
      default:
        throw new BackwardUnsupported(`no backward for op '${node.op}'`);
    }
  }

  /**
   * 1 where y > 0, else 0, as floats: Greater + Cast (measured against Sign, Where and a
   * multiply-and-min trick on resnet18, mobilenet_v2 and the wolf/snow CNN: within noise).
   */
  private positive(y: string): string {
    return this.op1('Cast', [this.op1('Greater', [y, this.scalar(0)])], { to: FLOAT });
  }

  /** dy where `mask` (a bool tensor) holds, else 0. */
  private masked(mask: string, dy: string): string {
    // Cast + Mul: both vectorised and threaded in onnxruntime, a few % faster than Where here.
    return this.op1('Mul', [dy, this.op1('Cast', [mask], { to: FLOAT })]);
  }

  /** The relu feeding `pool` when the pool is its only consumer (and it is not the logits). */
  private reluOnlyInto(pool: IrNode): IrNode | undefined {
    return this.activationOnlyInto(pool, ['relu']);
  }

  /** The relu or relu6 feeding `node` when `node` is its only consumer (and it is not the logits). */
  private activationOnlyInto(node: IrNode, ops = ['relu', 'relu6']): IrNode | undefined {
    const act = this.byName.get(node.inputs[0])!;
    if (!ops.includes(act.op) || act.name === this.graph.output) return undefined;
    const users = this.graph.nodes.filter((n) => this.live.has(n.name) && n.inputs.includes(act.name));
    return users.length === 1 && node.inputs.length === 1 ? act : undefined;
  }

  /** Sums `g` (shaped like `full`, held in `layout`) over the axes where `shape` has 1 and `full` not. */
  private unbroadcast(g: string, shape: number[], full: number[], layout: Layout): string {
    if (shape.join() === full.join()) return g;
    const irAxes = shape.map((d, i) => (d === 1 && full[i] !== 1 ? i : -1)).filter((i) => i >= 0);
    // IR axis i of a rank-3 value is physical axis (h, w, c) -> (2, 3, 1) in nchw; +1 for the batch when plain.
    const axes = irAxes.map((i) => (layout === 'nchw' ? [2, 3, 1][i] : i + 1));
    return this.op1('ReduceSum', [g, this.ints('axes', axes)], { keepdims: 1 });
  }

  /**
   * Average pooling without the padding in the count: dy / count per window, spread over the
   * window with a depthwise ConvTranspose of ones (overlapping windows sum).
   */
  private avgPoolBackward(node: PoolNode, dy: string): string {
    const src = this.byName.get(node.inputs[0])!;
    const [h, w, c] = src.shape;
    const a = node.attrs;
    const { ay, ax, pads } = this.windowPads(h, w, a.pool, a.strides, a.padding);
    const counts = new Float32Array(ay.out * ax.out);
    for (let oy = 0; oy < ay.out; oy++) {
      const y0 = Math.max(0, oy * a.strides[0] - ay.before);
      const y1 = Math.min(h, oy * a.strides[0] - ay.before + a.pool[0]);
      for (let ox = 0; ox < ax.out; ox++) {
        const x0 = Math.max(0, ox * a.strides[1] - ax.before);
        const x1 = Math.min(w, ox * a.strides[1] - ax.before + a.pool[1]);
        counts[oy * ax.out + ox] = 1 / Math.max(1, (y1 - y0) * (x1 - x0));
      }
    }
    const inv = this.floats('avg_inv', [1, 1, ay.out, ax.out], counts);
    const ones = this.floats(
      'avg_ones',
      [c, 1, a.pool[0], a.pool[1]],
      new Float32Array(c * a.pool[0] * a.pool[1]).fill(1),
    );
    const opad = [
      h - (a.strides[0] * (ay.out - 1) + a.pool[0] - ay.before - ay.after),
      w - (a.strides[1] * (ax.out - 1) + a.pool[1] - ax.before - ax.after),
    ];
    if (opad.some((p, i) => p < 0 || p >= a.strides[i]))
      throw new BackwardUnsupported(`avgpool '${node.name}': output_padding ${opad}`);
    const attrs: Record<string, Attr> = {
      kernel_shape: [...a.pool],
      strides: [...a.strides],
      pads,
      group: c,
    };
    if (opad.some((p) => p !== 0)) attrs.output_padding = opad;
    return this.op1('ConvTranspose', [this.op1('Mul', [dy, inv]), ones], attrs);
  }
}

/**
 * The physical perm of an IR transpose whose input is held in `layout` and whose output is plain:
 * output axis j (batch first) takes physical input axis t[j].
 */
function transposePerm(perm: number[], layout: Layout, rank: number): number[] {
  const P = [0, ...perm.map((p) => p + 1)];
  if (layout === 'plain' || rank !== 3) return P;
  // nchw: physical axis i holds IR axis q[i] (with the batch as axis 0).
  const q = [0, 3, 1, 2];
  return P.map((a) => q.indexOf(a));
}

/**
 * The IR kernel [kh, kw, cin, cout] as ONNX [cout, cin / g, kh, kw], with the largest group
 * count g whose off-diagonal blocks are all zero (the importer expands grouped and depthwise
 * convolutions to block-diagonal kernels; a grouped Conv is exact and much faster).
 */
function convWeight(node: Conv2dNode): { weight: { dims: number[]; data: Float32Array }; group: number } {
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const k = node.weights.kernel;
  const at = (i: number, j: number, ci: number, co: number) => k[((i * kw + j) * cin + ci) * cout + co];
  let group = 1;
  for (let g = Math.min(cin, cout); g > 1; g--) {
    if (cin % g !== 0 || cout % g !== 0) continue;
    const cpg = cin / g;
    const opg = cout / g;
    let ok = true;
    for (let ci = 0; ci < cin && ok; ci++) {
      const gi = Math.floor(ci / cpg);
      for (let co = 0; co < cout && ok; co++) {
        if (Math.floor(co / opg) === gi) continue;
        for (let i = 0; i < kh && ok; i++)
          for (let j = 0; j < kw && ok; j++) if (at(i, j, ci, co) !== 0) ok = false;
      }
    }
    if (ok) {
      group = g;
      break;
    }
  }
  const cpg = cin / group;
  const opg = cout / group;
  const data = new Float32Array(cout * cpg * kh * kw);
  for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / opg);
    for (let c = 0; c < cpg; c++) {
      const ci = g * cpg + c;
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++) data[((co * cpg + c) * kh + i) * kw + j] = at(i, j, ci, co);
    }
  }
  return { weight: { dims: [cout, cpg, kh, kw], data }, group };
}

/**
 * The stride-1 backward filter as ONNX [cin, cout / g, kh, kw]: W'[ci, j, a, b] =
 * W[gi * opg + j, ci - gi * cpg, kh - 1 - a, kw - 1 - b] with gi the group of ci.
 */
function flippedWeight(node: Conv2dNode, group: number): [number[], Float32Array] {
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const k = node.weights.kernel;
  const cpg = cin / group;
  const opg = cout / group;
  const data = new Float32Array(cin * opg * kh * kw);
  for (let ci = 0; ci < cin; ci++) {
    const gi = Math.floor(ci / cpg);
    for (let j = 0; j < opg; j++) {
      const co = gi * opg + j;
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++)
          data[((ci * opg + j) * kh + a) * kw + b] =
            k[(((kh - 1 - a) * kw + (kw - 1 - b)) * cin + ci) * cout + co];
    }
  }
  return [[cin, opg, kh, kw], data];
}
