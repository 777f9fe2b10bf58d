/**
 * Gradient of the cross-entropy loss with respect to the logits: softmax(z) - onehot(y),
 * or sigmoid(z) - y for a single-unit binary model.
 */
export function lossGradient(logits: Float32Array, labels: Int32Array): Float32Array {
  const n = labels.length;
  const k = logits.length / n;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      out[i] = 1 / (1 + Math.exp(-logits[i])) - labels[i];
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[i * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[i * k + j] - max);
    for (let j = 0; j < k; j++) {
      out[i * k + j] = Math.exp(logits[i * k + j] - max) / sum - (j === labels[i] ? 1 : 0);
    }
  }
  return out;
}
