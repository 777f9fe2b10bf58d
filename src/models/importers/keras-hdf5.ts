/**
 * Read-only HDF5 access for the Keras importer, over jsfive (a pure-JS port of pyfive: no native
 * build, no wasm). Only what Keras files need: groups, string attributes, float32 datasets.
 * Anything jsfive throws (it also throws plain strings) becomes a MODEL_FORMAT error naming the file.
 */

import * as jsfive from 'jsfive';
import { XauditError } from '../../core/errors.js';

/** The 8-byte HDF5 signature (at offset 0 unless a user block precedes it; Keras never writes one). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export interface H5Array {
  shape: number[];
  data: Float32Array;
}

export class Hdf5File {
  private constructor(
    private readonly root: jsfive.File,
    /** The file named in errors (for a .keras archive: `<archive>!model.weights.h5`). */
    readonly file: string,
  ) {}

  static open(bytes: Uint8Array, file: string): Hdf5File {
    if (!isHdf5(bytes)) throw hdf5Error(file, 'not an HDF5 file (no HDF5 signature)');
    checkLength(bytes, file);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return new Hdf5File(
      guard(file, 'the HDF5 superblock', () => new jsfive.File(buffer, file)),
      file,
    );
  }

  /** True when `path` names a group. */
  hasGroup(path: string): boolean {
    return this.lookup(path) instanceof jsfive.Group;
  }

  /** Member names of a group, sorted as HDF5 stores them (by name). */
  keys(path: string): string[] {
    return guard(this.file, `group '${path}'`, () => [...this.group(path).keys]);
  }

  /** A group's or the root's attribute (undefined when absent). */
  attr(path: string, name: string): unknown {
    const obj = path === '/' ? this.root : this.lookup(path);
    if (obj === null) throw hdf5Error(this.file, `no group '${path}'`);
    return guard(this.file, `the attributes of '${path}'`, () => unpad(obj.attrs[name]));
  }

  /** A float32 dataset, copied into a Float32Array. */
  float32(path: string): H5Array {
    const ds = this.lookup(path);
    if (!(ds instanceof jsfive.Dataset)) throw hdf5Error(this.file, `'${path}' is not a dataset`);
    return guard(this.file, `dataset '${path}'`, () => {
      const dtype = ds.dtype;
      if (dtype !== '<f4' && dtype !== '>f4') {
        throw new XauditError(
          'MODEL_UNSUPPORTED',
          `${this.file}: weight '${path}' has dtype ${JSON.stringify(dtype)}; only float32 weights are supported`,
          { location: { file: this.file } },
        );
      }
      const shape = [...ds.shape];
      const value = ds.value;
      const size = shape.reduce((a, b) => a * b, 1);
      if (!isNumberList(value) || value.length !== size) {
        throw hdf5Error(this.file, `dataset '${path}' does not hold ${size} numbers (truncated or corrupt)`);
      }
      return { shape, data: Float32Array.from(value) };
    });
  }

  private group(path: string): jsfive.Group {
    const g = path === '/' ? this.root : this.lookup(path);
    if (!(g instanceof jsfive.Group)) throw hdf5Error(this.file, `no group '${path}'`);
    return g;
  }

  private lookup(path: string): jsfive.Group | jsfive.Dataset | null {
    return guard(this.file, `'${path}'`, () => {
      try {
        return this.root.get(path);
      } catch (e) {
        // jsfive throws the string '<name> not found in group' for a missing member.
        if (typeof e === 'string' && e.endsWith('not found in group')) return null;
        throw e;
      }
    });
  }
}

/**
 * The superblock records the end-of-file address; a shorter file is truncated (what h5py reports as
 * "truncated file"). jsfive does not check it and may read a cut file without noticing.
 */
function checkLength(bytes: Uint8Array, file: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[8];
  // Byte offsets of the base and end-of-file addresses (8-byte addresses, all that jsfive reads).
  const at = version === 0 ? 24 : version === 2 || version === 3 ? 12 : undefined;
  if (at === undefined || bytes.length < at + 24) return; // jsfive reports what it cannot read
  const end = view.getBigUint64(at, true) + view.getBigUint64(at + 16, true);
  if (end > BigInt(bytes.length)) {
    throw hdf5Error(
      file,
      `truncated HDF5 file: ${bytes.length} bytes, its superblock says ${end} (incomplete download or copy?)`,
    );
  }
}

/** Fixed-length HDF5 strings (numpy 'S', what Keras 2 writes) come NUL-padded; h5py strips the padding too. */
function unpad(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\0+$/, '');
  if (Array.isArray(v)) return v.map(unpad);
  return v;
}

function isNumberList(v: unknown): v is number[] {
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number');
}

function hdf5Error(file: string, what: string, cause?: unknown): XauditError {
  return new XauditError('MODEL_FORMAT', `${file}: ${what}`, { location: { file }, cause });
}

/** Runs a jsfive call; its failures (truncated files read past the end, bad headers) become MODEL_FORMAT. */
function guard<T>(file: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof XauditError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw hdf5Error(file, `cannot read ${what}: ${reason} (truncated or corrupt HDF5 file?)`, e);
  }
}
