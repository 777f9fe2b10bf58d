import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { formatNpy, parseNpy, readNpy, writeNpy } from '../../src/core/npy.js';

/** Files written by numpy 2.x np.save (base64), so the format is checked against numpy itself. */
const NUMPY = {
  f4_2x3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=',
  f8_2: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAADA',
  i4_1x2x2x1:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIsIDIsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAQAAAAIAAAADAAAA',
  bigF4_2:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAA==',
  i8_2x2:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAAEAAAAAAAAAA==',
  fortran:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAQAAAgD8AAEBA',
};
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('.npy io', () => {
  it('reads what numpy writes: float32, float64, int32, int64, big-endian', () => {
    const a = parseNpy(bytes(NUMPY.f4_2x3));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
    const b = parseNpy(bytes(NUMPY.f8_2));
    expect([b.dtype, b.shape, Array.from(b.data)]).toEqual(['float64', [2], [1.5, -2]]);
    const c = parseNpy(bytes(NUMPY.i4_1x2x2x1));
    expect([c.dtype, c.shape, Array.from(c.data)]).toEqual(['int32', [1, 2, 2, 1], [0, 1, 2, 3]]);
    expect(c.data).toBeInstanceOf(Int32Array);
    const d = parseNpy(bytes(NUMPY.bigF4_2));
    expect(Array.from(d.data)).toEqual([1, 2]);
    const e = parseNpy(bytes(NUMPY.i8_2x2));
    expect([e.dtype, e.shape, Array.from(e.data)]).toEqual(['int64', [2, 2], [1, 2, 3, 4]]);
  });

  it('writes byte for byte what numpy writes', () => {
    expect(Buffer.from(formatNpy(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3]))).toEqual(
      Buffer.from(bytes(NUMPY.f4_2x3)),
    );
    expect(Buffer.from(formatNpy(Float64Array.from([1.5, -2]), [2]))).toEqual(Buffer.from(bytes(NUMPY.f8_2)));
    expect(Buffer.from(formatNpy(Int32Array.from([0, 1, 2, 3]), [1, 2, 2, 1]))).toEqual(
      Buffer.from(bytes(NUMPY.i4_1x2x2x1)),
    );
  });

  it('round-trips through files, including scalars, empty arrays and long headers', async () => {
    const cases: [Float32Array | Float64Array | Int32Array, number[]][] = [
      [Float32Array.from([Math.PI, -0, Number.NaN, 1e-30]), [2, 1, 2]],
      [Float64Array.from([Math.E]), []],
      [new Int32Array(0), [0, 3]],
      [Int32Array.from({ length: 24 }, (_, i) => i - 12), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4]],
    ];
    for (const [data, shape] of cases) {
      const file = join(dir, `a${shape.length}.npy`);
      await writeNpy(file, data, shape);
      const back = await readNpy(file);
      expect(back.shape).toEqual(shape);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(
        Buffer.from(data.buffer),
      );
      expect((formatNpy(data, shape).length - data.byteLength) % 64).toBe(0);
    }
  });

  it('refuses Fortran order, unknown dtypes, truncated data and non-npy files with FILE_UNREADABLE', async () => {
    const fail = (b: Uint8Array) => {
      try {
        parseNpy(b, 'x.npy');
      } catch (e) {
        expect(e).toBeInstanceOf(XauditError);
        expect((e as XauditError).code).toBe('FILE_UNREADABLE');
        return (e as XauditError).message;
      }
      throw new Error('expected a failure');
    };
    expect(fail(bytes(NUMPY.fortran))).toMatch(/Fortran order/);
    // Same header length, so only the dtype is wrong.
    const complex = Buffer.from(
      Buffer.from(bytes(NUMPY.f4_2x3)).toString('latin1').replace("'<f4'", "'<c8'"),
      'latin1',
    );
    expect(fail(complex)).toMatch(/dtype '<c8' is not supported/);
    expect(fail(bytes(NUMPY.f4_2x3).subarray(0, 130))).toMatch(/expected 24 data bytes/);
    expect(fail(new TextEncoder().encode('hello world'))).toMatch(/magic/);
    const missing = join(dir, 'nope.npy');
    await expect(readNpy(missing)).rejects.toMatchObject({ code: 'FILE_MISSING' });
    await writeFile(join(dir, 'text.npy'), 'not numpy');
    await expect(readNpy(join(dir, 'text.npy'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});
