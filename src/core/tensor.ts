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

/** One-hot rows [n, k] selecting `targets`. */
export function oneHot(targets: Int32Array, k: number): Float32Array {
  const out = new Float32Array(targets.length * k);
  for (let i = 0; i < targets.length; i++) out[i * k + targets[i]] = 1;
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
