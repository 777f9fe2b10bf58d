/**
 * Model parameter randomisation (Adebayo et al. 2018), defined once on the IR so that it is the
 * same for every format and engine: a layer's weights are re-initialised the way PyTorch's
 * `reset_parameters()` does it (what Quantus' MPRT calls on torch models), drawn from our
 * counter-based RNG:
 *
 * - conv2d / dense kernel and bias: uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)] (PyTorch's
 *   kaiming_uniform_(a=sqrt(5)) and bias init). fan_in = inputs per output unit (kh*kw*cin for a
 *   conv). A grouped or depthwise conv (stored as a block-diagonal kernel, Conv2dAttrs.groups)
 *   keeps its zero blocks and its fan_in is one group's (kh*kw*cin/groups, as PyTorch's);
 *   learned zeros (a pruned model) are randomised like any weight.
 *   An absent bias stays absent.
 * - batchnorm (and the constant per-channel Mul/Add an ONNX import stores as one): back to its
 *   initial state, gamma 1, beta 0, running mean 0, variance 1 (PyTorch's reset), so it becomes
 *   y = x / sqrt(1 + epsilon); no random draw.
 *
 * The draws of a node are keyed by its position among the parametric nodes, output first
 * (`rngFor(seed, 'randomise', 'param-<k>')`), not by its name: the same network exported to two
 * formats (Keras names vs ONNX tensor names) gets the same random weights. A layer gets the same
 * weights whether it is randomised alone or with others, so a cascading step is the union of the
 * independent ones.
 */

import { XauditError } from '../core/errors.js';
import { rngFor } from '../core/rng.js';
import { didYouMean } from '../core/suggest.js';
import {
  type BatchNormNode,
  type Conv2dNode,
  consumers,
  type DenseNode,
  type IrGraph,
  type IrNode,
} from './ir/graph.js';
import type { ModelInfo } from './model.js';

type ParamNode = Conv2dNode | DenseNode | BatchNormNode;

function isParametric(node: IrNode): node is ParamNode {
  return node.op === 'conv2d' || node.op === 'dense' || node.op === 'batchnorm';
}

export interface ParametricLayer {
  /** The layer's name as in ModelInfo.layers (the IR node's own name where no listed layer covers it). */
  name: string;
  /** The IR nodes with weights it covers (a conv whose output its relu names: the conv). */
  nodes: string[];
}

/**
 * Layers with weights, output first. An IR node with weights belongs to the listed layer that
 * names its output: itself, or the activation it alone feeds (tfjs `conv1/preact` -> `conv1`,
 * an ONNX Conv -> the Relu after it).
 */
export function parametricLayers(graph: IrGraph, info: ModelInfo): ParametricLayer[] {
  const listed = new Set(info.layers.map((l) => l.name));
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const next = consumers(graph);
  const layers = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (!isParametric(node)) continue;
    let at = node.name;
    while (!listed.has(at)) {
      const c = next.get(at) ?? [];
      // Only through parameter-free single consumers; anything else leaves the node on its own.
      if (c.length !== 1 || isParametric(byName.get(c[0])!)) break;
      at = c[0];
    }
    const name = listed.has(at) ? at : node.name;
    const nodes = layers.get(name) ?? [];
    nodes.push(node.name);
    layers.set(name, nodes);
  }
  return [...layers].map(([name, nodes]) => ({ name, nodes })).reverse();
}

/**
 * A copy of `graph` with the named layers (ParametricLayer names, or IR node names with weights)
 * re-initialised; nodes not named share their weights with `graph`, which is not modified.
 */
export function randomiseGraph(
  graph: IrGraph,
  info: ModelInfo,
  layers: readonly string[],
  seed: number,
): IrGraph {
  const all = parametricLayers(graph, info);
  const targets = new Set<string>();
  for (const name of layers) {
    const layer = all.find((l) => l.name === name);
    if (layer !== undefined) {
      for (const n of layer.nodes) targets.add(n);
      continue;
    }
    if (all.some((l) => l.nodes.includes(name))) {
      targets.add(name);
      continue;
    }
    const known = info.layers.some((l) => l.name === name) || graph.nodes.some((n) => n.name === name);
    const names = all.map((l) => l.name);
    throw new XauditError(
      'SPEC_REFERENCE',
      known
        ? `layer '${name}' has no parameters to randomise; layers with parameters: ${names.join(', ')}`
        : `the model has no layer '${name}'`,
      { hint: known ? undefined : didYouMean(name, names) },
    );
  }
  // Position among the parametric nodes, output first: the RNG key.
  const order = graph.nodes.filter(isParametric).reverse();
  const position = new Map(order.map((n, k) => [n.name, k]));
  const nodes = graph.nodes.map((node) =>
    isParametric(node) && targets.has(node.name) ? reinitialise(node, seed, position.get(node.name)!) : node,
  );
  return { ...graph, nodes };
}

function reinitialise(node: ParamNode, seed: number, k: number): IrNode {
  if (node.op === 'batchnorm') {
    const c = node.weights.gamma.length;
    const { epsilon } = node.attrs;
    return {
      ...node,
      weights: {
        gamma: new Float32Array(c).fill(1),
        beta: new Float32Array(c),
        mean: new Float32Array(c),
        variance: new Float32Array(c).fill(1),
        scale: new Float32Array(c).fill(1 / Math.sqrt(1 + epsilon)),
        shift: new Float32Array(c),
      },
    };
  }
  const { kernel, bias } = node.weights;
  const cout = node.op === 'conv2d' ? node.attrs.kernelShape[3] : node.attrs.kernelShape[1];
  const cin = node.op === 'conv2d' ? node.attrs.kernelShape[2] : node.attrs.kernelShape[0];
  // A grouped conv's kernel is block-diagonal (see Conv2dAttrs.groups): only the blocks are
  // parameters, and PyTorch's fan_in is that of one group. Learned zeros (pruning) are not kept.
  const groups = node.op === 'conv2d' ? (node.attrs.groups ?? 1) : 1;
  const fanIn = kernel.length / cout / groups;
  const inBlock = (i: number) => {
    if (groups === 1) return true;
    const co = i % cout;
    const ci = Math.floor(i / cout) % cin;
    return Math.floor(ci / (cin / groups)) === Math.floor(co / (cout / groups));
  };
  const bound = 1 / Math.sqrt(fanIn);
  const rng = rngFor(seed, 'randomise', `param-${k}`);
  const w = new Float32Array(kernel.length);
  for (let i = 0; i < w.length; i++) w[i] = inBlock(i) ? (2 * rng.at(i) - 1) * bound : 0;
  let b: Float32Array | undefined;
  if (bias !== undefined) {
    const rb = rngFor(seed, 'randomise', `param-${k}/bias`);
    b = Float32Array.from(bias, (_, i) => (2 * rb.at(i) - 1) * bound);
  }
  const weights = b === undefined ? { kernel: w } : { kernel: w, bias: b };
  return { ...node, weights };
}
