/**
 * NumPy .npy files (format versions 1.0-3.0): read float32, float64, int32,
 * int64 (as numbers in range), uint8, either byte order; write float32,
 * float64 and int32, little-endian, version 1.0. C order only: a
 * Fortran-ordered file is refused rather than silently transposed.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { XauditError } from './errors.js';

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** C-order values; int64 is read into a Float64Array (exact up to 2^53). */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { dtype: NpyDtype; bytes: number }> = {
  f4: { dtype: 'float32', bytes: 4 },
  f8: { dtype: 'float64', bytes: 8 },
  i4: { dtype: 'int32', bytes: 4 },
  i8: { dtype: 'int64', bytes: 8 },
  u1: { dtype: 'uint8', bytes: 1 },
};

function bad(file: string, why: string): XauditError {
  return new XauditError('FILE_UNREADABLE', `${file}: not a usable .npy file: ${why}`, {
    location: { file },
  });
}

/** Parses the bytes of a .npy file; `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw bad(file, 'missing the \\x93NUMPY magic');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) throw bad(file, `unsupported format version ${major}.${bytes[7]}`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw bad(file, 'truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const order = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (descr === null || order === null || shapeText === null)
    throw bad(file, `cannot parse header ${header.trim()}`);
  const kind = DESCR[descr[2]];
  if (kind === undefined) {
    throw bad(
      file,
      `dtype '${descr[1]}${descr[2]}' is not supported (float32, float64, int32, int64, uint8)`,
    );
  }
  if (order[1] === 'True') throw bad(file, 'Fortran order is not supported; save with np.ascontiguousarray');
  const shape = shapeText[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(file, `bad shape (${shapeText[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (bytes.length - offset < count * kind.bytes) {
    throw bad(
      file,
      `expected ${count * kind.bytes} data bytes for shape [${shape.join(', ')}], found ${bytes.length - offset}`,
    );
  }
  const little = descr[1] !== '>';
  const at = (i: number) => offset + i * kind.bytes;
  let data: NpyData;
  switch (kind.dtype) {
    case 'float32':
      data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(at(i), little));
      break;
    case 'float64':
      data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(at(i), little));
      break;
    case 'int32':
      data = Int32Array.from({ length: count }, (_, i) => view.getInt32(at(i), little));
      break;
    case 'int64':
      data = Float64Array.from({ length: count }, (_, i) => Number(view.getBigInt64(at(i), little)));
      break;
    case 'uint8':
      data = bytes.slice(offset, offset + count);
      break;
  }
  return { dtype: kind.dtype, shape, data };
}

export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new XauditError('FILE_MISSING', `cannot read ${file}`, { location: { file }, cause: e });
  }
  return parseNpy(bytes, file);
}

/** The bytes of a version 1.0 .npy file, header padded so the data starts at a multiple of 64 (as numpy does). */
export function formatNpy(
  data: Float32Array | Float64Array | Int32Array,
  shape: readonly number[],
): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new RangeError(`shape [${shape.join(', ')}] holds ${count} values, got ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : '<i4';
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  const step = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * step, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(i * step, data[i], true);
    else view.setInt32(i * step, data[i], true);
  }
  return out;
}

/** Writes a .npy atomically (temp file + rename). */
export async function writeNpy(
  file: string,
  data: Float32Array | Float64Array | Int32Array,
  shape: readonly number[],
): Promise<void> {
  try {
    await writeFileAtomic(file, formatNpy(data, shape));
  } catch (e) {
    throw new XauditError('OUTPUT_UNWRITABLE', `cannot write ${file}`, { location: { file }, cause: e });
  }
}
