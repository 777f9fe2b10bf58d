/**
 * The subset of onnx.proto (onnx/onnx, IR version 3+) the importer reads, as a protobufjs JSON
 * descriptor: no codegen step. Field numbers are onnx.proto's; unknown fields are skipped by the decoder.
 */

import protobuf from 'protobufjs';

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: { packed: false } },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: { packed: false } },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: { packed: false } },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: { rule: 'repeated', type: 'double', id: 10, options: { packed: true } },
            docString: { type: 'string', id: 12 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: 'TensorTypeProto', id: 1 } },
        },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
        },
        Dimension: {
          fields: {
            dimValue: { type: 'int64', id: 1 },
            dimParam: { type: 'string', id: 2 },
            denotation: { type: 'string', id: 3 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

export interface OnnxTensor {
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  name: string;
  rawData?: Uint8Array;
  doubleData: number[];
  dataLocation?: number;
}

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
  type?: number;
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim: { dimValue?: number; dimParam?: string }[] } } };
}

export interface OnnxModel {
  irVersion?: number;
  opsetImport: { domain?: string; version?: number }[];
  graph?: {
    node: OnnxNode[];
    name?: string;
    initializer: OnnxTensor[];
    input: OnnxValueInfo[];
    output: OnnxValueInfo[];
  };
}

// onnx.proto is proto2: explicit presence (a set 0 is written back) and unpacked repeated scalars.
for (const t of Object.values(DESCRIPTOR.nested.onnx.nested)) Object.assign(t, { edition: 'proto2' });
const root = protobuf.Root.fromJSON(DESCRIPTOR);
const ModelProto = root.lookupType('onnx.ModelProto');

/** Decodes a ModelProto (throws protobufjs' error on malformed or truncated bytes). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, { longs: Number, arrays: true, defaults: false }) as OnnxModel;
}

/** Encodes a model; only the fields modelled here survive (see reencodesLosslessly). */
export function encodeModel(m: OnnxModel): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(m)).finish();
}

/** True when decoding and encoding `bytes` gives them back exactly: no field we do not model is lost. */
export function reencodesLosslessly(bytes: Uint8Array): boolean {
  const again = ModelProto.encode(ModelProto.decode(bytes)).finish();
  return again.length === bytes.length && again.every((b, i) => b === bytes[i]);
}

/** TensorProto.DataType codes xaudit reads or writes. */
export const FLOAT = 1;
export const UINT8 = 2;
export const INT8 = 3;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;
export const DOUBLE = 11;

/** AttributeProto.AttributeType codes. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** An attribute value: int, ints, string, or a float as `{ f }`. */
export type Attr = number | number[] | string | { f: number };

/** One node attribute of `name`, typed from the value's JS type. */
export function attribute(name: string, v: Attr): OnnxAttribute {
  if (typeof v === 'string')
    return { name, s: new TextEncoder().encode(v), type: ATTR.STRING, floats: [], ints: [] };
  if (Array.isArray(v)) return { name, ints: v, type: ATTR.INTS, floats: [] };
  if (typeof v === 'number') return { name, i: v, type: ATTR.INT, floats: [], ints: [] };
  return { name, f: v.f, type: ATTR.FLOAT, floats: [], ints: [] };
}

/**
 * The model with an NHWC input: a Transpose to NCHW inserted before everything, so that
 * onnxruntime does the layout change (faster than JS, and fused where it can). `logits` becomes
 * a graph output if it is not one. Undefined when re-encoding would lose fields we do not model.
 */
export function withNhwcInput(bytes: Uint8Array, input: string, logits: string): Uint8Array | undefined {
  if (!reencodesLosslessly(bytes)) return undefined;
  const m = decodeModel(bytes);
  const g = m.graph!;
  const v = g.input.find((i) => i.name === input)!;
  const dims = v.type?.tensorType?.shape?.dim;
  if (dims === undefined || dims.length !== 4) return undefined;
  const nhwc = `${input}__xaudit_nhwc`;
  v.name = nhwc;
  v.type!.tensorType!.shape!.dim = [dims[0], dims[2], dims[3], dims[1]];
  g.node.unshift({
    input: [nhwc],
    output: [input],
    name: 'xaudit_nhwc_to_nchw',
    opType: 'Transpose',
    attribute: [attribute('perm', [0, 3, 1, 2])],
  });
  if (!g.output.some((o) => o.name === logits)) {
    g.output.push({ name: logits, type: { tensorType: { elemType: FLOAT } } });
  }
  return encodeModel(m);
}

/**
 * Bytes that, appended to a serialised model, add graph outputs: protobuf merges a repeated
 * embedded message field, so the original bytes (and fields we do not model) stay untouched.
 */
export function extraOutputs(names: readonly string[]): Uint8Array {
  const msg = ModelProto.fromObject({
    graph: { output: names.map((name) => ({ name, type: { tensorType: { elemType: FLOAT } } })) },
  });
  return ModelProto.encode(msg).finish();
}
