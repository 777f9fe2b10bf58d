// Timing and printing helpers shared by the bench sections (and large.js's child processes).

export const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/**
 * Times several functions in interleaved rounds (so that load from other processes hits them
 * alike) after `warmup` untimed rounds; returns each one's per-round samples (ms). The order
 * rotates every round, so that no function always runs right after the same other one (whose
 * cold caches or still-spinning onnxruntime threads it would inherit).
 */
export async function timeRounds(fns, { warmup = 2, budgetMs = 4000, minRounds = 5, maxRounds = 100 } = {}) {
  for (let i = 0; i < warmup; i++) for (const f of fns) await f();
  const samples = fns.map(() => []);
  const start = performance.now();
  while (
    samples[0].length < minRounds ||
    (performance.now() - start < budgetMs && samples[0].length < maxRounds)
  ) {
    const round = samples[0].length;
    for (let j = 0; j < fns.length; j++) {
      const i = (j + round) % fns.length;
      const t0 = performance.now();
      await fns[i]();
      samples[i].push(performance.now() - t0);
    }
  }
  return samples;
}

export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [i, r] of rows.entries()) {
    console.log(
      r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Seeded inputs in [0, 1) so runs are comparable. */
export function inputs(n) {
  let a = 12345;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  });
}
