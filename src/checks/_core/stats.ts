/** Average ranks (ties share their mean rank), 1-based. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[idx[j + 1]] === values[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return sab / Math.sqrt(saa * sbb);
}

/** Spearman rank correlation (scipy.stats.spearmanr semantics: Pearson of average ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

/** True when every value is zero (or the array is empty). */
export function allZero(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return false;
  return true;
}

export function hasNaN(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}

export function argmax(row: ArrayLike<number>, offset = 0, length = row.length): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (row[offset + k] > row[offset + best]) best = k;
  return best;
}

/** Predicted class per row of [n, k] logits; a single sigmoid unit predicts 1 when its logit > 0. */
export function predictions(logits: Float32Array, n: number): Int32Array {
  const k = logits.length / n;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = k === 1 ? (logits[i] > 0 ? 1 : 0) : argmax(logits, i * k, k);
  return out;
}

/** Like predictions(), but -1 for a row whose logits hold NaN (that sample cannot be scored). */
export function predictionsOrNaN(logits: Float32Array, n: number): Int32Array {
  const k = logits.length / n;
  const out = predictions(logits, n);
  for (let i = 0; i < n; i++) if (hasNaN(logits.subarray(i * k, (i + 1) * k))) out[i] = -1;
  return out;
}
