/**
 * What the forward and backward emitters share: the IR graph, the ONNX builder, each IR node's
 * forward value and its layout, and what a backward rule needs from its node's forward pass.
 */

import type { Conv2dNode, IrGraph, IrNode } from '../../ir/graph.js';
import { nodeIndex } from '../../ir/graph.js';
import { dilatedSize, windowAxis } from '../../ir/windows.js';
import { OnnxBuilder } from './builder.js';

/** Thrown for an op or shape the emitter cannot write: the caller falls back to tfjs. */
export class BackwardUnsupported extends Error {}

/** 'nchw': a rank-3 IR value [h, w, c] held as [n, c, h, w]; 'plain': [n, ...IR shape]. */
export type Layout = 'nchw' | 'plain';

export interface Value {
  name: string;
  layout: Layout;
}

/** The layout an op works in for a value of this rank. */
export function spatial(rank: number): Layout {
  return rank === 3 ? 'nchw' : 'plain';
}

/** ONNX pads [top, left, bottom, right] and the IR's window axes of a 2-d window op. */
export function windowPads(
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

/** A convolution's dilated kernel size, window axes and ONNX pads over its input [h, w]. */
export function convWindow(node: Conv2dNode, h: number, w: number) {
  const a = node.attrs;
  const ek: [number, number] = [
    dilatedSize(a.kernelShape[0], a.dilation[0]),
    dilatedSize(a.kernelShape[1], a.dilation[1]),
  ];
  return { ek, ...windowPads(h, w, ek, a.strides, a.padding) };
}

export class EmitContext {
  readonly b = new OnnxBuilder();
  readonly byName: Map<string, IrNode>;
  /** The nodes the logits depend on. */
  readonly live: Set<string>;
  /** Forward value of each IR node. */
  readonly acts = new Map<string, Value>();
  /** Forward-pass names the backward rules reuse, by IR node. */
  readonly saved = {
    conv: new Map<string, { w: string; group: number }>(),
    dense: new Map<string, string>(),
    bnScale: new Map<string, string>(),
    poolIndices: new Map<string, string>(),
    transposePerm: new Map<string, number[]>(),
  };
  private readonly converted = new Map<string, string>();

  /** `threads`: the session's intra-op threads (some rules pick their form by it). */
  constructor(
    readonly graph: IrGraph,
    readonly threads: number,
  ) {
    this.byName = nodeIndex(graph);
    this.live = this.ancestors();
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

  /** Input k of `node`. */
  src(node: IrNode, k = 0): IrNode {
    return this.byName.get(node.inputs[k])!;
  }

  /** `t` (an IR value of rank `rank` held in layout `from`) in layout `to`. */
  convert(t: string, from: Layout, to: Layout, rank: number): string {
    if (from === to || rank !== 3) return t;
    const key = `${t}->${to}`;
    let name = this.converted.get(key);
    if (name === undefined) {
      name = this.b.op1('Transpose', [t], { perm: to === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1] });
      this.converted.set(key, name);
    }
    return name;
  }

  /** The forward value of input k of `node`, in `layout`. */
  input(node: IrNode, k: number, layout: Layout): string {
    const src = this.src(node, k);
    const v = this.acts.get(src.name)!;
    return this.convert(v.name, v.layout, layout, src.shape.length);
  }

  /** Records `name` (held in `layout`) as the forward value of `node`. */
  set(node: IrNode, name: string, layout: Layout): void {
    this.acts.set(node.name, { name, layout: node.shape.length === 3 ? layout : 'plain' });
  }

  /** The relu (or relu6) feeding `node` when `node` is its only consumer and it is not the logits. */
  activationOnlyInto(node: IrNode, ops: readonly string[]): IrNode | undefined {
    const act = this.src(node);
    if (!ops.includes(act.op) || act.name === this.graph.output || node.inputs.length !== 1) return undefined;
    const users = this.graph.nodes.filter((n) => this.live.has(n.name) && n.inputs.includes(act.name));
    return users.length === 1 ? act : undefined;
  }
}
