/** Small helpers over flat NHWC Float32Arrays. */

export interface Shape4 {
  n: number;
  h: number;
  w: number;
  c: number;
}

/** Per-sample slice [i*size, (i+1)*size) as a view. */
export function sampleView(data: Float32Array, i: number, size: number): Float32Array {
  return data.subarray(i * size, (i + 1) * size);
}

/**
 * Output-gradient rows [n, k] selecting `targets`. A single-unit (sigmoid)
 * model explains class 1 by its logit and class 0 by the negated logit.
 */
export function oneHot(targets: Int32Array, k: number): Float32Array {
  const out = new Float32Array(targets.length * k);
  for (let i = 0; i < targets.length; i++) {
    if (k === 1) out[i] = targets[i] === 1 ? 1 : -1;
    else out[i * k + targets[i]] = 1;
  }
  return out;
}

/** The target's logit per sample (negated for class 0 of a single-unit model, like oneHot). */
export function targetLogits(logits: Float32Array, targets: Int32Array): Float64Array {
  const n = targets.length;
  const k = logits.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = k === 1 ? (targets[i] === 1 ? logits[i] : -logits[i]) : logits[i * k + targets[i]];
  return out;
}

/** Sum over the channel axis: [n*h*w*c] -> [n*h*w]. */
export function sumChannels(data: Float32Array, c: number): Float32Array {
  if (c === 1) return data;
  const out = new Float32Array(data.length / c);
  for (let p = 0, q = 0; p < out.length; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += data[q++];
    out[p] = s;
  }
  return out;
}

/** Repeat each sample of `x` (size per sample) `times` times: [n, ...] -> [n*times, ...]. */
export function repeatSamples(x: Float32Array, n: number, times: number): Float32Array {
  const size = x.length / n;
  const out = new Float32Array(x.length * times);
  for (let i = 0; i < n; i++) {
    const src = x.subarray(i * size, (i + 1) * size);
    for (let t = 0; t < times; t++) out.set(src, (i * times + t) * size);
  }
  return out;
}

/**
 * The target's score in one row of logits: 'probability' is the softmax (a single
 * sigmoid unit: sigmoid(z) for target 1, 1 - sigmoid(z) for target 0), computed from
 * the logits whether or not the model ends in an activation; 'logit' is the
 * pre-activation value (a single unit: z for target 1, -z for target 0).
 */
export function targetScore(
  logits: Float32Array,
  row: number,
  k: number,
  target: number,
  output: 'probability' | 'logit',
): number {
  if (k === 1) {
    const z = logits[row];
    if (output === 'logit') return target === 1 ? z : -z;
    const p = 1 / (1 + Math.exp(-z));
    return target === 1 ? p : 1 - p;
  }
  const o = row * k;
  if (output === 'logit') return logits[o + target];
  let max = Number.NEGATIVE_INFINITY;
  for (let q = 0; q < k; q++) max = Math.max(max, logits[o + q]);
  let sum = 0;
  for (let q = 0; q < k; q++) sum += Math.exp(logits[o + q] - max);
  return Math.exp(logits[o + target] - max) / sum;
}
