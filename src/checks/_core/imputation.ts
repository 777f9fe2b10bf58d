/**
 * ROAD's noisy linear imputation (Rong et al. 2022; Quantus' noisy_linear_imputation,
 * from the authors' road_evaluation): each removed pixel becomes the weighted mean of
 * its in-image 8 neighbours (weight 1/6 for the 4 direct, 1/12 for the 4 diagonal
 * neighbours), removed neighbours being unknowns themselves. Per channel that is the
 * sparse linear system
 *   S_i v_i - sum_{j removed} w_ij v_j = sum_{j kept} w_ij x_j,   S_i = sum of valid w_ij,
 * which is symmetric and diagonally dominant, and positive definite whenever one pixel
 * is kept (every removed region then touches a kept pixel). We solve it by conjugate
 * gradients with a Jacobi preconditioner, in doubles, where the reference uses a sparse
 * LU (scipy's spsolve): both give the system's unique solution.
 */

/** [drow, dcol, weight], in the reference's order. */
const NEIGHBOURS: readonly (readonly [number, number, number])[] = [
  [1, 1, 1 / 12],
  [0, 1, 1 / 6],
  [-1, 1, 1 / 12],
  [1, -1, 1 / 12],
  [0, -1, 1 / 6],
  [-1, -1, 1 / 12],
  [1, 0, 1 / 6],
  [-1, 0, 1 / 6],
];

/**
 * A copy of the [h, w, c] image `x` with the pixels where `removed` is non-zero replaced
 * by their linear imputation (noise is the caller's). At least one pixel must be kept.
 */
export function linearImputation(
  x: Float32Array,
  h: number,
  w: number,
  c: number,
  removed: Uint8Array,
): Float32Array {
  const out = x.slice();
  const unknowns: number[] = [];
  const id = new Int32Array(h * w).fill(-1);
  for (let p = 0; p < h * w; p++) {
    if (removed[p]) {
      id[p] = unknowns.length;
      unknowns.push(p);
    }
  }
  const m = unknowns.length;
  if (m === 0) return out;
  if (m === h * w) throw new Error('linear imputation needs at least one kept pixel');
  // Sparse rows: diagonal S_i, off-diagonal (unknown j, w_ij), and kept neighbours for the right-hand side.
  const diag = new Float64Array(m);
  const offIdx: number[][] = [];
  const offW: number[][] = [];
  const keptIdx: number[][] = [];
  const keptW: number[][] = [];
  for (let i = 0; i < m; i++) {
    const r = Math.floor(unknowns[i] / w);
    const col = unknowns[i] % w;
    const oi: number[] = [];
    const ow: number[] = [];
    const ki: number[] = [];
    const kw: number[] = [];
    for (const [dr, dc, wt] of NEIGHBOURS) {
      const rr = r + dr;
      const cc = col + dc;
      if (rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
      diag[i] += wt;
      const q = rr * w + cc;
      if (id[q] >= 0) {
        oi.push(id[q]);
        ow.push(wt);
      } else {
        ki.push(q);
        kw.push(wt);
      }
    }
    offIdx.push(oi);
    offW.push(ow);
    keptIdx.push(ki);
    keptW.push(kw);
  }
  const apply = (v: Float64Array, into: Float64Array) => {
    for (let i = 0; i < m; i++) {
      let s = diag[i] * v[i];
      const oi = offIdx[i];
      const ow = offW[i];
      for (let t = 0; t < oi.length; t++) s -= ow[t] * v[oi[t]];
      into[i] = s;
    }
  };
  const b = new Float64Array(m);
  const v = new Float64Array(m);
  const r = new Float64Array(m);
  const z = new Float64Array(m);
  const d = new Float64Array(m);
  const q = new Float64Array(m);
  for (let ch = 0; ch < c; ch++) {
    let bNorm = 0;
    for (let i = 0; i < m; i++) {
      let s = 0;
      const ki = keptIdx[i];
      const kw = keptW[i];
      for (let t = 0; t < ki.length; t++) s += kw[t] * x[ki[t] * c + ch];
      b[i] = s;
      bNorm += s * s;
      // Start from the weighted mean of the kept neighbours (0 where there are none).
      v[i] = ki.length > 0 ? s / kw.reduce((a, e) => a + e, 0) : 0;
    }
    conjugateGradient(apply, diag, b, v, r, z, d, q, Math.sqrt(bNorm));
    for (let i = 0; i < m; i++) out[unknowns[i] * c + ch] = v[i];
  }
  return out;
}

/** Jacobi-preconditioned CG for the SPD system A v = b, in place on v (the start). */
function conjugateGradient(
  apply: (v: Float64Array, into: Float64Array) => void,
  diag: Float64Array,
  b: Float64Array,
  v: Float64Array,
  r: Float64Array,
  z: Float64Array,
  d: Float64Array,
  q: Float64Array,
  bNorm: number,
): void {
  const m = b.length;
  apply(v, q);
  let rz = 0;
  let rr = 0;
  for (let i = 0; i < m; i++) {
    r[i] = b[i] - q[i];
    z[i] = r[i] / diag[i];
    d[i] = z[i];
    rz += r[i] * z[i];
    rr += r[i] * r[i];
  }
  // Far below float32 resolution of the result; the iteration cap is a guard, CG needs at most m steps in exact arithmetic.
  const tol = 1e-12 * Math.max(bNorm, 1e-30);
  for (let it = 0; it < 10 * m + 100 && Math.sqrt(rr) > tol; it++) {
    apply(d, q);
    let dq = 0;
    for (let i = 0; i < m; i++) dq += d[i] * q[i];
    if (dq <= 0) break;
    const alpha = rz / dq;
    let rzNext = 0;
    rr = 0;
    for (let i = 0; i < m; i++) {
      v[i] += alpha * d[i];
      r[i] -= alpha * q[i];
      z[i] = r[i] / diag[i];
      rzNext += r[i] * z[i];
      rr += r[i] * r[i];
    }
    const beta = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < m; i++) d[i] = z[i] + beta * d[i];
  }
}
