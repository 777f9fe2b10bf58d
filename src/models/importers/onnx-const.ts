/**
 * Constant tensors of an ONNX graph (initializers, Constant nodes) and the folding of the small
 * shape computations exporters leave behind (e.g. torch's F.pad builds its pads with
 * ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast).
 */

import { XauditError } from '../../core/errors.js';
import {
  BOOL,
  DOUBLE,
  FLOAT,
  INT8,
  INT32,
  INT64,
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
  UINT8,
} from './onnx-proto.js';

export interface Const {
  dims: number[];
  /** Row-major values; integers and floats alike as JS numbers. */
  data: Float64Array;
}

export function tensorToConst(t: OnnxTensor, file: string): Const {
  const dims = (t.dims ?? []).map(Number);
  const size = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === 1) {
    throw new XauditError(
      'MODEL_UNSUPPORTED',
      `${file}: tensor '${t.name}' keeps its data in an external file; save the model with its weights inside`,
      { location: { file } },
    );
  }
  let data: Float64Array;
  const raw = t.rawData;
  if (raw !== undefined && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float64Array(size);
    const width = { [FLOAT]: 4, [INT32]: 4, [INT64]: 8, [DOUBLE]: 8, [BOOL]: 1, [UINT8]: 1, [INT8]: 1 }[
      t.dataType
    ];
    if (width === undefined) throw unsupportedType(t, file);
    if (raw.length !== size * width) {
      throw new XauditError(
        'MODEL_FORMAT',
        `${file}: tensor '${t.name}' has ${raw.length} bytes of data, its shape [${dims.join(', ')}] needs ${size * width}`,
        { location: { file } },
      );
    }
    for (let i = 0; i < size; i++) {
      const o = i * width;
      data[i] =
        t.dataType === FLOAT
          ? view.getFloat32(o, true)
          : t.dataType === INT32
            ? view.getInt32(o, true)
            : t.dataType === INT64
              ? Number(view.getBigInt64(o, true))
              : t.dataType === DOUBLE
                ? view.getFloat64(o, true)
                : t.dataType === INT8
                  ? view.getInt8(o)
                  : view.getUint8(o);
    }
  } else {
    const src =
      t.dataType === FLOAT
        ? t.floatData
        : t.dataType === INT64
          ? t.int64Data
          : t.dataType === DOUBLE
            ? t.doubleData
            : [INT32, BOOL, UINT8, INT8].includes(t.dataType)
              ? t.int32Data
              : undefined;
    if (src === undefined) throw unsupportedType(t, file);
    data = Float64Array.from(src ?? [], Number);
    if (data.length !== size) {
      throw new XauditError(
        'MODEL_FORMAT',
        `${file}: tensor '${t.name}' has ${data.length} values, its shape [${dims.join(', ')}] needs ${size}`,
        { location: { file } },
      );
    }
  }
  return { dims, data };
}

function unsupportedType(t: OnnxTensor, file: string): XauditError {
  return new XauditError(
    'MODEL_UNSUPPORTED',
    `${file}: tensor '${t.name}' has ONNX data type ${t.dataType}; only float32/float64/int8/uint8/int32/int64/bool are read`,
    { location: { file } },
  );
}

export function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: OnnxNode, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.i === undefined ? dflt : Number(a.i);
}

export function attrFloat(node: OnnxNode, name: string, dflt: number): number {
  return attr(node, name)?.f ?? dflt;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return a === undefined ? undefined : a.ints.map(Number);
}

export function attrString(node: OnnxNode, name: string, dflt: string): string {
  const s = attr(node, name)?.s;
  return s === undefined ? dflt : new TextDecoder().decode(s);
}

const strides = (dims: number[]): number[] => {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
};

const sizeOf = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

/** Evaluates `out[index] = src[at(index)]` over every index of `dims`. */
function gather(dims: number[], at: (idx: number[]) => number, src: Float64Array): Const {
  const n = sizeOf(dims);
  const data = new Float64Array(n);
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    data[i] = src[at(idx)];
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return { dims, data };
}

function elementwise(a: Const, b: Const, f: (x: number, y: number) => number): Const | undefined {
  if (sizeOf(b.dims) === 1) return { dims: a.dims, data: a.data.map((x) => f(x, b.data[0])) };
  if (sizeOf(a.dims) === 1) return { dims: b.dims, data: b.data.map((y) => f(a.data[0], y)) };
  if (a.dims.join() !== b.dims.join()) return undefined;
  return { dims: a.dims, data: a.data.map((x, i) => f(x, b.data[i])) };
}

const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

type Folder = (node: OnnxNode, ins: Const[], file: string) => Const | undefined;

/** Ops evaluated at import when all their inputs are constant; undefined = cannot fold this case. */
export const FOLDERS: Record<string, Folder> = {
  Constant(node, _ins, file) {
    const a = node.attribute[0];
    if (a === undefined) return undefined;
    if (a.name === 'value' && a.t !== undefined) return tensorToConst(a.t, file);
    if (a.name === 'value_float') return { dims: [], data: Float64Array.of(a.f ?? 0) };
    if (a.name === 'value_int') return { dims: [], data: Float64Array.of(Number(a.i ?? 0)) };
    if (a.name === 'value_floats') return { dims: [a.floats.length], data: Float64Array.from(a.floats) };
    if (a.name === 'value_ints') return { dims: [a.ints.length], data: Float64Array.from(a.ints, Number) };
    return undefined;
  },
  Identity: (_n, [x]) => x,
  Cast(node, [x]) {
    const to = attrInt(node, 'to', FLOAT);
    const isInt = [INT32, INT64, INT8, UINT8, BOOL].includes(to);
    return isInt ? { dims: x.dims, data: x.data.map(Math.trunc) } : x;
  },
  Shape: (_n, [x]) => ({ dims: [x.dims.length], data: Float64Array.from(x.dims) }),
  ConstantOfShape(node, [shape], file) {
    const v = attr(node, 'value')?.t;
    const fill = v === undefined ? 0 : tensorToConst(v, file).data[0];
    const dims = [...shape.data];
    return { dims, data: new Float64Array(sizeOf(dims)).fill(fill) };
  },
  Concat(node, ins) {
    const rank = ins[0].dims.length;
    const axis = norm(attrInt(node, 'axis', 0), rank);
    const outer = sizeOf(ins[0].dims.slice(0, axis));
    const dims = [...ins[0].dims];
    dims[axis] = ins.reduce((s, c) => s + c.dims[axis], 0);
    const data: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const c of ins) {
        const chunk = sizeOf(c.dims.slice(axis));
        data.push(...c.data.subarray(o * chunk, (o + 1) * chunk));
      }
    }
    return { dims, data: Float64Array.from(data) };
  },
  Reshape(_node, [x, shape]) {
    const want = [...shape.data];
    const known = want.map((d, i) => (d === 0 ? x.dims[i] : d));
    const rest = sizeOf(x.dims) / sizeOf(known.filter((d) => d !== -1));
    return { dims: known.map((d) => (d === -1 ? rest : d)), data: x.data };
  },
  Unsqueeze(node, [x, axesIn]) {
    const axes = axesIn !== undefined ? [...axesIn.data] : (attrInts(node, 'axes') ?? []);
    const rank = x.dims.length + axes.length;
    const dims = [...x.dims];
    for (const a of axes.map((v) => norm(v, rank)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
    return { dims, data: x.data };
  },
  Squeeze(node, [x, axesIn]) {
    const axes = axesIn !== undefined ? [...axesIn.data] : attrInts(node, 'axes');
    const drop = new Set(
      (axes ?? x.dims.map((d, i) => (d === 1 ? i : -1))).map((a) => norm(a, x.dims.length)),
    );
    return { dims: x.dims.filter((_, i) => !drop.has(i)), data: x.data };
  },
  Gather(node, [x, idx]) {
    const axis = norm(attrInt(node, 'axis', 0), x.dims.length);
    if (axis !== 0) return undefined;
    const inner = sizeOf(x.dims.slice(1));
    const data: number[] = [];
    for (const i of idx.data) {
      const r = norm(i, x.dims[0]);
      data.push(...x.data.subarray(r * inner, (r + 1) * inner));
    }
    return { dims: [...idx.dims, ...x.dims.slice(1)], data: Float64Array.from(data) };
  },
  Transpose(node, [x]) {
    const rank = x.dims.length;
    const perm = attrInts(node, 'perm') ?? x.dims.map((_, i) => rank - 1 - i);
    const st = strides(x.dims);
    return gather(
      perm.map((p) => x.dims[p]),
      (idx) => idx.reduce((s, v, k) => s + v * st[perm[k]], 0),
      x.data,
    );
  },
  Slice(_node, [x, starts, ends, axesIn, stepsIn]) {
    const rank = x.dims.length;
    const begin = x.dims.map(() => 0);
    const step = x.dims.map(() => 1);
    const dims = [...x.dims];
    const axes = axesIn === undefined ? [...starts.data].map((_, i) => i) : [...axesIn.data];
    axes.forEach((a0, k) => {
      const a = norm(a0, rank);
      const d = x.dims[a];
      const s = stepsIn === undefined ? 1 : stepsIn.data[k];
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
      const b = s > 0 ? clamp(starts.data[k], 0, d) : clamp(starts.data[k], -1, d - 1);
      const e = s > 0 ? clamp(ends.data[k], 0, d) : clamp(ends.data[k], -1, d - 1);
      begin[a] = b;
      step[a] = s;
      dims[a] = Math.max(0, Math.ceil((e - b) / s));
    });
    const st = strides(x.dims);
    return gather(
      dims,
      (idx) => idx.reduce((sum, v, k) => sum + (begin[k] + v * step[k]) * st[k], 0),
      x.data,
    );
  },
  Add: (_n, [a, b]) => elementwise(a, b, (x, y) => x + y),
  Sub: (_n, [a, b]) => elementwise(a, b, (x, y) => x - y),
  Mul: (_n, [a, b]) => elementwise(a, b, (x, y) => x * y),
  Div: (_n, [a, b]) => elementwise(a, b, (x, y) => x / y),
};
