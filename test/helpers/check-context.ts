import { createCheckContext, RunCaches } from '../../src/audit/context.js';
import type { PreparedAudit } from '../../src/audit/prepare.js';
import type { CheckContext, ExplanationHandle } from '../../src/checks/types.js';

/**
 * The CheckContext the runner would build for check `index` of a prepared audit (targets = labels),
 * optionally explaining with `explanation` instead of the spec's: a Method written in a test (not
 * in the registry) then drives ctx.maps and ctx.explanation alike.
 */
export function checkContext(
  prepared: PreparedAudit,
  index = 0,
  explanation?: ExplanationHandle,
  maxBatch = 3,
): CheckContext {
  const check = prepared.spec.checks[index];
  const dataset = prepared.datasets.get(check.data)!;
  const samples = [...dataset.samples];
  const ctx = createCheckContext({
    prepared,
    caches: new RunCaches(),
    check,
    dataset,
    samples,
    targets: Int32Array.from(samples, (s) => s.labelIndex),
    maxBatch,
    onProgress: () => {},
  });
  if (explanation === undefined) return ctx;
  return {
    ...ctx,
    explanation,
    maps: (s, t) => ctx.mapsOf(explanation.method, explanation.options, explanation.id, s, t),
  };
}
