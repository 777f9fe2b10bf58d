/**
 * Normalises a Keras model topology (Sequential or Functional, tfjs / Keras 2 /
 * Keras 3 spellings) into one list of layers with their input layer names.
 */

import { XauditError } from '../../core/errors.js';
import { asArray, asObject, asString, formatError, isObject, type Json } from './json-fields.js';

export interface KerasLayer {
  name: string;
  className: string;
  config: Json;
  /** Names of the layers feeding this one ([] for InputLayer). */
  inbound: string[];
}

export interface KerasTopology {
  layers: KerasLayer[];
  input: string;
  output: string;
  kerasVersion?: string;
}

export function parseTopology(raw: unknown, file: string): KerasTopology {
  let top = asObject(raw, file, 'modelTopology');
  const kerasVersion = typeof top.keras_version === 'string' ? top.keras_version : undefined;
  // The tfjs converter nests the model under model_config.
  if (isObject(top.model_config)) top = top.model_config;
  const className = asString(top.class_name, file, 'modelTopology.class_name');
  if (className === 'Sequential') return { ...sequential(top.config, file), kerasVersion };
  if (className === 'Model' || className === 'Functional')
    return { ...functional(top.config, file), kerasVersion };
  throw new XauditError(
    'MODEL_UNSUPPORTED',
    `${file}: model class '${className}' is not supported; supported: Sequential, Model, Functional`,
    { location: { file } },
  );
}

function layerHeader(
  raw: unknown,
  file: string,
  what: string,
): { className: string; config: Json; name: string } {
  const l = asObject(raw, file, what);
  const className = asString(l.class_name, file, `${what}.class_name`);
  const config = asObject(l.config ?? {}, file, `${what}.config`);
  const name = asString(l.name ?? config.name, file, `${what}.name`);
  return { className, config, name };
}

function sequential(configRaw: unknown, file: string): Omit<KerasTopology, 'kerasVersion'> {
  // tfjs < 1.0 wrote the layer list directly as the config.
  const list = Array.isArray(configRaw)
    ? configRaw
    : asArray(asObject(configRaw, file, 'config').layers, file, 'config.layers');
  const layers: KerasLayer[] = [];
  for (const [i, raw] of list.entries()) {
    const { className, config, name } = layerHeader(raw, file, `config.layers[${i}]`);
    if (i === 0 && className !== 'InputLayer') {
      const shape = config.batch_input_shape ?? config.batch_shape;
      if (shape === undefined) throw formatError(file, `first layer '${name}' has no batch_input_shape`);
      layers.push({
        name: `${name}_input`,
        className: 'InputLayer',
        config: { batch_input_shape: shape },
        inbound: [],
      });
    }
    const prev = layers[layers.length - 1];
    layers.push({ name, className, config, inbound: prev === undefined ? [] : [prev.name] });
  }
  if (layers.length === 0) throw formatError(file, 'the model has no layers');
  return { layers, input: layers[0].name, output: layers[layers.length - 1].name };
}

function functional(configRaw: unknown, file: string): Omit<KerasTopology, 'kerasVersion'> {
  const config = asObject(configRaw, file, 'config');
  const list = asArray(config.layers, file, 'config.layers');
  const layers = list.map((raw, i): KerasLayer => {
    const { className, config: lc, name } = layerHeader(raw, file, `config.layers[${i}]`);
    const nodes = asArray(asObject(raw, file, 'layer').inbound_nodes ?? [], file, `${name}.inbound_nodes`);
    if (nodes.length > 1) {
      throw new XauditError(
        'MODEL_UNSUPPORTED',
        `${file}: layer '${name}' (${className}) is shared (called ${nodes.length} times); shared layers are not supported`,
        { location: { file } },
      );
    }
    return {
      name,
      className,
      config: lc,
      inbound: nodes.length === 0 ? [] : inboundNames(nodes[0], file, name),
    };
  });
  const inputs = endpointNames(config.input_layers, file, 'input_layers');
  const outputs = endpointNames(config.output_layers, file, 'output_layers');
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: models with ${inputs.length} inputs and ${outputs.length} outputs are not supported; one input and one output are`,
      { location: { file } },
    );
  }
  return { layers, input: inputs[0], output: outputs[0] };
}

/** tfjs/Keras 2: [[name, node, tensor, kwargs], ...]; Keras 3: {args: [...keras tensors], kwargs}. */
function inboundNames(node: unknown, file: string, layer: string): string[] {
  const names: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string') names.push(v[0]);
      else for (const x of v) visit(x);
    } else if (isObject(v)) {
      if (v.class_name === '__keras_tensor__' && isObject(v.config)) {
        const history = asArray(v.config.keras_history, file, `${layer}.inbound_nodes keras_history`);
        names.push(asString(history[0], file, `${layer}.inbound_nodes keras_history`));
      } else if (v.args !== undefined) visit(v.args);
    }
  };
  visit(node);
  if (names.length === 0) throw formatError(file, `layer '${layer}' has an inbound node without inputs`);
  return names;
}

function endpointNames(v: unknown, file: string, what: string): string[] {
  const a = asArray(v, file, `config.${what}`);
  // Keras 3 writes a single endpoint flat: [name, 0, 0].
  if (typeof a[0] === 'string') return [a[0]];
  return a.map((e, i) => asString(asArray(e, file, `config.${what}[${i}]`)[0], file, `config.${what}[${i}]`));
}
