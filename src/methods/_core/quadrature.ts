/**
 * Integration rules over alpha in [0, 1] for path methods, with Captum's
 * definitions (captum/attr/_utils/approximation_methods.py) so that results
 * compare number for number.
 */

export type QuadratureRule =
  | 'gausslegendre'
  | 'riemann_trapezoid'
  | 'trapezoid'
  | 'riemann_left'
  | 'riemann_right'
  | 'riemann_middle';

export const QUADRATURE_RULES: readonly QuadratureRule[] = [
  'gausslegendre',
  'riemann_trapezoid',
  'trapezoid',
  'riemann_left',
  'riemann_right',
  'riemann_middle',
];

export interface Quadrature {
  /** Points on the path, in [0, 1]. */
  alphas: Float64Array;
  /** Weight of each point's gradient. */
  weights: Float64Array;
}

/** torch.linspace(start, end, n) in double precision. */
function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  // torch fills the second half from the end, so the last point is exactly `end`.
  for (let i = 0; i < n; i++) out[i] = i < n / 2 ? start + i * step : end - (n - 1 - i) * step;
  return out;
}

export function quadrature(rule: QuadratureRule, n: number): Quadrature {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`steps must be a positive integer, got ${n}`);
  if (rule === 'gausslegendre') return gaussLegendre(n);
  // Captum asserts n > 1 for every Riemann rule; the textbook trapezoid needs two points too.
  if (n < 2) throw new RangeError(`rule '${rule}' needs at least 2 steps, got ${n}`);
  const weights = new Float64Array(n).fill(1 / n);
  switch (rule) {
    case 'riemann_trapezoid':
      // Captum's quirk, kept for parity: n points on [0, 1] with weights 1/n and
      // both ends halved, so the weights sum to (n - 1)/n, not 1.
      weights[0] /= 2;
      weights[n - 1] /= 2;
      return { alphas: linspace(0, 1, n), weights };
    case 'trapezoid':
      weights.fill(1 / (n - 1));
      weights[0] /= 2;
      weights[n - 1] /= 2;
      return { alphas: linspace(0, 1, n), weights };
    case 'riemann_left':
      return { alphas: linspace(0, 1 - 1 / n, n), weights };
    case 'riemann_right':
      return { alphas: linspace(1 / n, 1, n), weights };
    case 'riemann_middle':
      return { alphas: linspace(1 / (2 * n), 1 - 1 / (2 * n), n), weights };
  }
}

/**
 * numpy.polynomial.legendre.leggauss(n) mapped to [0, 1] (alphas = (1 + x)/2,
 * weights = w/2), ascending like numpy. Newton's method on P_n from the
 * Chebyshev-like initial guesses converges to double precision.
 */
function gaussLegendre(n: number): Quadrature {
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // P_n(x) and P_n'(x) by the three-term recurrence.
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? x : p1;
      const pm = n === 1 ? 1 : p0;
      dp = (n * (x * pn - pm)) / (x * x - 1);
      const dx = pn / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    if (n === 1) {
      x = 0;
      dp = 1;
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    // x is the i-th largest root; -x is its mirror.
    alphas[n - 1 - i] = (1 + x) / 2;
    weights[n - 1 - i] = w / 2;
    alphas[i] = (1 - x) / 2;
    weights[i] = w / 2;
  }
  return { alphas, weights };
}
