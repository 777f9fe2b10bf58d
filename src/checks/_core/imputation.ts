/**
 * ROAD's noisy linear imputation (Rong et al. 2022; Quantus' noisy_linear_imputation,
 * from the authors' road_evaluation): each removed pixel becomes the weighted mean of
 * its in-image 8 neighbours (weight 1/6 for the 4 direct, 1/12 for the 4 diagonal
 * neighbours), removed neighbours being unknowns themselves. Per channel that is the
 * sparse linear system
 *   S_i v_i - sum_{j removed} w_ij v_j = sum_{j kept} w_ij x_j,   S_i = sum of valid w_ij,
 * which is symmetric and diagonally dominant, and positive definite whenever one pixel
 * is kept (every removed region then touches a kept pixel). The reference solves it with
 * a sparse LU (scipy's spsolve); we solve it directly too, by a Cholesky factorisation in
 * doubles, so both give the system's unique solution up to rounding (no iteration, no
 * tolerance). The matrix depends only on the removed set, so one factorisation serves
 * every channel.
 *
 * The unknowns are numbered in scan order across the shorter side (row-major when w <= h,
 * column-major otherwise), so a pixel's earlier neighbours are at most min(h, w) + 1
 * unknowns back: the matrix is banded, and its Cholesky factor fills only the envelope
 * (from each row's first non-zero to the diagonal), stored row by row, about
 * m (min(h, w) + 5) doubles at most (90 MB for 224x224 with 99% removed). Cost: about
 * sum_i e_i^2 / 2 multiply-adds, e_i the envelope width of row i: m (min(h, w) + 5)^2 / 2
 * when the m unknowns form one region, much less for scattered pixels (e_i is then about
 * the removed fraction times the band). The factorisation and the solves work on blocks
 * of four rows (two columns at a time), which is what makes them fast in JavaScript.
 * Jacobi-preconditioned conjugate gradients, which this replaced, needed O(min(h, w))
 * iterations per channel on large removed regions (219 per channel at 99% of 64x64), each
 * a sweep over the whole system; ROAD's 50 default percentages on the 64x64 demo images
 * went from about 650 to 100-130 ms per image (224x224 with 99% removed: 3.7 to 1.1 s).
 */

/** The last envelope buffer, reused while it is large enough (up to 2^21 doubles, 16 MiB). */
let spare: Float64Array | null = null;
const SPARE_MAX = 1 << 21;

/** A zeroed Float64Array of `size`: a fresh one costs page faults on every call, the ROAD loop makes 50 per image. */
function envelope(size: number): Float64Array {
  if (size > SPARE_MAX) return new Float64Array(size);
  if (spare === null || spare.length < size)
    spare = new Float64Array(Math.min(SPARE_MAX, Math.max(size, 2 * (spare?.length ?? 0))));
  const env = spare.subarray(0, size);
  env.fill(0);
  return env;
}

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
  const n = h * w;
  let m = 0;
  for (let p = 0; p < n; p++) if (removed[p]) m++;
  if (m === 0) return out;
  if (m === n) throw new Error('linear imputation needs at least one kept pixel');
  // Number the unknowns along the longer side: row-major, or column-major when the image is wider than tall.
  const id = new Int32Array(n).fill(-1);
  const unknowns = new Int32Array(m);
  const columnMajor = w > h;
  const outer = columnMajor ? w : h;
  const inner = columnMajor ? h : w;
  const outerStride = columnMajor ? 1 : w;
  const innerStride = columnMajor ? w : 1;
  let next = 0;
  for (let a = 0; a < outer; a++) {
    for (let b = 0; b < inner; b++) {
      const p = a * outerStride + b * innerStride;
      if (removed[p]) {
        id[p] = next;
        unknowns[next++] = p;
      }
    }
  }
  // Each row's envelope: from its first (smallest-numbered) removed neighbour to the diagonal,
  // widened to the earliest first of its block of four rows (the factorisation's unit; the
  // extra entries are zeros of A and stay zero in L), so the block's rows share one range.
  const first = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const p = unknowns[i];
    const r = (p / w) | 0;
    const col = p - r * w;
    let f = i;
    for (let dr = -1; dr <= 1; dr++) {
      const rr = r + dr;
      if (rr < 0 || rr >= h) continue;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = col + dc;
        if (cc < 0 || cc >= w) continue;
        const j = id[rr * w + cc];
        if (j >= 0 && j < f) f = j;
      }
    }
    first[i] = f;
  }
  for (let i0 = 0; i0 + 4 <= m; i0 += 4) {
    const f = Math.min(first[i0], first[i0 + 1], first[i0 + 2], first[i0 + 3]);
    first.fill(f, i0, i0 + 4);
  }
  const start = new Int32Array(m + 1);
  for (let i = 0; i < m; i++) start[i + 1] = start[i] + (i - first[i] + 1);
  // The matrix's lower triangle in the envelope (entry (i, k) at env[start[i] - first[i] + k]),
  // and the right-hand sides b_i = sum_{j kept} w_ij x_j, [m, c] like the image.
  const env = envelope(start[m]);
  const y = new Float64Array(m * c);
  for (let i = 0; i < m; i++) {
    const p = unknowns[i];
    const r = (p / w) | 0;
    const col = p - r * w;
    const si = start[i] - first[i];
    let diag = 0;
    for (let dr = -1; dr <= 1; dr++) {
      const rr = r + dr;
      if (rr < 0 || rr >= h) continue;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = col + dc;
        if ((dr === 0 && dc === 0) || cc < 0 || cc >= w) continue;
        const wt = dr === 0 || dc === 0 ? 1 / 6 : 1 / 12;
        diag += wt;
        const q = rr * w + cc;
        const j = id[q];
        if (j < 0) {
          for (let ch = 0; ch < c; ch++) y[i * c + ch] += wt * x[q * c + ch];
        } else if (j < i) {
          env[si + j] = -wt;
        }
      }
    }
    env[si + i] = diag;
  }
  // In-place Cholesky A = L L^T within the envelope (fill-in stays inside it).
  const invDiag = new Float64Array(m);
  let i0 = 0;
  for (; i0 + 4 <= m; i0 += 4) factorBlock(env, first, start, invDiag, i0);
  for (; i0 < m; i0++) factorRow(env, first, start, invDiag, i0, first[i0]);
  // L z = b, then L^T v = z, for every channel (three at a time: one pass over L serves them).
  let ch = 0;
  for (; ch + 3 <= c; ch += 3) solveThree(env, first, start, invDiag, y, m, c, ch);
  for (; ch < c; ch++) solveOne(env, first, start, invDiag, y, m, c, ch);
  for (let i = 0; i < m; i++) for (let q = 0; q < c; q++) out[unknowns[i] * c + q] = y[i * c + q];
  return out;
}

/**
 * Row i of L from column `from` (rows before i done): L_ij = (A_ij - sum_{k<j} L_ik L_jk) / L_jj,
 * then the diagonal L_ii = sqrt(A_ii - sum_{k<i} L_ik^2).
 */
function factorRow(
  env: Float64Array,
  first: Int32Array,
  start: Int32Array,
  invDiag: Float64Array,
  i: number,
  from: number,
): void {
  const fi = first[i];
  const si = start[i] - fi;
  for (let j = from; j < i; j++) {
    const fj = first[j];
    const sj = start[j] - fj;
    env[si + j] = (env[si + j] - dot(env, si, sj, fi > fj ? fi : fj, j)) * invDiag[j];
  }
  const d = env[si + i] - dot(env, si, si, fi, i);
  // Cannot happen for a valid mask (the matrix is positive definite); guards against a broken invariant.
  if (!(d > 0)) throw new Error('linear imputation: the system is not positive definite');
  const l = Math.sqrt(d);
  env[si + i] = l;
  invDiag[i] = 1 / l;
}

/**
 * Rows i0..i0+3 of L, which share their envelope start f. Their entries in columns f..i0-1
 * are computed together, two columns at a time: each loaded L_jk and L_ik serves several
 * running sums (fewer loads, eight independent additions), which is most of the
 * factorisation's time. Then the block's own lower triangle and diagonals, row by row.
 */
function factorBlock(
  env: Float64Array,
  first: Int32Array,
  start: Int32Array,
  invDiag: Float64Array,
  i0: number,
): void {
  const f = first[i0];
  const s0 = start[i0] - f;
  const s1 = start[i0 + 1] - f;
  const s2 = start[i0 + 2] - f;
  const s3 = start[i0 + 3] - f;
  let j = f;
  // Two columns at a time: each loaded row entry serves both, eight independent sums.
  for (; j + 1 < i0; j += 2) {
    const j1 = j + 1;
    const ka = f > first[j] ? f : first[j];
    const kb = f > first[j1] ? f : first[j1];
    const sa = start[j] - first[j];
    const sb = start[j1] - first[j1];
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    // Column j alone below column j+1's range, column j+1 alone below column j's.
    for (let k = ka; k < kb && k < j; k++) {
      const l = env[sa + k];
      a0 += env[s0 + k] * l;
      a1 += env[s1 + k] * l;
      a2 += env[s2 + k] * l;
      a3 += env[s3 + k] * l;
    }
    for (let k = kb; k < ka && k < j; k++) {
      const l = env[sb + k];
      b0 += env[s0 + k] * l;
      b1 += env[s1 + k] * l;
      b2 += env[s2 + k] * l;
      b3 += env[s3 + k] * l;
    }
    for (let k = ka > kb ? ka : kb; k < j; k++) {
      const la = env[sa + k];
      const lb = env[sb + k];
      const r0 = env[s0 + k];
      const r1 = env[s1 + k];
      const r2 = env[s2 + k];
      const r3 = env[s3 + k];
      a0 += r0 * la;
      a1 += r1 * la;
      a2 += r2 * la;
      a3 += r3 * la;
      b0 += r0 * lb;
      b1 += r1 * lb;
      b2 += r2 * lb;
      b3 += r3 * lb;
    }
    const ia = invDiag[j];
    const e0 = (env[s0 + j] - a0) * ia;
    const e1 = (env[s1 + j] - a1) * ia;
    const e2 = (env[s2 + j] - a2) * ia;
    const e3 = (env[s3 + j] - a3) * ia;
    env[s0 + j] = e0;
    env[s1 + j] = e1;
    env[s2 + j] = e2;
    env[s3 + j] = e3;
    // Column j+1's last term, k = j, now that column j is known (L_{j+1,j} is zero outside row j+1's envelope).
    if (kb <= j) {
      const l = env[sb + j];
      b0 += e0 * l;
      b1 += e1 * l;
      b2 += e2 * l;
      b3 += e3 * l;
    }
    const ib = invDiag[j1];
    env[s0 + j1] = (env[s0 + j1] - b0) * ib;
    env[s1 + j1] = (env[s1 + j1] - b1) * ib;
    env[s2 + j1] = (env[s2 + j1] - b2) * ib;
    env[s3 + j1] = (env[s3 + j1] - b3) * ib;
  }
  for (; j < i0; j++) {
    const fj = first[j];
    const sj = start[j] - fj;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = f > fj ? f : fj; k < j; k++) {
      const l = env[sj + k];
      a0 += env[s0 + k] * l;
      a1 += env[s1 + k] * l;
      a2 += env[s2 + k] * l;
      a3 += env[s3 + k] * l;
    }
    const inv = invDiag[j];
    env[s0 + j] = (env[s0 + j] - a0) * inv;
    env[s1 + j] = (env[s1 + j] - a1) * inv;
    env[s2 + j] = (env[s2 + j] - a2) * inv;
    env[s3 + j] = (env[s3 + j] - a3) * inv;
  }
  for (let r = i0; r < i0 + 4; r++) factorRow(env, first, start, invDiag, r, i0);
}

/** The two triangular solves for channel ch of the right-hand sides y ([m, c]), in place. */
function solveOne(
  env: Float64Array,
  first: Int32Array,
  start: Int32Array,
  invDiag: Float64Array,
  y: Float64Array,
  m: number,
  c: number,
  ch: number,
): void {
  for (let i = 0; i < m; i++) {
    const fi = first[i];
    const si = start[i] - fi;
    let s = y[i * c + ch];
    for (let k = fi; k < i; k++) s -= env[si + k] * y[k * c + ch];
    y[i * c + ch] = s * invDiag[i];
  }
  for (let i = m - 1; i >= 0; i--) {
    const fi = first[i];
    const si = start[i] - fi;
    const v = y[i * c + ch] * invDiag[i];
    y[i * c + ch] = v;
    for (let k = fi; k < i; k++) y[k * c + ch] -= env[si + k] * v;
  }
}

/**
 * solveOne for channels ch, ch + 1 and ch + 2 together (adjacent in y), by the factorisation's
 * blocks of four rows (which share their envelope start): each y_k read serves four rows.
 */
function solveThree(
  env: Float64Array,
  first: Int32Array,
  start: Int32Array,
  invDiag: Float64Array,
  y: Float64Array,
  m: number,
  c: number,
  ch: number,
): void {
  const blocked = m - (m % 4);
  // L z = b.
  for (let i0 = 0; i0 < m; i0 += 4) {
    if (i0 < blocked) {
      const f = first[i0];
      const s0 = start[i0] - f;
      const s1 = start[i0 + 1] - f;
      const s2 = start[i0 + 2] - f;
      const s3 = start[i0 + 3] - f;
      const y0 = i0 * c + ch;
      const y1 = y0 + c;
      const y2 = y1 + c;
      const y3 = y2 + c;
      let a00 = y[y0];
      let a01 = y[y0 + 1];
      let a02 = y[y0 + 2];
      let a10 = y[y1];
      let a11 = y[y1 + 1];
      let a12 = y[y1 + 2];
      let a20 = y[y2];
      let a21 = y[y2 + 1];
      let a22 = y[y2 + 2];
      let a30 = y[y3];
      let a31 = y[y3 + 1];
      let a32 = y[y3 + 2];
      for (let k = f, yk = f * c + ch; k < i0; k++, yk += c) {
        const v0 = y[yk];
        const v1 = y[yk + 1];
        const v2 = y[yk + 2];
        const l0 = env[s0 + k];
        const l1 = env[s1 + k];
        const l2 = env[s2 + k];
        const l3 = env[s3 + k];
        a00 -= l0 * v0;
        a01 -= l0 * v1;
        a02 -= l0 * v2;
        a10 -= l1 * v0;
        a11 -= l1 * v1;
        a12 -= l1 * v2;
        a20 -= l2 * v0;
        a21 -= l2 * v1;
        a22 -= l2 * v2;
        a30 -= l3 * v0;
        a31 -= l3 * v1;
        a32 -= l3 * v2;
      }
      y[y0] = a00;
      y[y0 + 1] = a01;
      y[y0 + 2] = a02;
      y[y1] = a10;
      y[y1 + 1] = a11;
      y[y1 + 2] = a12;
      y[y2] = a20;
      y[y2 + 1] = a21;
      y[y2 + 2] = a22;
      y[y3] = a30;
      y[y3 + 1] = a31;
      y[y3 + 2] = a32;
    }
    // The block's own triangle (or the unblocked tail rows, whole).
    const end = i0 < blocked ? i0 + 4 : m;
    for (let i = i0; i < end; i++) {
      const fi = i < blocked ? i0 : first[i];
      const si = start[i] - first[i];
      const yi = i * c + ch;
      let a0 = y[yi];
      let a1 = y[yi + 1];
      let a2 = y[yi + 2];
      for (let k = fi, yk = fi * c + ch; k < i; k++, yk += c) {
        const l = env[si + k];
        a0 -= l * y[yk];
        a1 -= l * y[yk + 1];
        a2 -= l * y[yk + 2];
      }
      const inv = invDiag[i];
      y[yi] = a0 * inv;
      y[yi + 1] = a1 * inv;
      y[yi + 2] = a2 * inv;
    }
  }
  // L^T v = z: the tail rows whole, then each block's triangle and its four rows' updates together.
  for (let i = m - 1; i >= blocked; i--) backRow(env, first, start, invDiag, y, c, ch, i, first[i]);
  for (let i0 = blocked - 4; i0 >= 0; i0 -= 4) {
    for (let i = i0 + 3; i >= i0; i--) backRow(env, first, start, invDiag, y, c, ch, i, i0);
    const f = first[i0];
    const s0 = start[i0] - f;
    const s1 = start[i0 + 1] - f;
    const s2 = start[i0 + 2] - f;
    const s3 = start[i0 + 3] - f;
    const y0 = i0 * c + ch;
    const y1 = y0 + c;
    const y2 = y1 + c;
    const y3 = y2 + c;
    const v00 = y[y0];
    const v01 = y[y0 + 1];
    const v02 = y[y0 + 2];
    const v10 = y[y1];
    const v11 = y[y1 + 1];
    const v12 = y[y1 + 2];
    const v20 = y[y2];
    const v21 = y[y2 + 1];
    const v22 = y[y2 + 2];
    const v30 = y[y3];
    const v31 = y[y3 + 1];
    const v32 = y[y3 + 2];
    for (let k = f, yk = f * c + ch; k < i0; k++, yk += c) {
      const l0 = env[s0 + k];
      const l1 = env[s1 + k];
      const l2 = env[s2 + k];
      const l3 = env[s3 + k];
      y[yk] -= l0 * v00 + l1 * v10 + l2 * v20 + l3 * v30;
      y[yk + 1] -= l0 * v01 + l1 * v11 + l2 * v21 + l3 * v31;
      y[yk + 2] -= l0 * v02 + l1 * v12 + l2 * v22 + l3 * v32;
    }
  }
}

/** Row i of the back substitution for three channels: v_i = y_i / L_ii, then y_k -= L_ik v_i for k in [from, i). */
function backRow(
  env: Float64Array,
  first: Int32Array,
  start: Int32Array,
  invDiag: Float64Array,
  y: Float64Array,
  c: number,
  ch: number,
  i: number,
  from: number,
): void {
  const si = start[i] - first[i];
  const yi = i * c + ch;
  const inv = invDiag[i];
  const v0 = y[yi] * inv;
  const v1 = y[yi + 1] * inv;
  const v2 = y[yi + 2] * inv;
  y[yi] = v0;
  y[yi + 1] = v1;
  y[yi + 2] = v2;
  for (let k = from, yk = from * c + ch; k < i; k++, yk += c) {
    const l = env[si + k];
    y[yk] -= l * v0;
    y[yk + 1] -= l * v1;
    y[yk + 2] -= l * v2;
  }
}

/**
 * sum_{k = from}^{to - 1} a[sa + k] a[sb + k] in four independent accumulators: a single
 * running sum waits on each floating-point add, and this dot product is the factorisation.
 */
function dot(a: Float64Array, sa: number, sb: number, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = from;
  for (; k + 3 < to; k += 4) {
    s0 += a[sa + k] * a[sb + k];
    s1 += a[sa + k + 1] * a[sb + k + 1];
    s2 += a[sa + k + 2] * a[sb + k + 2];
    s3 += a[sa + k + 3] * a[sb + k + 3];
  }
  for (; k < to; k++) s0 += a[sa + k] * a[sb + k];
  return s0 + s1 + (s2 + s3);
}
