/**
 * Imports an ONNX model (torchvision-style classifiers) into the IR: NCHW becomes NHWC,
 * constant subgraphs are folded, BatchNormalization is folded into a preceding Conv, and a final
 * Softmax is split off. Unsupported ops fail with the op, the node and the supported list.
 */

import { XauditError } from '../../core/errors.js';
import type { IrGraph, IrNode } from '../ir/graph.js';
import type { LayerInfo, ModelInfo } from '../model.js';
import { readModelFile } from './model-files.js';
import { type Const, FOLDERS, tensorToConst } from './onnx-const.js';
import { CONVERTERS, type OpContext, SUPPORTED_OPS, unsupported } from './onnx-ops.js';
import { decodeModel, type OnnxModel } from './onnx-proto.js';
import type { ImportedModel } from './tfjs-layers.js';

/** Ops after which a tensor is "after activation" (the layer names LayerInfo lists). */
const ACTIVATION_OPS = new Set(['relu', 'relu6', 'leakyrelu', 'sigmoid', 'tanh', 'clip', 'hardsigmoid']);

export interface ImportedOnnx extends ImportedModel {
  /** The file's bytes, for engines that run the original graph. */
  bytes: Uint8Array;
  /** ONNX names of the graph input and of the logits tensor (before a split-off softmax). */
  onnxInput: string;
  onnxLogits: string;
  /** ONNX name of the graph output. */
  onnxOutput: string;
  /** The input's fixed batch size (exports without a dynamic batch axis have 1), or null. */
  onnxBatch: number | null;
}

export async function importOnnx(file: string): Promise<ImportedOnnx> {
  const bytes = await readModelFile(file);
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${file} is not a valid ONNX model (truncated or corrupt): ${(e as Error).message}`,
      { location: { file }, cause: e },
    );
  }
  const g = model.graph;
  if (g === undefined || g.node.length === 0 || g.output.length === 0) {
    throw new XauditError('MODEL_FORMAT', `${file} is not a valid ONNX model: it has no graph`, {
      location: { file },
    });
  }
  const consts = new Map<string, Const>(g.initializer.map((t) => [t.name, tensorToConst(t, file)]));
  const inputs = g.input.filter((i) => !consts.has(i.name));
  if (inputs.length !== 1) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); one image input is supported`,
      { location: { file } },
    );
  }
  if (g.output.length !== 1) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: the graph has ${g.output.length} outputs; one is supported`,
      {
        location: { file },
      },
    );
  }
  const inputDims = inputs[0].type?.tensorType?.shape?.dim ?? [];
  const input = inputNode(inputs[0].name, inputDims, file);
  const batch = Number(inputDims[0]?.dimValue ?? 0);
  const uses = new Map<string, number>();
  for (const n of g.node) for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.output) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
  const ctx: OpContext = { file, consts, vals: new Map([[input.name, input]]), uses, nodes: [input] };

  for (const node of g.node) {
    if (node.domain !== undefined && node.domain !== '' && node.domain !== 'ai.onnx') {
      throw unsupported(ctx, node, `domain '${node.domain}' is not supported (only the default ONNX domain)`);
    }
    const ins = node.input.filter((i) => i !== '');
    const fold = FOLDERS[node.opType];
    if (fold !== undefined && ins.every((i) => consts.has(i))) {
      const args = node.input.map((i) => (i === '' ? undefined : consts.get(i))) as Const[];
      const c = fold(node, args, file);
      if (c !== undefined) {
        consts.set(node.output[0], c);
        continue;
      }
    }
    if (node.opType === 'Shape' && ctx.vals.has(node.input[0])) {
      // The shape of a computed tensor, NCHW, batch 1: only ever feeds folded reshape targets.
      const s = ctx.vals.get(node.input[0])!.shape;
      const dims = s.length === 3 ? [1, s[2], s[0], s[1]] : [1, ...s];
      consts.set(node.output[0], { dims: [dims.length], data: Float64Array.from(dims) });
      continue;
    }
    const convert = CONVERTERS[node.opType];
    if (convert === undefined) {
      throw unsupported(ctx, node, `op is not supported; supported ops: ${SUPPORTED_OPS.join(', ')}`);
    }
    ctx.vals.set(node.output[0], convert(node, ctx));
  }

  const outName = g.output[0].name;
  const out = ctx.vals.get(outName);
  if (out === undefined) {
    throw new XauditError('MODEL_UNSUPPORTED', `${file}: the output '${outName}' is a constant`, {
      location: { file },
    });
  }
  const nodes = ctx.nodes.filter((n) => needed(ctx.nodes, out.name).has(n.name));
  const graph: IrGraph = { nodes, input: input.name, output: out.name };
  let finalActivation: ModelInfo['finalActivation'] = null;
  let onnxLogits = outName;
  if (out.op === 'softmax' || out.op === 'sigmoid') {
    finalActivation = out.op;
    nodes.splice(nodes.indexOf(out), 1);
    graph.output = out.inputs[0];
    onnxLogits = out.inputs[0];
  }
  const info = { ...buildInfo(graph, file), finalActivation };
  return {
    graph,
    info,
    bytes,
    onnxInput: input.name,
    onnxLogits,
    onnxOutput: outName,
    onnxBatch: batch > 0 ? batch : null,
  };
}

function inputNode(name: string, dims: { dimValue?: number; dimParam?: string }[], file: string): IrNode {
  const d = dims.slice(1).map((x) => Number(x.dimValue ?? 0));
  if (d.some((v) => !(v > 0)) || (d.length !== 3 && d.length !== 1)) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: input '${name}' must have a fixed shape [n, c, h, w] or [n, d]; got [${dims.map((x) => x.dimParam || x.dimValue || '?').join(', ')}]`,
      { location: { file } },
    );
  }
  const shape = d.length === 3 ? [d[1], d[2], d[0]] : d;
  return { name, op: 'input', inputs: [], shape, attrs: {}, weights: {} };
}

/** Names of the nodes the output depends on (dead branches dropped). */
function needed(nodes: IrNode[], output: string): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const seen = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(byName.get(n)?.inputs ?? []));
  }
  return seen;
}

/** Layers: every ONNX tensor the IR computes, after its activation (a tensor feeding only an activation is skipped). */
function buildInfo(graph: IrGraph, file: string): ModelInfo {
  const input = graph.nodes[0];
  const out = graph.nodes.find((n) => n.name === graph.output)!;
  if (out.shape.length !== 1) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: the model output '${out.name}' has shape [${out.shape.join(', ')}]; a vector of class scores is required`,
      { location: { file } },
    );
  }
  const consumers = new Map<string, IrNode[]>(graph.nodes.map((n) => [n.name, []]));
  for (const n of graph.nodes) for (const i of n.inputs) consumers.get(i)?.push(n);
  const layers: LayerInfo[] = [];
  for (const n of graph.nodes) {
    // Helper nodes the importer made (not ONNX tensors) are not layers.
    if (n.op === 'input' || /\/(pad|nchw|gate)$/.test(n.name)) continue;
    const next = consumers.get(n.name)!;
    if (n.name !== graph.output && next.length === 1 && ACTIVATION_OPS.has(next[0].op)) continue;
    const s = n.shape;
    layers.push({ name: n.name, op: n.op, shape: [...s], spatial: s.length === 3 && s[0] > 1 && s[1] > 1 });
  }
  const s = input.shape;
  const inputShape: [number, number, number] = s.length === 3 ? [s[0], s[1], s[2]] : [1, 1, s[0]];
  return { format: 'onnx', inputShape, outputs: out.shape[0], finalActivation: null, layers };
}
