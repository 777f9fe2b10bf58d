/**
 * Pooling gradients. Max-pool routes each window's gradient to its first maximum in row-major
 * order (overlapping windows sum); average pooling spreads dy / count over the window.
 */

import { type Attr, INT32, INT64 } from '../../importers/onnx-proto.js';
import type { PoolNode } from '../../ir/graph.js';
import { BackwardUnsupported, type EmitContext, windowPads } from './context.js';

/**
 * Windows that tile the input exactly (stride == window, no padding, sizes divisible): the
 * forward pass needs no MaxPool indices, maxPoolGrad finds the first maxima itself.
 * onnxruntime's MaxPool with indices is a scalar single-threaded loop (~9 ms for a
 * 32x16x64x64 input on one core, 20x its NCHWc MaxPool); see maxPoolGrad.
 */
export function tilesExactly(node: PoolNode, [h, w]: readonly number[]): boolean {
  const { pool, strides } = node.attrs;
  return strides[0] === pool[0] && strides[1] === pool[1] && h % pool[0] === 0 && w % pool[1] === 0;
}

/**
 * The max-pool input gradient (NCHW) of `g` (the pooled gradient, NCHW). Exact tilings: the
 * flat index of each window's first maximum is computed as `base + offset` (offset: the first
 * window position p, in row-major order, whose strided slice x[p::k] equals the pooled y: k*k-1
 * Equal + Where at the pooled size) and MaxUnpool scatters g there. Otherwise the forward
 * MaxPool's indices: MaxUnpool where windows do not overlap, else a scatter-add.
 */
export function maxPoolGrad(ctx: EmitContext, node: PoolNode, g: string): string {
  const { b } = ctx;
  const a = node.attrs;
  const [h, w] = ctx.src(node).shape;
  const x = ctx.input(node, 0, 'nchw');
  const shape = b.op1('Shape', [x]);
  const unpool = (indices: string) =>
    b.op1('MaxUnpool', [g, indices, shape], {
      kernel_shape: [...a.pool],
      strides: [...a.strides],
      pads: windowPads(h, w, a.pool, a.strides, a.padding).pads,
    });
  if (tilesExactly(node, [h, w])) return unpool(firstMaxIndices(ctx, node, x));
  const indices = ctx.saved.poolIndices.get(node.name)!;
  if (a.strides[0] >= a.pool[0] && a.strides[1] >= a.pool[1]) return unpool(indices);
  // Indices are N*C*H*W-flat: a scatter-add on the flattened tensor.
  const flat = b.ints('shape', [-1]);
  const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [b.op1('Reshape', [x, flat])])]);
  const upd = [b.op1('Reshape', [indices, flat]), b.op1('Reshape', [g, flat])];
  return b.op1('Reshape', [b.op1('ScatterElements', [zeros, ...upd], { axis: 0, reduction: 'add' }), shape]);
}

/**
 * MaxPool's N*C*H*W-flat indices of each window's first maximum, for an exact tiling. Index
 * arithmetic in int32 (half the traffic of int64; the flat size of one activation tensor is far
 * below 2^31), cast to int64 for MaxUnpool at the end.
 */
function firstMaxIndices(ctx: EmitContext, node: PoolNode, x: string): string {
  const { b } = ctx;
  const [kh, kw] = node.attrs.pool;
  const [h, w] = ctx.src(node).shape;
  const ow = w / kw;
  const y = ctx.acts.get(node.name)!.name;
  // The offset of the first window position whose slice equals y (the last one if none earlier does).
  const offset = (p: number) => b.int32s('offset', [Math.floor(p / kw) * w + (p % kw)]);
  const axes = b.ints('axes', [2, 3]);
  const ends = b.ints('ends', [h, w]);
  const steps = b.ints('steps', [kh, kw]);
  let off = offset(kh * kw - 1);
  for (let p = kh * kw - 2; p >= 0; p--) {
    const start = b.ints('starts', [Math.floor(p / kw), p % kw]);
    const slice = b.op1('Slice', [x, start, ends, axes, steps]);
    off = b.op1('Where', [b.op1('Equal', [slice, y]), offset(p), off]);
  }
  // Window (r, j), r over N*C*oh rows of windows, starts at flat r * kh * w + j * kw.
  const size = b.op1('Cast', [b.op1('Size', [y])], { to: INT32 });
  const rows = b.op1('Div', [size, b.int32s('ow', [ow], [])]);
  const range = b.op1('Range', [b.int32s('zero', [0], []), rows, b.int32s('one', [1], [])]);
  const r = b.op1('Reshape', [range, b.ints('shape', [-1, 1])]);
  const cols = b.int32s(
    'cols',
    Array.from({ length: ow }, (_, j) => j * kw),
    [1, ow],
  );
  const base = b.op1('Add', [b.op1('Mul', [r, b.int32s('row', [kh * w])]), cols]);
  const flat = b.op1('Add', [b.op1('Reshape', [base, b.op1('Shape', [y])]), off]);
  return b.op1('Cast', [flat], { to: INT64 });
}

/**
 * Average pooling without the padding in the count: dy / count per window, spread over the
 * window with a depthwise ConvTranspose of ones (overlapping windows sum).
 */
export function avgPoolGrad(ctx: EmitContext, node: PoolNode, dy: string): string {
  const { b } = ctx;
  const [h, w, c] = ctx.src(node).shape;
  const a = node.attrs;
  const { ay, ax, pads } = windowPads(h, w, a.pool, a.strides, a.padding);
  const counts = new Float32Array(ay.out * ax.out);
  for (let oy = 0; oy < ay.out; oy++) {
    const y0 = Math.max(0, oy * a.strides[0] - ay.before);
    const y1 = Math.min(h, oy * a.strides[0] - ay.before + a.pool[0]);
    for (let ox = 0; ox < ax.out; ox++) {
      const x0 = Math.max(0, ox * a.strides[1] - ax.before);
      const x1 = Math.min(w, ox * a.strides[1] - ax.before + a.pool[1]);
      counts[oy * ax.out + ox] = 1 / Math.max(1, (y1 - y0) * (x1 - x0));
    }
  }
  const inv = b.floats('avg_inv', [1, 1, ay.out, ax.out], counts);
  const ones = b.floats('avg_ones', [c, 1, ...a.pool], new Float32Array(c * a.pool[0] * a.pool[1]).fill(1));
  const opad = [
    h - (a.strides[0] * (ay.out - 1) + a.pool[0] - ay.before - ay.after),
    w - (a.strides[1] * (ax.out - 1) + a.pool[1] - ax.before - ax.after),
  ];
  if (opad.some((p, i) => p < 0 || p >= a.strides[i]))
    throw new BackwardUnsupported(`avgpool '${node.name}': output_padding ${opad}`);
  const attrs: Record<string, Attr> = { kernel_shape: [...a.pool], strides: [...a.strides], pads, group: c };
  if (opad.some((p) => p !== 0)) attrs.output_padding = opad;
  return b.op1('ConvTranspose', [b.op1('Mul', [dy, inv]), ones], attrs);
}
