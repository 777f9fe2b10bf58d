/** Converts one Keras layer into IR nodes. The last node returned carries the layer's name. */

import { XauditError } from '../../core/errors.js';
import {
  batchNormNode,
  type Conv2dNode,
  type DenseNode,
  type IrNode,
  NO_ATTRS,
  NO_WEIGHTS,
  type Padding,
  sizeOf,
  type UnaryOp,
} from '../ir/graph.js';
import { dilatedSize, windowAxis } from '../ir/windows.js';
import { asArray, asBatchShape, asNumber, asPair, isObject } from './json-fields.js';
import type { KerasLayer } from './keras-topology.js';
import type { NamedWeight } from './tfjs-weights.js';

export const SUPPORTED_LAYERS = [
  'InputLayer',
  'Conv2D',
  'Dense',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'Softmax',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
  'BatchNormalization',
  'Dropout',
  'Add',
] as const;

export const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax'] as const;

export interface LayerContext {
  file: string;
  weights: Map<string, NamedWeight>;
}

type Converter = (layer: KerasLayer, inputs: IrNode[], ctx: LayerContext) => IrNode[];

const ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
};

export function convertLayer(layer: KerasLayer, inputs: IrNode[], ctx: LayerContext): IrNode[] {
  const cls = ALIASES[layer.className] ?? layer.className;
  const convert = CONVERTERS[cls];
  if (convert === undefined) {
    throw unsupported(
      ctx,
      layer,
      `layer type is not supported; supported layers: ${SUPPORTED_LAYERS.join(', ')}`,
    );
  }
  checkDtype(layer, ctx);
  const df = layer.config.data_format;
  if (df !== undefined && df !== null && df !== 'channels_last') {
    throw unsupported(ctx, layer, `data_format '${String(df)}' is not supported; only channels_last is`);
  }
  if (cls !== 'InputLayer' && cls !== 'Add' && inputs.length !== 1) {
    throw unsupported(ctx, layer, `expects one input, got ${inputs.length}`);
  }
  return convert(layer, inputs, ctx);
}

function unsupported(ctx: LayerContext, layer: KerasLayer, what: string): XauditError {
  return new XauditError(
    'MODEL_UNSUPPORTED',
    `${ctx.file}: layer '${layer.name}' (${layer.className}): ${what}`,
    {
      location: { file: ctx.file },
    },
  );
}

function checkDtype(layer: KerasLayer, ctx: LayerContext): void {
  const d = layer.config.dtype;
  // Keras 3 writes a DTypePolicy object.
  const name = isObject(d) && isObject(d.config) ? d.config.name : d;
  if (name !== undefined && name !== null && name !== 'float32') {
    throw unsupported(ctx, layer, `dtype '${String(name)}' is not supported; only float32 is`);
  }
}

function weight(ctx: LayerContext, layer: KerasLayer, param: string, size: number): Float32Array {
  const w = ctx.weights.get(`${layer.name}/${param}`);
  if (w === undefined) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${ctx.file}: layer '${layer.name}' needs weight '${param}', not in the manifest`,
      {
        location: { file: ctx.file },
      },
    );
  }
  if (w.data.length !== size) {
    throw new XauditError(
      'MODEL_FORMAT',
      `${ctx.file}: weight '${w.name}' has ${w.data.length} values, layer '${layer.name}' needs ${size}`,
      { location: { file: ctx.file } },
    );
  }
  return w.data;
}

function padding(layer: KerasLayer, ctx: LayerContext): Padding {
  const p = layer.config.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw unsupported(ctx, layer, `padding '${String(p)}' is not supported`);
  return p;
}

function spatialInput(layer: KerasLayer, input: IrNode, ctx: LayerContext): [number, number, number] {
  if (input.shape.length !== 3) {
    throw unsupported(ctx, layer, `expects an [h, w, c] input, got [${input.shape.join(', ')}]`);
  }
  return [input.shape[0], input.shape[1], input.shape[2]];
}

/** Appends the node for a fused `activation` field; the pre-activation node is renamed `<layer>/preact`. */
function withActivation(layer: KerasLayer, main: IrNode, ctx: LayerContext): IrNode[] {
  const act = activationOp(layer, layer.config.activation ?? 'linear', ctx);
  if (act === 'identity') return [main];
  main.name = `${layer.name}/preact`;
  return [main, unary(layer.name, act, main)];
}

function activationOp(layer: KerasLayer, raw: unknown, ctx: LayerContext): UnaryOp {
  // Keras 3 may serialise an activation as {class_name, config}; only plain names are supported.
  const name = typeof raw === 'string' ? raw : isObject(raw) ? raw.class_name : raw;
  switch (name) {
    case 'linear':
      return 'identity';
    case 'relu':
    case 'relu6':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
      return name;
    default:
      throw unsupported(
        ctx,
        layer,
        `activation '${String(name)}' is not supported; supported activations: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
      );
  }
}

function unary(name: string, op: UnaryOp, input: IrNode, shape = input.shape): IrNode {
  return { name, op, inputs: [input.name], shape: [...shape], attrs: NO_ATTRS, weights: NO_WEIGHTS };
}

const CONVERTERS: Record<string, Converter> = {
  InputLayer(layer, _inputs, ctx) {
    const c = layer.config;
    const shape = asBatchShape(
      c.batch_input_shape ?? c.batch_shape,
      ctx.file,
      `${layer.name}.batch_input_shape`,
    );
    return [{ name: layer.name, op: 'input', inputs: [], shape, attrs: NO_ATTRS, weights: NO_WEIGHTS }];
  },

  Conv2D(layer, [input], ctx) {
    const c = layer.config;
    const [h, w, cin] = spatialInput(layer, input, ctx);
    const cout = asNumber(c.filters, ctx.file, `${layer.name}.filters`);
    const [kh, kw] = asPair(c.kernel_size, ctx.file, `${layer.name}.kernel_size`);
    const strides = asPair(c.strides ?? 1, ctx.file, `${layer.name}.strides`);
    const dilation = asPair(c.dilation_rate ?? 1, ctx.file, `${layer.name}.dilation_rate`);
    if ((c.groups ?? 1) !== 1) throw unsupported(ctx, layer, 'grouped convolution is not supported');
    if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
      throw unsupported(ctx, layer, 'strides > 1 together with dilation_rate > 1 is not supported');
    }
    const pad = padding(layer, ctx);
    const oh = windowAxis(h, dilatedSize(kh, dilation[0]), strides[0], pad).out;
    const ow = windowAxis(w, dilatedSize(kw, dilation[1]), strides[1], pad).out;
    const node: Conv2dNode = {
      name: layer.name,
      op: 'conv2d',
      inputs: [input.name],
      shape: [oh, ow, cout],
      attrs: { kernelShape: [kh, kw, cin, cout], strides, padding: pad, dilation },
      weights: { kernel: weight(ctx, layer, 'kernel', kh * kw * cin * cout) },
    };
    if (c.use_bias !== false) node.weights.bias = weight(ctx, layer, 'bias', cout);
    return withActivation(layer, node, ctx);
  },

  Dense(layer, [input], ctx) {
    const c = layer.config;
    const units = asNumber(c.units, ctx.file, `${layer.name}.units`);
    const cin = input.shape[input.shape.length - 1];
    const node: DenseNode = {
      name: layer.name,
      op: 'dense',
      inputs: [input.name],
      shape: [...input.shape.slice(0, -1), units],
      attrs: { kernelShape: [cin, units] },
      weights: { kernel: weight(ctx, layer, 'kernel', cin * units) },
    };
    if (c.use_bias !== false) node.weights.bias = weight(ctx, layer, 'bias', units);
    return withActivation(layer, node, ctx);
  },

  BatchNormalization(layer, [input], ctx) {
    const c = layer.config;
    const rank = input.shape.length;
    const axisRaw = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
    if (axisRaw !== -1 && axisRaw !== rank) {
      throw unsupported(
        ctx,
        layer,
        `axis ${JSON.stringify(c.axis)} is not supported; only the channel axis (-1) is`,
      );
    }
    const ch = input.shape[rank - 1];
    const epsilon = asNumber(c.epsilon ?? 1e-3, ctx.file, `${layer.name}.epsilon`);
    const gamma = c.scale === false ? new Float32Array(ch).fill(1) : weight(ctx, layer, 'gamma', ch);
    const beta = c.center === false ? new Float32Array(ch) : weight(ctx, layer, 'beta', ch);
    const mean = weight(ctx, layer, 'moving_mean', ch);
    const variance = weight(ctx, layer, 'moving_variance', ch);
    return [batchNormNode(layer.name, input, { gamma, beta, mean, variance }, epsilon)];
  },

  Activation(layer, [input], ctx) {
    return [unary(layer.name, activationOp(layer, layer.config.activation, ctx), input)];
  },

  ReLU(layer, [input], ctx) {
    const c = layer.config;
    const max = c.max_value ?? null;
    const slope = asNumber(c.negative_slope ?? 0, ctx.file, `${layer.name}.negative_slope`);
    const threshold = asNumber(c.threshold ?? 0, ctx.file, `${layer.name}.threshold`);
    if (threshold !== 0) throw unsupported(ctx, layer, 'a non-zero threshold is not supported');
    if (max === null && slope === 0) return [unary(layer.name, 'relu', input)];
    if (max === 6 && slope === 0) return [unary(layer.name, 'relu6', input)];
    if (max === null) return [leaky(layer.name, slope, input)];
    throw unsupported(ctx, layer, `max_value ${String(max)} with negative_slope ${slope} is not supported`);
  },

  LeakyReLU(layer, [input], ctx) {
    const c = layer.config;
    return [
      leaky(layer.name, asNumber(c.alpha ?? c.negative_slope ?? 0.3, ctx.file, `${layer.name}.alpha`), input),
    ];
  },

  Softmax(layer, [input], ctx) {
    const axis = layer.config.axis ?? -1;
    const last = Array.isArray(axis) ? axis.length === 1 && axis[0] === -1 : axis === -1;
    if (!last && axis !== input.shape.length)
      throw unsupported(ctx, layer, 'only softmax over the last axis is supported');
    return [unary(layer.name, 'softmax', input)];
  },

  Dropout(layer, [input]) {
    return [unary(layer.name, 'identity', input)];
  },

  Flatten(layer, [input]) {
    return [unary(layer.name, 'flatten', input, [sizeOf(input.shape)])];
  },

  Reshape(layer, [input], ctx) {
    const target = asArray(layer.config.target_shape, ctx.file, `${layer.name}.target_shape`).map((d) =>
      asNumber(d, ctx.file, `${layer.name}.target_shape`),
    );
    const total = sizeOf(input.shape);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = target.map((d) => (d === -1 ? total / known : d));
    if (sizeOf(shape) !== total || shape.some((d) => !Number.isInteger(d))) {
      throw unsupported(ctx, layer, `cannot reshape [${input.shape.join(', ')}] to [${target.join(', ')}]`);
    }
    return [
      { name: layer.name, op: 'reshape', inputs: [input.name], shape, attrs: NO_ATTRS, weights: NO_WEIGHTS },
    ];
  },

  MaxPooling2D: pooling('maxpool'),
  AveragePooling2D: pooling('avgpool'),

  GlobalAveragePooling2D(layer, [input], ctx) {
    const [, , ch] = spatialInput(layer, input, ctx);
    const keepDims = layer.config.keepdims === true;
    const shape = keepDims ? [1, 1, ch] : [ch];
    return [
      {
        name: layer.name,
        op: 'globalavgpool',
        inputs: [input.name],
        shape,
        attrs: { keepDims },
        weights: NO_WEIGHTS,
      },
    ];
  },

  Add(layer, inputs, ctx) {
    if (inputs.length < 2) throw unsupported(ctx, layer, 'needs at least two inputs');
    const shape = inputs[0].shape;
    for (const i of inputs) {
      if (i.shape.join(',') !== shape.join(',')) {
        throw unsupported(ctx, layer, `inputs of different shapes (broadcasting) are not supported`);
      }
    }
    return [
      {
        name: layer.name,
        op: 'add',
        inputs: inputs.map((i) => i.name),
        shape: [...shape],
        attrs: NO_ATTRS,
        weights: NO_WEIGHTS,
      },
    ];
  },
};

function leaky(name: string, alpha: number, input: IrNode): IrNode {
  return {
    name,
    op: 'leakyrelu',
    inputs: [input.name],
    shape: [...input.shape],
    attrs: { alpha },
    weights: NO_WEIGHTS,
  };
}

function pooling(op: 'maxpool' | 'avgpool'): Converter {
  return (layer, [input], ctx) => {
    const c = layer.config;
    const [h, w] = spatialInput(layer, input, ctx);
    const pool = asPair(c.pool_size ?? 2, ctx.file, `${layer.name}.pool_size`);
    const strides = asPair(c.strides ?? pool, ctx.file, `${layer.name}.strides`);
    const pad = padding(layer, ctx);
    const shape = [
      windowAxis(h, pool[0], strides[0], pad).out,
      windowAxis(w, pool[1], strides[1], pad).out,
      input.shape[2],
    ];
    return [
      {
        name: layer.name,
        op,
        inputs: [input.name],
        shape,
        attrs: { pool, strides, padding: pad },
        weights: NO_WEIGHTS,
      },
    ];
  };
}
