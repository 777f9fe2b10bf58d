import { predictAll } from './_core/batches.js';
import {
  emptyTally,
  FAIRNESS_STATISTICS,
  fairnessSummary,
  type GroupTally,
  positiveIndex,
  positiveProblem,
  tallyOne,
} from './_core/fairness.js';
import type { Check } from './types.js';

export interface GroupFairnessOptions {
  /** The class whose prediction is the "selection"; required with more than two classes. */
  positive?: string;
  min_group_size: number;
}

const DEFAULT_MIN_GROUP_SIZE = 30;

export const groupFairness: Check<GroupFairnessOptions> = {
  id: 'group-fairness',
  title: 'Group fairness',
  summary:
    "Per value of the manifest's group column: accuracy, selection rate, TPR, FPR and precision for the positive class; and the gaps between groups (demographic parity, equalised odds) with fairlearn's definitions.",
  references: [
    'fairlearn.metrics: selection_rate, true_positive_rate, false_positive_rate, MetricFrame.difference/ratio (method="between_groups")',
    'fairlearn.metrics.demographic_parity_difference / demographic_parity_ratio',
    'fairlearn.metrics.equalized_odds_difference / equalized_odds_ratio (agg="worst_case")',
    'Hardt, Price, Srebro 2016, Equality of Opportunity in Supervised Learning',
  ],
  category: 'bias',
  scoreDirection: 'higher',
  explanation: 'none',
  needs: { groups: true },
  statistics: [...FAIRNESS_STATISTICS],
  score:
    "1 when the predicted class equals the label, else 0. The check's own values are per group: selection rate = P(predicted positive), TPR = P(predicted positive | label positive), FPR = P(predicted positive | label not positive); dp_difference / tpr_gap / fpr_gap / precision_gap / accuracy_gap = largest minus smallest group value, dp_ratio = smallest / largest selection rate, eo_difference = max(tpr_gap, fpr_gap), eo_ratio = min(TPR ratio, FPR ratio), worst_group_accuracy = lowest group accuracy, groups_compared = groups with at least min_group_size samples. A rate with an empty denominator (TPR of a group without positive labels) is null and left out of its gap; a statistic with fewer than two groups to compare is null (the check then errors, naming it).",
  schema: {
    type: 'object',
    properties: {
      positive: { type: 'string', minLength: 1 },
      min_group_size: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  defaults: { min_group_size: DEFAULT_MIN_GROUP_SIZE },
  optionDocs: {
    positive:
      "The positive class (one of model.classes): a prediction of it is a 'selection', and TPR/FPR/precision are for it against every other class (one-vs-rest). Required when the model has more than two classes; a binary model defaults to its second class, as fairlearn's pos_label=1 is the second of labels [0, 1]. fairlearn: pos_label of selection_rate / true_positive_rate, with y_true and y_pred binarised as (y == positive).",
    min_group_size: `Groups with fewer samples are reported in the breakdown (in_gaps: 0) but left out of every gap, ratio and worst-group value: a rate over a handful of samples is mostly noise (with 30 samples a 95% interval on a rate of 0.5 is about +-0.18). Default ${DEFAULT_MIN_GROUP_SIZE}. fairlearn has no such threshold (min_group_size: 1 compares every group, as its MetricFrame does).`,
  },
  validate(opts, { classes }) {
    const p = positiveProblem(classes, opts.positive);
    return p === null ? null : { ...p, path: opts.positive === undefined ? [] : ['positive'] };
  },
  async evaluate(ctx, opts) {
    const positive = ctx.classes[positiveIndex(ctx.classes, opts.positive)];
    const minGroupSize = opts.min_group_size ?? DEFAULT_MIN_GROUP_SIZE;
    const pred = await predictAll(ctx);
    return ctx.samples.map((s, i) => {
      // A row without a group would silently drop out of every group: say so instead.
      if (s.group === null) return { score: null, error: "the sample has no group (empty 'group' cell)" };
      const ok = pred[i] === s.labelIndex;
      return {
        score: ok ? 1 : 0,
        passed: ok,
        // positive and min_group_size ride along: summarize (and merge) sees only the samples.
        details: {
          predicted: ctx.classes[pred[i]] ?? String(pred[i]),
          positive,
          min_group_size: minGroupSize,
        },
      };
    });
  },
  summarize(samples) {
    const groups = new Map<string, GroupTally>();
    let minGroupSize = DEFAULT_MIN_GROUP_SIZE;
    for (const s of samples) {
      // Errored samples (NaN output, no group) have no prediction to count.
      if (s.score === null || s.error !== undefined || s.group === null) continue;
      const predicted = s.details?.predicted;
      const positive = s.details?.positive;
      if (typeof s.details?.min_group_size === 'number') minGroupSize = s.details.min_group_size;
      let t = groups.get(s.group);
      if (t === undefined) {
        t = emptyTally();
        groups.set(s.group, t);
      }
      tallyOne(t, s.passed === true, s.label === positive, predicted === positive);
    }
    const { stats, breakdown, reasons } = fairnessSummary(groups, minGroupSize);
    return { stats, breakdown, reasons: reasons as Record<string, string> };
  },
};
