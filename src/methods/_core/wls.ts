/** Weighted (ridge) least squares for the surrogate models of lime and kernel-shap. */

export interface WlsProblem {
  /** [rows, cols] design matrix, row-major. */
  X: Float64Array;
  y: Float64Array;
  /** Per-row weights (>= 0). */
  w: Float64Array;
  cols: number;
  /** Ridge penalty on the coefficients (not on the intercept). */
  alpha: number;
  /** Fit an unpenalised intercept. */
  intercept: boolean;
}

export interface WlsFit {
  coef: Float64Array;
  intercept: number;
}

/**
 * argmin_{b, phi} sum_k w_k (y_k - b - X_k phi)^2 + alpha |phi|^2, the
 * objective of sklearn's Ridge with sample_weight. The intercept is handled by
 * centring on the weighted means; the normal equations are solved by Cholesky.
 */
export function weightedLeastSquares(p: WlsProblem): WlsFit {
  const { X, y, w, cols: m } = p;
  const rows = y.length;
  const xMean = new Float64Array(m);
  let yMean = 0;
  if (p.intercept) {
    let sw = 0;
    for (let r = 0; r < rows; r++) {
      sw += w[r];
      yMean += w[r] * y[r];
      for (let j = 0; j < m; j++) xMean[j] += w[r] * X[r * m + j];
    }
    if (sw > 0) {
      yMean /= sw;
      for (let j = 0; j < m; j++) xMean[j] /= sw;
    }
  }
  const A = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  const xc = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    if (w[r] === 0) continue;
    for (let j = 0; j < m; j++) xc[j] = X[r * m + j] - xMean[j];
    const yc = y[r] - yMean;
    for (let a = 0; a < m; a++) {
      const wa = w[r] * xc[a];
      if (wa === 0) continue;
      rhs[a] += wa * yc;
      for (let b = 0; b <= a; b++) A[a * m + b] += wa * xc[b];
    }
  }
  for (let a = 0; a < m; a++) {
    A[a * m + a] += p.alpha;
    for (let b = 0; b < a; b++) A[b * m + a] = A[a * m + b];
  }
  const coef = solveSpd(A, rhs, m);
  let b0 = yMean;
  for (let j = 0; j < m; j++) b0 -= xMean[j] * coef[j];
  return { coef, intercept: p.intercept ? b0 : 0 };
}

/**
 * Solves A x = b for symmetric positive semi-definite A by Cholesky. A
 * singular system (fewer informative samples than features) gets a jitter
 * of 1e-10 x the mean diagonal, growing until it factors: the minimum-norm
 * direction, like a vanishing ridge.
 */
export function solveSpd(A: Float64Array, b: Float64Array, m: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < m; i++) trace += A[i * m + i];
  const scale = trace / Math.max(1, m) || 1;
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 * scale : jitter * 100) {
    // NaN inputs never factor: give NaN back for the caller to report, not a hang.
    if (!Number.isFinite(scale) || jitter > 1e6 * Math.abs(scale))
      return new Float64Array(m).fill(Number.NaN);
    const L = cholesky(A, m, jitter);
    if (L === null) continue;
    const z = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = b[i];
      for (let k = 0; k < i; k++) s -= L[i * m + k] * z[k];
      z[i] = s / L[i * m + i];
    }
    const x = new Float64Array(m);
    for (let i = m - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < m; k++) s -= L[k * m + i] * x[k];
      x[i] = s / L[i * m + i];
    }
    return x;
  }
}

function cholesky(A: Float64Array, m: number, jitter: number): Float64Array | null {
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * m + j] + (i === j ? jitter : 0);
      for (let k = 0; k < j; k++) s -= L[i * m + k] * L[j * m + k];
      if (i === j) {
        // Relative pivot test: a tiny pivot means a (numerically) singular system.
        if (!(s > 1e-12 * Math.max(1, Math.abs(A[i * m + i])))) return null;
        L[i * m + i] = Math.sqrt(s);
      } else {
        L[i * m + j] = s / L[j * m + j];
      }
    }
  }
  return L;
}
