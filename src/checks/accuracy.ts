import { predictAll } from './_core/batches.js';
import { type NoOptions, noOptions } from './_core/no-options.js';
import type { Check } from './types.js';

export type AccuracyOptions = NoOptions;

export const accuracy: Check<AccuracyOptions> = {
  id: 'accuracy',
  title: 'Accuracy',
  summary: 'Top-1 accuracy overall, per class and per group, on the selected samples.',
  references: [],
  category: 'performance',
  scoreDirection: 'higher',
  explanation: 'none',
  needs: {},
  statistics: ['accuracy', 'worst_class_accuracy', 'worst_group_accuracy'],
  score: '1 when the predicted class equals the label, else 0.',
  ...noOptions,
  async evaluate(ctx) {
    const pred = await predictAll(ctx);
    return ctx.samples.map((s, i) => {
      const ok = pred[i] === s.labelIndex;
      return {
        score: ok ? 1 : 0,
        passed: ok,
        details: { predicted: ctx.classes[pred[i]] ?? String(pred[i]) },
      };
    });
  },
  summarize(samples) {
    const perClass = new Map<string, [number, number]>();
    const perGroup = new Map<string, [number, number]>();
    const tally = (m: Map<string, [number, number]>, key: string, ok: boolean) => {
      const t = m.get(key) ?? [0, 0];
      t[0] += ok ? 1 : 0;
      t[1] += 1;
      m.set(key, t);
    };
    let correct = 0;
    for (const s of samples) {
      // An errored sample (NaN output) counts as wrong.
      const ok = s.passed === true;
      correct += ok ? 1 : 0;
      tally(perClass, s.label, ok);
      if (s.group !== null) tally(perGroup, s.group, ok);
    }
    const rates = (m: Map<string, [number, number]>) =>
      Object.fromEntries(
        [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, [c, t]]) => [k, c / t]),
      );
    const classAcc = rates(perClass);
    const groupAcc = rates(perGroup);
    const minOf = (r: Record<string, number>) => {
      const v = Object.values(r);
      return v.length > 0 ? Math.min(...v) : null;
    };
    const n = samples.length;
    return {
      stats: {
        accuracy: n > 0 ? correct / n : null,
        worst_class_accuracy: minOf(classAcc),
        worst_group_accuracy: minOf(groupAcc),
      },
      breakdown: { class_accuracy: classAcc, ...(perGroup.size > 0 ? { group_accuracy: groupAcc } : {}) },
    };
  },
};
