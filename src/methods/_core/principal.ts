/**
 * The first principal component of a small matrix, as Eigen-CAM needs it:
 * the projection of the column-centred rows onto the first right singular
 * vector (numpy: Ac @ svd(Ac).VT[0]). Power iteration on the smaller Gram
 * matrix in doubles; the layer's cells or channels rarely exceed a few hundred.
 */

/**
 * `a` is [rows, cols] row-major. Returns Ac v1 ([rows]) with the sign chosen so
 * that it correlates non-negatively with the row sums of `a` (where the layer is
 * active overall), since the SVD's sign is arbitrary. All zeros when Ac is 0.
 */
export function firstComponent(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const ac = new Float64Array(rows * cols);
  for (let q = 0; q < cols; q++) {
    let mean = 0;
    for (let p = 0; p < rows; p++) mean += a[p * cols + q];
    mean /= rows;
    for (let p = 0; p < rows; p++) ac[p * cols + q] = a[p * cols + q] - mean;
  }
  // v1 = Ac^T u1 / s1 when the row Gram matrix is the smaller one.
  const byRows = rows <= cols;
  const d = byRows ? rows : cols;
  const entry = byRows
    ? (i: number, j: number) => dot(ac, i * cols, 1, j * cols, 1, cols)
    : (i: number, j: number) => dot(ac, i, cols, j, cols, rows);
  const g = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) g[i * d + j] = g[j * d + i] = entry(i, j);
  const e = topEigenvector(g, d);
  const v = new Float64Array(cols);
  if (byRows) for (let p = 0; p < rows; p++) for (let q = 0; q < cols; q++) v[q] += e[p] * ac[p * cols + q];
  else v.set(e);
  const proj = new Float64Array(rows);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm === 0) return proj;
  let corr = 0;
  for (let p = 0; p < rows; p++) {
    let s = 0;
    let sum = 0;
    for (let q = 0; q < cols; q++) {
      s += (ac[p * cols + q] * v[q]) / norm;
      sum += a[p * cols + q];
    }
    proj[p] = s;
    corr += s * sum;
  }
  if (corr < 0) for (let p = 0; p < rows; p++) proj[p] = -proj[p];
  return proj;
}

function dot(x: Float64Array, i: number, si: number, j: number, sj: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += x[i + k * si] * x[j + k * sj];
  return s;
}

/** Unit eigenvector of the largest eigenvalue of a symmetric PSD [d, d] matrix (zeros if it is 0). */
function topEigenvector(g: Float64Array, d: number): Float64Array {
  // Start from the Gram matrix's largest column: never orthogonal to the top eigenvector unless g = 0.
  let best = 0;
  for (let i = 1; i < d; i++) if (g[i * d + i] > g[best * d + best]) best = i;
  let b = normalised(g.slice(best * d, (best + 1) * d));
  for (let iter = 0; iter < 10000 && b !== null; iter++) {
    const next = new Float64Array(d);
    for (let i = 0; i < d; i++) next[i] = rowDot(g, i, d, b);
    const nb = normalised(next);
    if (nb === null) break;
    let change = 0;
    for (let i = 0; i < d; i++) change = Math.max(change, Math.abs(nb[i] - b[i]));
    b = nb;
    if (change < 1e-13) break;
  }
  return b ?? new Float64Array(d);
}

function rowDot(g: Float64Array, i: number, d: number, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += g[i * d + j] * b[j];
  return s;
}

function normalised(v: Float64Array): Float64Array | null {
  let n = 0;
  for (const x of v) n += x * x;
  if (n === 0) return null;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}
