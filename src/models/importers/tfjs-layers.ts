/**
 * Imports a tfjs Layers model (model.json + float32 weight shards) into the IR.
 * A final softmax/sigmoid is split off (logits are what is explained) and
 * recorded as ModelInfo.finalActivation.
 */

import { XauditError } from '../../core/errors.js';
import type { IrGraph, IrNode } from '../ir/graph.js';
import type { LayerInfo, ModelInfo } from '../model.js';
import { formatError, isObject } from './json-fields.js';
import { convertLayer } from './keras-layers.js';
import { type KerasLayer, type KerasTopology, parseTopology } from './keras-topology.js';
import { readModelJson } from './model-files.js';
import { type NamedWeight, readWeights } from './tfjs-weights.js';

export interface ImportedModel {
  graph: IrGraph;
  info: ModelInfo;
}

export async function importTfjsLayers(modelJson: string): Promise<ImportedModel> {
  const json = await readModelJson(modelJson);
  if (
    json.format === 'graph-model' ||
    (isObject(json.modelTopology) && Array.isArray(json.modelTopology.node))
  ) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${modelJson} is a tfjs graph model, not a layers model: load it with loadModel(), which imports both`,
      { location: { file: modelJson } },
    );
  }
  if (json.modelTopology === undefined)
    throw formatError(modelJson, 'no modelTopology; not a tfjs layers model');
  const topology = parseTopology(json.modelTopology, modelJson);
  const weights = await readWeights(json.weightsManifest, modelJson);
  return buildLayersModel(topology, weights, modelJson, 'tfjs-layers');
}

/** Converts a parsed Keras topology with its weights (keyed `<layer>/<param>`); shared with the Keras importer. */
export function buildLayersModel(
  topology: KerasTopology,
  weights: Map<string, NamedWeight>,
  modelJson: string,
  format: ModelInfo['format'],
): ImportedModel {
  const ordered = topoSort(topology, modelJson);

  const nodes: IrNode[] = [];
  const layerOut = new Map<string, IrNode>();
  for (const layer of ordered) {
    const inputs = layer.inbound.map((n) => layerOut.get(n)!);
    const made = convertLayer(layer, inputs, { file: modelJson, weights });
    nodes.push(...made);
    layerOut.set(layer.name, made[made.length - 1]);
  }
  const graph: IrGraph = { nodes, input: topology.input, output: topology.output };
  const finalActivation = splitFinalActivation(graph, topology, layerOut, ordered);
  return { graph, info: buildInfo(graph, ordered, layerOut, finalActivation, modelJson, format) };
}

/** Kahn's algorithm, stable in config order; only layers the output depends on are kept. */
function topoSort(top: KerasTopology, file: string): KerasLayer[] {
  const byName = new Map(top.layers.map((l) => [l.name, l]));
  for (const l of top.layers) {
    for (const i of l.inbound)
      if (!byName.has(i)) throw formatError(file, `layer '${l.name}' reads unknown layer '${i}'`);
  }
  if (!byName.has(top.output)) throw formatError(file, `output layer '${top.output}' is not defined`);
  const needed = new Set<string>();
  const stack = [top.output];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    stack.push(...byName.get(n)!.inbound);
  }
  if (!needed.has(top.input))
    throw formatError(file, `output '${top.output}' does not depend on input '${top.input}'`);
  const done = new Set<string>();
  const order: KerasLayer[] = [];
  const pending = top.layers.filter((l) => needed.has(l.name));
  while (pending.length > 0) {
    const idx = pending.findIndex((l) => l.inbound.every((i) => done.has(i)));
    if (idx < 0) throw formatError(file, `the layer graph has a cycle at '${pending[0].name}'`);
    const [l] = pending.splice(idx, 1);
    if (l.inbound.length === 0 && l.name !== top.input) {
      throw formatError(file, `layer '${l.name}' has no inputs and is not the model input`);
    }
    done.add(l.name);
    order.push(l);
  }
  return order;
}

function splitFinalActivation(
  graph: IrGraph,
  top: KerasTopology,
  layerOut: Map<string, IrNode>,
  ordered: KerasLayer[],
): 'softmax' | 'sigmoid' | null {
  const last = layerOut.get(top.output)!;
  if (last.op !== 'softmax' && last.op !== 'sigmoid') return null;
  graph.nodes.splice(graph.nodes.indexOf(last), 1);
  const producer = graph.nodes.find((n) => n.name === last.inputs[0])!;
  const layer = ordered.find((l) => l.name === top.output)!;
  if (producer.name === `${layer.name}/preact`) {
    // Fused activation: the layer's name now names its logits.
    producer.name = layer.name;
    layerOut.set(layer.name, producer);
    graph.output = layer.name;
  } else {
    // A trailing Activation/Softmax layer disappears from the layer list.
    layerOut.delete(layer.name);
    graph.output = producer.name;
  }
  return last.op;
}

function buildInfo(
  graph: IrGraph,
  ordered: KerasLayer[],
  layerOut: Map<string, IrNode>,
  finalActivation: ModelInfo['finalActivation'],
  file: string,
  format: ModelInfo['format'],
): ModelInfo {
  const input = graph.nodes[0];
  const inputShape = toInputShape(input.shape, file);
  const out = graph.nodes.find((n) => n.name === graph.output)!;
  if (out.shape.length !== 1) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: the model output '${out.name}' has shape [${out.shape.join(', ')}]; a vector of class scores is required`,
      { location: { file } },
    );
  }
  const layers: LayerInfo[] = [];
  for (const l of ordered) {
    const node = layerOut.get(l.name);
    if (node === undefined || node.op === 'input') continue;
    const s = node.shape;
    layers.push({
      name: l.name,
      op: node.op,
      shape: [...s],
      spatial: s.length === 3 && s[0] > 1 && s[1] > 1,
    });
  }
  return { format, inputShape, outputs: out.shape[0], finalActivation, layers };
}

/** Images are [h, w, c]; a flat feature vector [d] is treated as [1, 1, d]. */
function toInputShape(shape: number[], file: string): [number, number, number] {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [shape[0], shape[1], 1];
  if (shape.length === 1) return [1, 1, shape[0]];
  throw new XauditError('MODEL_UNSUPPORTED', `${file}: input shape [${shape.join(', ')}] is not supported`, {
    location: { file },
  });
}
