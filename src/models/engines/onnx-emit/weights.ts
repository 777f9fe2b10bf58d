/** IR weights and permutations in the layouts the emitted ONNX ops take. */

import type { Conv2dNode } from '../../ir/graph.js';
import type { Layout } from './context.js';

/**
 * The IR kernel [kh, kw, cin, cout] as ONNX [cout, cin / g, kh, kw] with g the IR's `groups`
 * (the importer expands grouped and depthwise convolutions to block-diagonal kernels; the
 * grouped Conv reads only the diagonal blocks, exact and much faster).
 */
export function convWeight(node: Conv2dNode): { dims: number[]; data: Float32Array; group: number } {
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const group = node.attrs.groups ?? 1;
  const k = node.weights.kernel;
  const cpg = cin / group;
  const opg = cout / group;
  const data = new Float32Array(cout * cpg * kh * kw);
  for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / opg);
    for (let c = 0; c < cpg; c++) {
      const ci = g * cpg + c;
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          data[((co * cpg + c) * kh + i) * kw + j] = k[((i * kw + j) * cin + ci) * cout + co];
    }
  }
  return { dims: [cout, cpg, kh, kw], data, group };
}

/**
 * The stride-1 backward filter as ONNX [cin, cout / g, kh, kw]: W'[ci, j, a, b] =
 * W[gi * opg + j, ci - gi * cpg, kh - 1 - a, kw - 1 - b] with gi the group of ci.
 */
export function flippedWeight(node: Conv2dNode, group: number): [number[], Float32Array] {
  const [kh, kw, cin, cout] = node.attrs.kernelShape;
  const k = node.weights.kernel;
  const cpg = cin / group;
  const opg = cout / group;
  const data = new Float32Array(cin * opg * kh * kw);
  for (let ci = 0; ci < cin; ci++) {
    const gi = Math.floor(ci / cpg);
    for (let j = 0; j < opg; j++) {
      const co = gi * opg + j;
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++)
          data[((ci * opg + j) * kh + a) * kw + b] =
            k[(((kh - 1 - a) * kw + (kw - 1 - b)) * cin + ci) * cout + co];
    }
  }
  return [[cin, opg, kh, kw], data];
}

/**
 * The physical perm of an IR transpose whose input is held in `layout` and whose output is plain:
 * output axis j (batch first) takes physical input axis t[j].
 */
export function transposePerm(perm: number[], layout: Layout, rank: number): number[] {
  const P = [0, ...perm.map((p) => p + 1)];
  if (layout === 'plain' || rank !== 3) return P;
  // nchw: physical axis i holds IR axis q[i] (with the batch as axis 0).
  const q = [0, 3, 1, 2];
  return P.map((a) => q.indexOf(a));
}
