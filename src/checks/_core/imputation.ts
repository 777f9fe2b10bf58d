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
  const id = new Int32Array(h * w).fill(-1);
  let m = 0;
  for (let p = 0; p < h * w; p++) if (removed[p]) id[p] = m++;
  if (m === 0) return out;
  if (m === h * w) throw new Error('linear imputation needs at least one kept pixel');
  const unknowns = new Int32Array(m);
  for (let p = 0; p < h * w; p++) if (id[p] >= 0) unknowns[id[p]] = p;
  // CSR rows of the system: diagonal S_i, off-diagonal (unknown j, w_ij); b_i = sum_{j kept} w_ij x_j per channel.
  const diag = new Float64Array(m);
  const rowStart = new Int32Array(m + 1);
  const cols = new Int32Array(8 * m);
  const vals = new Float64Array(8 * m);
  const b = new Float64Array(m * c);
  const v = new Float64Array(m * c);
  let nnz = 0;
  for (let i = 0; i < m; i++) {
    const r = Math.floor(unknowns[i] / w);
    const col = unknowns[i] % w;
    let keptWeight = 0;
    for (const [dr, dc, wt] of NEIGHBOURS) {
      const rr = r + dr;
      const cc = col + dc;
      if (rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
      diag[i] += wt;
      const q = rr * w + cc;
      if (id[q] >= 0) {
        cols[nnz] = id[q];
        vals[nnz++] = wt;
      } else {
        keptWeight += wt;
        for (let ch = 0; ch < c; ch++) b[i * c + ch] += wt * x[q * c + ch];
      }
    }
    rowStart[i + 1] = nnz;
    // Start from the weighted mean of the kept neighbours (0 where there are none).
    if (keptWeight > 0) for (let ch = 0; ch < c; ch++) v[i * c + ch] = b[i * c + ch] / keptWeight;
  }
  // One CG per channel: the channels share the matrix but converge independently.
  const bc = new Float64Array(m);
  const vc = new Float64Array(m);
  const work = {
    r: new Float64Array(m),
    z: new Float64Array(m),
    d: new Float64Array(m),
    q: new Float64Array(m),
  };
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < m; i++) {
      bc[i] = b[i * c + ch];
      vc[i] = v[i * c + ch];
    }
    conjugateGradient({ m, diag, rowStart, cols, vals }, bc, vc, work);
    for (let i = 0; i < m; i++) out[unknowns[i] * c + ch] = vc[i];
  }
  return out;
}

interface System {
  m: number;
  diag: Float64Array;
  rowStart: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/** into = A v. */
function apply(s: System, v: Float64Array, into: Float64Array): void {
  const { m, diag, rowStart, cols, vals } = s;
  for (let i = 0; i < m; i++) {
    let acc = diag[i] * v[i];
    const end = rowStart[i + 1];
    for (let t = rowStart[i]; t < end; t++) acc -= vals[t] * v[cols[t]];
    into[i] = acc;
  }
}

/** Jacobi-preconditioned CG for the SPD system A v = b, in place on v (the start). */
function conjugateGradient(
  s: System,
  b: Float64Array,
  v: Float64Array,
  work: { r: Float64Array; z: Float64Array; d: Float64Array; q: Float64Array },
): void {
  const { m, diag } = s;
  const { r, z, d, q } = work;
  apply(s, v, q);
  let rz = 0;
  let rr = 0;
  let bb = 0;
  for (let i = 0; i < m; i++) {
    r[i] = b[i] - q[i];
    z[i] = r[i] / diag[i];
    d[i] = z[i];
    rz += r[i] * z[i];
    rr += r[i] * r[i];
    bb += b[i] * b[i];
  }
  // Residual below 1e-10 of |b|: far below float32 resolution of the result. CG needs at most m
  // steps in exact arithmetic; the cap is a guard.
  const tol = 1e-20 * Math.max(bb, 1e-300);
  for (let it = 0; it < 10 * m + 100 && rr > tol && rz > 0; it++) {
    apply(s, d, q);
    const dq = dot(d, q, m);
    if (!(dq > 0)) break;
    const alpha = rz / dq;
    const next = step(v, r, z, d, q, diag, alpha, m);
    rr = next.rr;
    const beta = next.rz / rz;
    rz = next.rz;
    for (let i = 0; i < m; i++) d[i] = z[i] + beta * d[i];
  }
}

function dot(a: Float64Array, b: Float64Array, m: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) s += a[i] * b[i];
  return s;
}

/** v += alpha d, r -= alpha q, z = r / diag; returns r.z and r.r. */
function step(
  v: Float64Array,
  r: Float64Array,
  z: Float64Array,
  d: Float64Array,
  q: Float64Array,
  diag: Float64Array,
  alpha: number,
  m: number,
): { rz: number; rr: number } {
  let rz = 0;
  let rr = 0;
  for (let i = 0; i < m; i++) {
    v[i] += alpha * d[i];
    const ri = r[i] - alpha * q[i];
    r[i] = ri;
    const zi = ri / diag[i];
    z[i] = zi;
    rz += ri * zi;
    rr += ri * ri;
  }
  return { rz, rr };
}
