/**
 * Subgroup metrics with fairlearn's definitions (fairlearn.metrics: selection_rate,
 * true_positive_rate, false_positive_rate, MetricFrame.difference/ratio with
 * method='between_groups', demographic_parity_*, equalized_odds_* with agg='worst_case'),
 * over the positive class against the rest (one-vs-rest for multi-class models).
 *
 * Deliberate difference: a rate whose denominator is empty (TPR of a group with no
 * positive labels, FPR of a group with no negatives, precision of a group with no
 * positive predictions) is null here. fairlearn returns 0 for such a TPR/FPR (sklearn's
 * confusion_matrix(normalize='true') turns 0/0 into 0), which makes an absent class look
 * like a maximal gap. A null rate is left out of its gap, as pandas' min/max would skip
 * a NaN in fairlearn's MetricFrame.
 */
import { XauditError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';

/** One group's confusion counts for the positive class, plus top-1 correctness. */
export interface GroupTally {
  n: number;
  /** Top-1 correct over all classes (not the binarised prediction). */
  correct: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface GroupRates {
  samples: number;
  /** Samples whose label is the positive class. */
  positives: number;
  accuracy: number;
  /** P(pred = positive): fairlearn selection_rate. */
  selection_rate: number;
  /** P(pred = positive | label = positive); null without positive labels. */
  tpr: number | null;
  /** P(pred = positive | label != positive); null without negative labels. */
  fpr: number | null;
  /** P(label = positive | pred = positive); null without positive predictions. */
  precision: number | null;
}

export const emptyTally = (): GroupTally => ({ n: 0, correct: 0, tp: 0, fp: 0, fn: 0, tn: 0 });

/** Add one sample to a tally. */
export function tallyOne(
  t: GroupTally,
  correct: boolean,
  labelPositive: boolean,
  predPositive: boolean,
): void {
  t.n++;
  if (correct) t.correct++;
  if (labelPositive) {
    if (predPositive) t.tp++;
    else t.fn++;
  } else if (predPositive) t.fp++;
  else t.tn++;
}

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function groupRates(t: GroupTally): GroupRates {
  return {
    samples: t.n,
    positives: t.tp + t.fn,
    accuracy: t.correct / t.n,
    selection_rate: (t.tp + t.fp) / t.n,
    tpr: div(t.tp, t.tp + t.fn),
    fpr: div(t.fp, t.fp + t.tn),
    precision: div(t.tp, t.tp + t.fp),
  };
}

/** Defined values, in order. */
function defined(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null);
}

/**
 * MetricFrame.difference(method='between_groups'): max - min over the groups whose
 * value is defined; null when fewer than two groups have one (nothing to compare).
 */
export function gap(values: readonly (number | null)[]): number | null {
  const v = defined(values);
  if (v.length < 2) return null;
  return Math.max(...v) - Math.min(...v);
}

/**
 * MetricFrame.ratio(method='between_groups'): min / max over the defined values; null with
 * fewer than two, or when the max is 0 (fairlearn's 0/0 is NaN).
 */
export function ratio(values: readonly (number | null)[]): number | null {
  const v = defined(values);
  if (v.length < 2) return null;
  const max = Math.max(...v);
  return max > 0 ? Math.min(...v) / max : null;
}

export const FAIRNESS_STATISTICS = [
  'dp_difference',
  'dp_ratio',
  'eo_difference',
  'eo_ratio',
  'tpr_gap',
  'fpr_gap',
  'precision_gap',
  'accuracy_gap',
  'worst_group_accuracy',
  'groups_compared',
] as const;

export type FairnessStatistic = (typeof FAIRNESS_STATISTICS)[number];

/** Per-group breakdown rows, one table per metric (metric -> group -> value). */
const BREAKDOWN_METRICS = [
  'samples',
  'positives',
  'accuracy',
  'selection_rate',
  'tpr',
  'fpr',
  'precision',
  'in_gaps',
] as const;

export interface FairnessSummary {
  stats: Record<FairnessStatistic, number | null>;
  breakdown: Record<(typeof BREAKDOWN_METRICS)[number], Record<string, number | null>>;
  /** Why each null statistic could not be computed, in words. */
  reasons: Partial<Record<FairnessStatistic, string>>;
}

/** Why a gap or ratio over `what` is null: too few groups with a defined value, or 0/0. */
function whyNull(
  compared: readonly GroupRates[],
  values: readonly (number | null)[],
  what: string,
  isRatio = false,
): string {
  const have = values.filter((v) => v !== null).length;
  if (compared.length >= 2 && have < 2) return `fewer than two compared groups have ${what}`;
  if (isRatio && have >= 2) return 'every compared group has a rate of 0 (0/0)';
  return '';
}

/**
 * Dataset-level statistics from per-group tallies. Groups with fewer than
 * `minGroupSize` samples are in the breakdown (in_gaps 0) but in no gap, ratio or worst-group value.
 */
export function fairnessSummary(
  groups: ReadonlyMap<string, GroupTally>,
  minGroupSize: number,
): FairnessSummary {
  const names = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const breakdown = Object.fromEntries(BREAKDOWN_METRICS.map((m) => [m, {}])) as FairnessSummary['breakdown'];
  const compared: GroupRates[] = [];
  for (const g of names) {
    const r = groupRates(groups.get(g) as GroupTally);
    const inGaps = r.samples >= minGroupSize;
    if (inGaps) compared.push(r);
    for (const m of BREAKDOWN_METRICS) breakdown[m][g] = m === 'in_gaps' ? (inGaps ? 1 : 0) : r[m];
  }
  const col = <K extends keyof GroupRates>(k: K) => compared.map((r) => r[k]);
  const tprGap = gap(col('tpr'));
  const fprGap = gap(col('fpr'));
  const tprRatio = ratio(col('tpr'));
  const fprRatio = ratio(col('fpr'));
  const accuracies = col('accuracy');
  const stats: FairnessSummary['stats'] = {
    dp_difference: gap(col('selection_rate')),
    dp_ratio: ratio(col('selection_rate')),
    // agg='worst_case': equalised odds needs both rates; one missing leaves it unknown.
    eo_difference: tprGap === null || fprGap === null ? null : Math.max(tprGap, fprGap),
    eo_ratio: tprRatio === null || fprRatio === null ? null : Math.min(tprRatio, fprRatio),
    tpr_gap: tprGap,
    fpr_gap: fprGap,
    precision_gap: gap(col('precision')),
    accuracy_gap: gap(accuracies),
    worst_group_accuracy: accuracies.length > 0 ? Math.min(...accuracies) : null,
    groups_compared: compared.length,
  };
  const reasons: FairnessSummary['reasons'] = {};
  if (Object.values(stats).some((v) => v === null)) {
    // Built only when something is null: summarize runs once per bootstrap resample.
    const few =
      compared.length < 2
        ? `${compared.length} group(s) have at least min_group_size (${minGroupSize}) samples; ${names
            .map((g) => `${g}: ${(groups.get(g) as GroupTally).n}`)
            .join(', ')}`
        : '';
    const why: Record<FairnessStatistic, string> = {
      dp_difference: few,
      dp_ratio: few || whyNull(compared, col('selection_rate'), 'a selection rate', true),
      tpr_gap: few || whyNull(compared, col('tpr'), 'positive labels'),
      fpr_gap: few || whyNull(compared, col('fpr'), 'negative labels'),
      eo_difference: '',
      eo_ratio: '',
      precision_gap: few || whyNull(compared, col('precision'), 'positive predictions'),
      accuracy_gap: few,
      worst_group_accuracy: `no group has at least min_group_size (${minGroupSize}) samples`,
      groups_compared: '',
    };
    why.eo_difference = stats.tpr_gap === null ? `tpr_gap: ${why.tpr_gap}` : `fpr_gap: ${why.fpr_gap}`;
    why.eo_ratio =
      tprRatio === null
        ? `TPR ratio: ${few || whyNull(compared, col('tpr'), 'positive labels', true)}`
        : `FPR ratio: ${few || whyNull(compared, col('fpr'), 'negative labels', true)}`;
    for (const k of FAIRNESS_STATISTICS) if (stats[k] === null) reasons[k] = why[k];
  }
  return { stats, breakdown, reasons };
}

/** What is wrong with `positive` for a model with these classes, or null. */
export function positiveProblem(
  classes: readonly string[],
  positive: unknown,
): { code: 'SPEC_INVALID' | 'SPEC_REFERENCE'; message: string; hint: string } | null {
  if (positive === undefined) {
    if (classes.length === 2) return null;
    return {
      code: 'SPEC_INVALID',
      message: `The model has ${classes.length} class(es): name the positive class with 'positive: <class>'`,
      hint: `TPR, FPR and parity are computed for one class against the rest. Classes: ${classes.join(', ')}.`,
    };
  }
  if (typeof positive === 'string' && classes.includes(positive)) return null;
  return {
    code: 'SPEC_REFERENCE',
    message: `positive: '${String(positive)}' is not one of the model's classes`,
    hint: didYouMean(String(positive), classes),
  };
}

/** Index of the positive class: the named one, else the second of a binary model. */
export function positiveIndex(classes: readonly string[], positive: string | undefined): number {
  const p = positiveProblem(classes, positive);
  // The message carries the hint too: an errored check's report shows only the message.
  if (p !== null) throw new XauditError(p.code, `${p.message}. ${p.hint}`.trim(), { hint: p.hint });
  return positive === undefined ? 1 : classes.indexOf(positive);
}
