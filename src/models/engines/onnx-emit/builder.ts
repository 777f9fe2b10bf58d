/**
 * Writes ONNX nodes and initializers (the onnx-proto.ts shapes) with fresh, unique names: what
 * the forward and backward emitters build their graph with.
 */

import {
  type Attr,
  attribute,
  FLOAT,
  INT32,
  INT64,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from '../../importers/onnx-proto.js';

/** A float tensor's value info with a symbolic batch axis 'n' in front of `shape`. */
export function batchedFloat(name: string, shape: readonly number[]): OnnxValueInfo {
  const dim = [{ dimParam: 'n' }, ...shape.map((d) => ({ dimValue: d }))];
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

export class OnnxBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private counter = 0;
  private readonly scalars = new Map<number, string>();

  fresh(hint: string): string {
    return `${hint}__${this.counter++}`;
  }

  op(type: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): void {
    const attribute_ = Object.entries(attrs).map(([name, v]) => attribute(name, v));
    this.nodes.push({
      input: inputs,
      output: outputs,
      name: this.fresh(type),
      opType: type,
      attribute: attribute_,
    });
  }

  /** A one-output node; returns its output name. */
  op1(type: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = type): string {
    const out = this.fresh(hint);
    this.op(type, inputs, [out], attrs);
    return out;
  }

  /** A float32 initializer. */
  floats(hint: string, dims: number[], data: ArrayLike<number>): string {
    const name = this.fresh(hint);
    const f = Float32Array.from(data);
    const rawData = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    this.inits.push({
      name,
      dims,
      dataType: FLOAT,
      rawData,
      floatData: [],
      int32Data: [],
      int64Data: [],
      doubleData: [],
    });
    return name;
  }

  /** An int64 initializer (shapes, axes, pads), 1-d unless `dims` says otherwise. */
  ints(hint: string, data: number[], dims = [data.length]): string {
    const name = this.fresh(hint);
    this.inits.push({
      name,
      dims,
      dataType: INT64,
      int64Data: data,
      floatData: [],
      int32Data: [],
      doubleData: [],
    });
    return name;
  }

  /** An int32 initializer, 1-d unless `dims` says otherwise. */
  int32s(hint: string, data: number[], dims = [data.length]): string {
    const name = this.fresh(hint);
    this.inits.push({
      name,
      dims,
      dataType: INT32,
      int32Data: data,
      floatData: [],
      int64Data: [],
      doubleData: [],
    });
    return name;
  }

  /** A float scalar constant, one initializer per value. */
  scalar(v: number): string {
    let name = this.scalars.get(v);
    if (name === undefined) {
      name = this.floats('scalar', [], [v]);
      this.scalars.set(v, name);
    }
    return name;
  }

  model(name: string, input: OnnxValueInfo[], output: OnnxValueInfo[]): OnnxModel {
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name, node: this.nodes, initializer: this.inits, input, output },
    };
  }
}
