/**
 * Imports a tfjs graph model (model.json with "format": "graph-model", as tfjs-converter writes it)
 * into the IR. The topology is a TensorFlow GraphDef in protobuf JSON (node[] with name, op, input,
 * attr); Const nodes keep only dtype and shape, their values are in the weightsManifest shards, in
 * the manifest's order. NHWC is TensorFlow's native layout, so no transposes are needed.
 *
 * Folded at import: Identity (and the converter's pass-through ops) to their input, BiasAdd and
 * Add-with-a-constant into the preceding Conv2D/MatMul, the converter's fused _FusedConv2D /
 * _FusedMatMul (BiasAdd, optionally Relu/Relu6) into conv2d/dense + activation. A final
 * Softmax/Sigmoid is split off (logits are what is explained) and recorded as
 * ModelInfo.finalActivation. Any other op fails with MODEL_UNSUPPORTED naming the op and the node.
 */

import { XauditError } from '../../core/errors.js';
import {
  batchNormNode,
  type IrGraph,
  type IrNode,
  NO_ATTRS,
  NO_WEIGHTS,
  type Padding,
  sizeOf,
  type UnaryOp,
} from '../ir/graph.js';
import { windowAxis } from '../ir/windows.js';
import type { LayerInfo, ModelInfo } from '../model.js';
import { asArray, asObject, asString, formatError, isObject, type Json } from './json-fields.js';
import { readModelJson } from './model-files.js';
import { readManifest } from './tfjs-weights.js';

export interface ImportedGraphModel {
  graph: IrGraph;
  info: ModelInfo;
}

export const SUPPORTED_TF_OPS = [
  'Placeholder',
  'Const',
  'Identity',
  'StopGradient',
  'Conv2D',
  '_FusedConv2D',
  'BiasAdd',
  'MatMul',
  '_FusedMatMul',
  'FusedBatchNorm',
  'FusedBatchNormV2',
  'FusedBatchNormV3',
  'Relu',
  'Relu6',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'MaxPool',
  'AvgPool',
  'Mean',
  'Add',
  'AddV2',
  'Reshape',
] as const;

const PASS_THROUGH = new Set(['Identity', 'StopGradient']);

interface TfNode {
  name: string;
  op: string;
  inputs: string[];
  attr: Json;
}

interface Constant {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What a TF node's output is: an IR node, or a constant. */
type Value = { kind: 'tensor'; node: IrNode } | { kind: 'const'; value: Constant };

export async function importTfjsGraph(modelJson: string): Promise<ImportedGraphModel> {
  const json = await readModelJson(modelJson);
  const topology = asObject(json.modelTopology, modelJson, 'modelTopology');
  const tfNodes = asArray(topology.node, modelJson, 'modelTopology.node').map((raw, i) =>
    parseNode(raw, modelJson, i),
  );
  const consts = await readWeights(json.weightsManifest, modelJson);
  return new GraphBuilder(modelJson, tfNodes, consts).build();
}

function parseNode(raw: unknown, file: string, i: number): TfNode {
  const n = asObject(raw, file, `modelTopology.node[${i}]`);
  const name = asString(n.name, file, `modelTopology.node[${i}].name`);
  const op = asString(n.op, file, `node '${name}'.op`);
  const inputs = asArray(n.input ?? [], file, `node '${name}'.input`)
    .map((x) => asString(x, file, `node '${name}'.input`))
    .filter((x) => !x.startsWith('^'));
  const attr = n.attr === undefined ? {} : asObject(n.attr, file, `node '${name}'.attr`);
  return { name, op, inputs, attr };
}

/** Every weight by its manifest name: the graph's constants (float32, and int32 shapes and axes). */
async function readWeights(manifest: unknown, file: string): Promise<Map<string, Constant>> {
  const weights = await readManifest(manifest, file, true);
  return new Map(weights.map((w) => [w.name, { shape: w.shape, data: w.data }]));
}

function decodeString(v: unknown): string | undefined {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

class GraphBuilder {
  private readonly byName: Map<string, TfNode>;
  private readonly consumers = new Map<string, number>();
  private readonly consumerNodes = new Map<string, TfNode[]>();
  /** The TF node each IR node was made for. */
  private readonly origin = new Map<IrNode, string>();
  private readonly values = new Map<string, Value>();
  private readonly nodes: IrNode[] = [];
  private readonly irNames = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly tfNodes: TfNode[],
    private readonly consts: Map<string, Constant>,
  ) {
    this.byName = new Map(tfNodes.map((n) => [n.name, n]));
    for (const n of tfNodes) {
      for (const i of n.inputs) {
        const src = this.source(i, n);
        this.consumers.set(src, (this.consumers.get(src) ?? 0) + 1);
        const list = this.consumerNodes.get(src) ?? [];
        list.push(n);
        this.consumerNodes.set(src, list);
      }
    }
  }

  build(): ImportedGraphModel {
    const output = this.findOutput();
    for (const n of this.order(output)) {
      const v = this.convert(n);
      if (v.kind === 'tensor' && !this.origin.has(v.node)) this.origin.set(v.node, n.name);
      this.values.set(n.name, v);
    }
    const outValue = this.values.get(output.name)!;
    if (outValue.kind !== 'tensor')
      throw formatError(this.file, `the model output '${output.name}' is a constant`);
    const inputs = this.nodes.filter((n) => n.op === 'input');
    if (inputs.length !== 1) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `${this.file}: the graph has ${inputs.length} inputs (Placeholder nodes) on the path to '${output.name}'; exactly one image input is supported`,
        { location: { file: this.file } },
      );
    }
    const graph: IrGraph = { nodes: this.nodes, input: inputs[0].name, output: outValue.node.name };
    let finalActivation: ModelInfo['finalActivation'] = null;
    const last = outValue.node;
    if (last.op === 'softmax' || last.op === 'sigmoid') {
      this.nodes.splice(this.nodes.indexOf(last), 1);
      graph.output = last.inputs[0];
      finalActivation = last.op;
    }
    return { graph, info: this.info(graph, finalActivation) };
  }

  /** `name:0` -> `name`; a later output index is only valid for FusedBatchNorm's other outputs (unused). */
  private source(input: string, consumer: TfNode): string {
    const m = /^(.*):(\d+)$/.exec(input);
    if (m === null) return input;
    if (m[2] !== '0') {
      throw this.unsupported(consumer, `reads output ${m[2]} of '${m[1]}'; only first outputs are supported`);
    }
    return m[1];
  }

  /** The one non-constant node nothing consumes. */
  private findOutput(): TfNode {
    const sinks = this.tfNodes.filter(
      (n) => n.op !== 'Const' && n.op !== 'NoOp' && (this.consumers.get(n.name) ?? 0) === 0,
    );
    if (sinks.length !== 1) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `${this.file}: the graph has ${sinks.length} outputs (${sinks.map((n) => n.name).join(', ')}); exactly one is supported`,
        { location: { file: this.file } },
      );
    }
    return sinks[0];
  }

  /** Depth-first post-order from the output: only what the output depends on, inputs first. */
  private order(output: TfNode): TfNode[] {
    const out: TfNode[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: { node: TfNode; next: number }[] = [{ node: output, next: 0 }];
    state.set(output.name, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const name = this.source(top.node.inputs[top.next++], top.node);
        const dep = this.byName.get(name);
        if (dep === undefined)
          throw formatError(this.file, `node '${top.node.name}' reads unknown node '${name}'`);
        const s = state.get(name);
        if (s === 'open') throw formatError(this.file, `the graph has a cycle at '${name}'`);
        if (s === undefined) {
          state.set(name, 'open');
          stack.push({ node: dep, next: 0 });
        }
      } else {
        stack.pop();
        state.set(top.node.name, 'done');
        out.push(top.node);
      }
    }
    return out;
  }

  private unsupported(node: TfNode, what: string): XauditError {
    return new XauditError('MODEL_UNSUPPORTED', `${this.file}: node '${node.name}' (${node.op}): ${what}`, {
      location: { file: this.file },
    });
  }

  private input(node: TfNode, i: number): Value {
    const raw = node.inputs[i];
    if (raw === undefined) throw formatError(this.file, `node '${node.name}' (${node.op}) lacks input ${i}`);
    return this.values.get(this.source(raw, node))!;
  }

  private tensor(node: TfNode, i: number): IrNode {
    const v = this.input(node, i);
    if (v.kind !== 'tensor') throw this.unsupported(node, `input ${i} must not be a constant`);
    return v.node;
  }

  private constant(node: TfNode, i: number): Constant {
    const v = this.input(node, i);
    if (v.kind !== 'const') throw this.unsupported(node, `input ${i} must be a constant (a frozen weight)`);
    return v.value;
  }

  private floats(node: TfNode, i: number, size: number): Float32Array {
    const c = this.constant(node, i);
    if (!(c.data instanceof Float32Array) || c.data.length !== size) {
      throw formatError(
        this.file,
        `node '${node.name}' (${node.op}) input ${i} has ${c.data.length} ${c.data instanceof Float32Array ? 'float32' : 'int32'} values; ${size} float32 values expected`,
      );
    }
    return c.data;
  }

  private add(node: IrNode): Value {
    if (this.irNames.has(node.name)) throw formatError(this.file, `duplicate node name '${node.name}'`);
    this.irNames.add(node.name);
    this.nodes.push(node);
    return { kind: 'tensor', node };
  }

  private attrList(node: TfNode, key: string): number[] | undefined {
    const a = node.attr[key];
    if (!isObject(a) || !isObject(a.list)) return undefined;
    return asArray(a.list.i ?? [], this.file, `node '${node.name}'.${key}`).map((v) => Number(v));
  }

  private attrString(node: TfNode, key: string): string | undefined {
    const a = node.attr[key];
    return isObject(a) ? decodeString(a.s) : undefined;
  }

  private attrBool(node: TfNode, key: string): boolean {
    const a = node.attr[key];
    return isObject(a) && a.b === true;
  }

  private attrFloat(node: TfNode, key: string, def: number): number {
    const a = node.attr[key];
    return isObject(a) && a.f !== undefined ? Number(a.f) : def;
  }

  private checkNhwc(node: TfNode): void {
    const df = this.attrString(node, 'data_format');
    if (df !== undefined && df !== 'NHWC')
      throw this.unsupported(node, `data_format '${df}' is not supported; only NHWC is`);
  }

  /** [1, a, b, 1] -> [a, b]. */
  private spatialPair(node: TfNode, key: string, def: [number, number]): [number, number] {
    const l = this.attrList(node, key);
    if (l === undefined || l.length === 0) return def;
    if (l.length !== 4 || l[0] !== 1 || l[3] !== 1) {
      throw this.unsupported(node, `${key} [${l.join(', ')}] is not supported; [1, h, w, 1] is`);
    }
    return [l[1], l[2]];
  }

  private padding(node: TfNode): Padding {
    const p = this.attrString(node, 'padding');
    if (p === 'SAME') return 'same';
    if (p === 'VALID') return 'valid';
    throw this.unsupported(node, `padding '${String(p)}' is not supported; SAME and VALID are`);
  }

  private spatial(node: TfNode, x: IrNode): [number, number, number] {
    if (x.shape.length !== 3)
      throw this.unsupported(node, `expects an [h, w, c] input, got [${x.shape.join(', ')}]`);
    return [x.shape[0], x.shape[1], x.shape[2]];
  }

  private unary(name: string, op: UnaryOp, x: IrNode): Value {
    return this.add({
      name,
      op,
      inputs: [x.name],
      shape: [...x.shape],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  }

  private convert(node: TfNode): Value {
    switch (node.op) {
      case 'Const': {
        const c = this.consts.get(node.name);
        if (c === undefined) {
          throw new XauditError(
            'MODEL_FORMAT',
            `${this.file}: Const node '${node.name}' has no entry in the weightsManifest`,
            { location: { file: this.file } },
          );
        }
        return { kind: 'const', value: c };
      }
      case 'Placeholder':
        return this.placeholder(node);
      case 'Identity':
      case 'StopGradient':
        return this.input(node, 0);
      case 'Conv2D':
      case '_FusedConv2D':
        return this.conv(node);
      case 'MatMul':
      case '_FusedMatMul':
        return this.matmul(node);
      case 'BiasAdd':
        return this.biasAdd(node, this.tensor(node, 0), this.constant(node, 1));
      case 'Add':
      case 'AddV2':
        return this.addOp(node);
      case 'FusedBatchNorm':
      case 'FusedBatchNormV2':
      case 'FusedBatchNormV3':
        return this.batchNorm(node);
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
      case 'Tanh':
        return this.unary(node.name, node.op.toLowerCase() as UnaryOp, this.tensor(node, 0));
      case 'LeakyRelu': {
        const x = this.tensor(node, 0);
        return this.add({
          name: node.name,
          op: 'leakyrelu',
          inputs: [x.name],
          shape: [...x.shape],
          attrs: { alpha: this.attrFloat(node, 'alpha', 0.2) },
          weights: NO_WEIGHTS,
        });
      }
      case 'Softmax': {
        const x = this.tensor(node, 0);
        if (x.shape.length !== 1)
          throw this.unsupported(node, 'only softmax over a vector of class scores is supported');
        return this.unary(node.name, 'softmax', x);
      }
      case 'MaxPool':
      case 'AvgPool':
        return this.pool(node);
      case 'Mean':
        return this.mean(node);
      case 'Reshape':
        return this.reshape(node);
      default:
        throw this.unsupported(node, `op is not supported; supported ops: ${SUPPORTED_TF_OPS.join(', ')}`);
    }
  }

  private placeholder(node: TfNode): Value {
    const dtype = node.attr.dtype;
    if (isObject(dtype) && dtype.type !== undefined && dtype.type !== 'DT_FLOAT') {
      throw this.unsupported(node, `input dtype ${String(dtype.type)} is not supported; only DT_FLOAT is`);
    }
    const s = node.attr.shape;
    const dims =
      isObject(s) && isObject(s.shape)
        ? asArray(s.shape.dim ?? [], this.file, `node '${node.name}'.shape`)
        : [];
    const shape = dims.map((d) => Number(isObject(d) ? (d.size ?? -1) : -1));
    if (shape.length < 2 || shape.slice(1).some((d) => !(d > 0))) {
      throw this.unsupported(
        node,
        `input shape [${shape.join(', ')}] is not supported; a known [batch, h, w, c] (or [batch, d]) shape is required`,
      );
    }
    return this.add({
      name: node.name,
      op: 'input',
      inputs: [],
      shape: shape.slice(1),
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  }

  /** Fused ops of _FusedConv2D / _FusedMatMul: BiasAdd, then optionally one activation. */
  private fusedOps(node: TfNode): string[] {
    const a = node.attr.fused_ops;
    if (!isObject(a) || !isObject(a.list)) return [];
    const ops = asArray(a.list.s ?? [], this.file, `node '${node.name}'.fused_ops`).map(
      (s) => decodeString(s) ?? '',
    );
    const ok =
      (ops.length === 1 && ops[0] === 'BiasAdd') ||
      (ops.length === 2 && ops[0] === 'BiasAdd' && ['Relu', 'Relu6'].includes(ops[1]));
    if (!ok && ops.length > 0) {
      throw this.unsupported(
        node,
        `fused_ops [${ops.join(', ')}] are not supported; BiasAdd with an optional Relu or Relu6 is`,
      );
    }
    return ops;
  }

  /** The IR node of a conv2d/dense and, for a fused op, its bias and activation. */
  private finishFused(node: TfNode, main: IrNode & { op: 'conv2d' | 'dense' }, cout: number): Value {
    const fused = this.fusedOps(node);
    if (fused.length === 0) return this.add(main);
    main.weights.bias = this.floats(node, 2, cout);
    if (fused.length === 1) return this.add(main);
    main.name = `${node.name}/preact`;
    this.add(main);
    return this.unary(node.name, fused[1].toLowerCase() as UnaryOp, main);
  }

  private conv(node: TfNode): Value {
    this.checkNhwc(node);
    const x = this.tensor(node, 0);
    const [h, w, cin] = this.spatial(node, x);
    const k = this.constant(node, 1);
    if (k.shape.length !== 4 || k.shape[2] !== cin) {
      throw formatError(
        this.file,
        `node '${node.name}' filter shape [${k.shape.join(', ')}] does not fit input channels ${cin}`,
      );
    }
    const [kh, kw, , cout] = k.shape;
    const strides = this.spatialPair(node, 'strides', [1, 1]);
    const dilation = this.spatialPair(node, 'dilations', [1, 1]);
    if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
      throw this.unsupported(node, 'strides > 1 together with dilations > 1 is not supported');
    }
    const pad = this.padding(node);
    const oh = windowAxis(h, (kh - 1) * dilation[0] + 1, strides[0], pad).out;
    const ow = windowAxis(w, (kw - 1) * dilation[1] + 1, strides[1], pad).out;
    return this.finishFused(
      node,
      {
        name: node.name,
        op: 'conv2d',
        inputs: [x.name],
        shape: [oh, ow, cout],
        attrs: { kernelShape: [kh, kw, cin, cout], strides, padding: pad, dilation },
        weights: { kernel: this.floats(node, 1, kh * kw * cin * cout) },
      },
      cout,
    );
  }

  private matmul(node: TfNode): Value {
    const x = this.tensor(node, 0);
    if (x.shape.length !== 1)
      throw this.unsupported(node, `expects a [batch, d] input, got [batch, ${x.shape.join(', ')}]`);
    if (this.attrBool(node, 'transpose_a')) throw this.unsupported(node, 'transpose_a is not supported');
    const k = this.constant(node, 1);
    const tb = this.attrBool(node, 'transpose_b');
    if (k.shape.length !== 2) throw formatError(this.file, `node '${node.name}' weight is not a matrix`);
    const [cin, cout] = tb ? [k.shape[1], k.shape[0]] : k.shape;
    if (cin !== x.shape[0]) {
      throw formatError(
        this.file,
        `node '${node.name}' weight [${k.shape.join(', ')}] does not fit input [${x.shape[0]}]`,
      );
    }
    let kernel = this.floats(node, 1, cin * cout);
    if (tb) {
      const t = new Float32Array(cin * cout);
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) t[i * cout + o] = kernel[o * cin + i];
      kernel = t;
    }
    return this.finishFused(
      node,
      {
        name: node.name,
        op: 'dense',
        inputs: [x.name],
        shape: [cout],
        attrs: { kernelShape: [cin, cout] },
        weights: { kernel },
      },
      cout,
    );
  }

  /**
   * Folds a per-channel constant into the preceding conv2d/dense's bias. The producer must have no
   * bias yet and no other consumer; the IR node then takes this node's name.
   */
  private biasAdd(node: TfNode, x: IrNode, c: Constant): Value {
    this.checkNhwc(node);
    const ch = x.shape[x.shape.length - 1];
    const producer = this.origin.get(x);
    const foldable =
      (x.op === 'conv2d' || x.op === 'dense') &&
      x.weights.bias === undefined &&
      producer !== undefined &&
      this.uses(producer) === 1;
    if (!foldable) {
      throw this.unsupported(
        node,
        `adds a constant to '${x.name}' (${x.op}); only a bias directly after Conv2D or MatMul is supported`,
      );
    }
    if (sizeOf(c.shape) !== ch || !(c.data instanceof Float32Array)) {
      throw formatError(
        this.file,
        `node '${node.name}' bias has shape [${c.shape.join(', ')}]; ${ch} channels expected`,
      );
    }
    x.weights.bias = c.data;
    this.irNames.delete(x.name);
    x.name = node.name;
    this.irNames.add(x.name);
    return { kind: 'tensor', node: x };
  }

  /** Consumers of a TF node's output, counting through pass-through ops (Identity) to their consumers. */
  private uses(name: string): number {
    let total = 0;
    for (const c of this.consumerNodes.get(name) ?? [])
      total += PASS_THROUGH.has(c.op) ? this.uses(c.name) : 1;
    return total;
  }

  private addOp(node: TfNode): Value {
    const a = this.input(node, 0);
    const b = this.input(node, 1);
    if (a.kind === 'tensor' && b.kind === 'const') return this.biasAdd(node, a.node, b.value);
    if (a.kind === 'const' && b.kind === 'tensor') {
      return this.biasAdd({ ...node, inputs: [node.inputs[1], node.inputs[0]] }, b.node, a.value);
    }
    if (a.kind !== 'tensor' || b.kind !== 'tensor') throw this.unsupported(node, 'adds two constants');
    if (a.node.shape.join(',') !== b.node.shape.join(',')) {
      throw this.unsupported(
        node,
        `inputs of different shapes [${a.node.shape.join(', ')}] and [${b.node.shape.join(', ')}] (broadcasting) are not supported`,
      );
    }
    return this.add({
      name: node.name,
      op: 'add',
      inputs: [a.node.name, b.node.name],
      shape: [...a.node.shape],
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  }

  private batchNorm(node: TfNode): Value {
    this.checkNhwc(node);
    if (this.attrBool(node, 'is_training'))
      throw this.unsupported(node, 'is_training=true is not supported (inference graphs only)');
    const x = this.tensor(node, 0);
    const ch = x.shape[x.shape.length - 1];
    const gamma = this.floats(node, 1, ch);
    const beta = this.floats(node, 2, ch);
    const mean = this.floats(node, 3, ch);
    const variance = this.floats(node, 4, ch);
    const epsilon = this.attrFloat(node, 'epsilon', 1e-4);
    return this.add(batchNormNode(node.name, x, { gamma, beta, mean, variance }, epsilon));
  }

  private pool(node: TfNode): Value {
    this.checkNhwc(node);
    const x = this.tensor(node, 0);
    const [h, w, c] = this.spatial(node, x);
    const pool = this.spatialPair(node, 'ksize', [1, 1]);
    const strides = this.spatialPair(node, 'strides', [1, 1]);
    const pad = this.padding(node);
    return this.add({
      name: node.name,
      op: node.op === 'MaxPool' ? 'maxpool' : 'avgpool',
      inputs: [x.name],
      shape: [windowAxis(h, pool[0], strides[0], pad).out, windowAxis(w, pool[1], strides[1], pad).out, c],
      attrs: { pool, strides, padding: pad },
      weights: NO_WEIGHTS,
    });
  }

  /** Mean over the spatial axes [1, 2] of an NHWC tensor: global average pooling. */
  private mean(node: TfNode): Value {
    const x = this.tensor(node, 0);
    const [, , c] = this.spatial(node, x);
    const axes = Array.from(this.constant(node, 1).data, (a) => (a < 0 ? a + 4 : a)).sort();
    if (axes.join(',') !== '1,2') {
      throw this.unsupported(
        node,
        `a mean over axes [${axes.join(', ')}] is not supported; only over [1, 2] (global average pooling) is`,
      );
    }
    const keepDims = this.attrBool(node, 'keep_dims');
    return this.add({
      name: node.name,
      op: 'globalavgpool',
      inputs: [x.name],
      shape: keepDims ? [1, 1, c] : [c],
      attrs: { keepDims },
      weights: NO_WEIGHTS,
    });
  }

  private reshape(node: TfNode): Value {
    const x = this.tensor(node, 0);
    const target = Array.from(this.constant(node, 1).data);
    const total = sizeOf(x.shape);
    if (target.length < 2 || (target[0] !== -1 && target.slice(1).includes(-1))) {
      throw this.unsupported(
        node,
        `reshape to [${target.join(', ')}] is not supported; [-1, ...] (batch first) is`,
      );
    }
    const rest = target.slice(1);
    const known = rest.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = rest.map((d) => (d === -1 ? total / known : d));
    if (sizeOf(shape) !== total || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw this.unsupported(node, `cannot reshape [batch, ${x.shape.join(', ')}] to [${target.join(', ')}]`);
    }
    if (shape.length === 1) {
      return this.add({
        name: node.name,
        op: 'flatten',
        inputs: [x.name],
        shape,
        attrs: NO_ATTRS,
        weights: NO_WEIGHTS,
      });
    }
    return this.add({
      name: node.name,
      op: 'reshape',
      inputs: [x.name],
      shape,
      attrs: NO_ATTRS,
      weights: NO_WEIGHTS,
    });
  }

  private info(graph: IrGraph, finalActivation: ModelInfo['finalActivation']): ModelInfo {
    const input = graph.nodes[0];
    const s = input.shape;
    let inputShape: [number, number, number];
    if (s.length === 3) inputShape = [s[0], s[1], s[2]];
    else if (s.length === 1) inputShape = [1, 1, s[0]];
    else {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `${this.file}: input shape [${s.join(', ')}] is not supported`,
        {
          location: { file: this.file },
        },
      );
    }
    const out = graph.nodes.find((n) => n.name === graph.output)!;
    if (out.shape.length !== 1) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `${this.file}: the model output '${out.name}' has shape [${out.shape.join(', ')}]; a vector of class scores is required`,
        { location: { file: this.file } },
      );
    }
    const layers: LayerInfo[] = graph.nodes
      .filter((n) => n.op !== 'input')
      .map((n) => ({
        name: n.name,
        op: n.op,
        shape: [...n.shape],
        spatial: n.shape.length === 3 && n.shape[0] > 1 && n.shape[1] > 1,
      }));
    return { format: 'tfjs-graph', inputShape, outputs: out.shape[0], finalActivation, layers };
  }
}
