import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/audit/load.js';
import { prepareAudit } from '../../src/audit/prepare.js';
import type { CheckReport } from '../../src/audit/report.js';
import { runAudit } from '../../src/audit/run.js';
import {
  emptyTally,
  fairnessSummary,
  type GroupTally,
  gap,
  ratio,
  tallyOne,
} from '../../src/checks/_core/fairness.js';
import { groupFairness } from '../../src/checks/group-fairness.js';
import type { ScoredSample } from '../../src/checks/types.js';
import { XauditError } from '../../src/core/errors.js';
import type { InputTransform } from '../../src/data/input.js';
import { functionModel } from '../helpers/function-model.js';
import { preparedOn } from '../helpers/prepared.js';

/** Per-sample results as evaluate() would give them, from labels, predictions and groups. */
function rows(
  yTrue: readonly string[],
  yPred: readonly string[],
  groups: readonly (string | null)[],
  positive: string,
  minGroupSize = 1,
): ScoredSample[] {
  return yTrue.map((label, i) => ({
    score: label === yPred[i] ? 1 : 0,
    passed: label === yPred[i],
    details: { predicted: yPred[i], positive, min_group_size: minGroupSize },
    label,
    group: groups[i],
  }));
}

/** Rows from per-group confusion counts {group: [tp, fn, fp, tn]} for classes neg/pos. */
function fromCounts(
  counts: Record<string, [number, number, number, number]>,
  minGroupSize = 1,
): ScoredSample[] {
  const t: string[] = [];
  const p: string[] = [];
  const g: string[] = [];
  for (const [group, [tp, fn, fp, tn]] of Object.entries(counts)) {
    for (const [lt, lp, k] of [
      ['pos', 'pos', tp],
      ['pos', 'neg', fn],
      ['neg', 'pos', fp],
      ['neg', 'neg', tn],
    ] as const) {
      for (let i = 0; i < k; i++) {
        t.push(lt);
        p.push(lp);
        g.push(group);
      }
    }
  }
  return rows(t, p, g, 'pos', minGroupSize);
}

interface Reading {
  by_group: Record<string, Record<string, number | null>>;
  stats: Record<string, number | null>;
}
interface RefCase {
  name: string;
  classes: string[];
  positive: string;
  y_true: string[];
  y_pred: string[];
  groups: string[];
  fairlearn: Reading;
  fairlearn_nan: Reading;
}
// Made by fixtures/reference/group-fairness/make_fairlearn_refs.py (fairlearn 0.15.0.dev0, sklearn 1.9.1).
const REF = JSON.parse(readFileSync('fixtures/reference/group-fairness/fairlearn.json', 'utf8')) as {
  cases: RefCase[];
};
const refCase = (name: string) => REF.cases.find((c) => c.name === name) as RefCase;

const close = (actual: number | null | undefined, expected: number | null) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, 12);
};

describe('group-fairness: gap and ratio (MetricFrame between_groups)', () => {
  it('max - min and min / max over the defined values', () => {
    expect(gap([0.2, null, 0.7, 0.5])).toBeCloseTo(0.5, 15);
    expect(ratio([0.2, null, 0.8])).toBeCloseTo(0.25, 15);
    expect(gap([0.3, null])).toBeNull(); // one value: nothing to compare
    expect(ratio([0, 0])).toBeNull(); // fairlearn's 0/0 is NaN
    expect(ratio([0, 0.5])).toBe(0);
  });
});

describe('group-fairness: hand-computed confusion matrices', () => {
  it('two groups', () => {
    // A: tp3 fn1 fp2 tn4 -> selection 5/10, TPR 3/4, FPR 2/6, precision 3/5, accuracy 7/10.
    // B: tp1 fn3 fp0 tn6 -> selection 1/10, TPR 1/4, FPR 0,   precision 1,   accuracy 7/10.
    const s = groupFairness.summarize(fromCounts({ A: [3, 1, 2, 4], B: [1, 3, 0, 6] }));
    expect(s.breakdown?.selection_rate).toEqual({ A: 0.5, B: 0.1 });
    expect(s.breakdown?.tpr).toEqual({ A: 0.75, B: 0.25 });
    expect(s.breakdown?.fpr).toEqual({ A: 2 / 6, B: 0 });
    expect(s.breakdown?.precision).toEqual({ A: 0.6, B: 1 });
    expect(s.breakdown?.accuracy).toEqual({ A: 0.7, B: 0.7 });
    expect(s.breakdown?.samples).toEqual({ A: 10, B: 10 });
    expect(s.breakdown?.positives).toEqual({ A: 4, B: 4 });
    close(s.stats.dp_difference, 0.4);
    close(s.stats.dp_ratio, 0.2);
    close(s.stats.tpr_gap, 0.5);
    close(s.stats.fpr_gap, 1 / 3);
    close(s.stats.eo_difference, 0.5); // max(0.5, 1/3)
    close(s.stats.eo_ratio, 0); // min(0.25/0.75, 0/(1/3))
    close(s.stats.precision_gap, 0.4);
    close(s.stats.accuracy_gap, 0);
    close(s.stats.worst_group_accuracy, 0.7);
    expect(s.stats.groups_compared).toBe(2);
  });

  it("three groups: fairlearn's documented example", () => {
    // fairlearn docs/user_guide/assessment/common_fairness_metrics.rst:
    //   y_true = [0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    //   y_pred = [0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0]
    //   sf_data = ['b', 'b', 'a', 'b', 'b', 'c', 'c', 'c', 'a', 'a', 'c', 'a', 'b', 'c', 'c', 'b', 'c', 'c']
    //   demographic_parity_difference -> 0.25, demographic_parity_ratio -> 0.66666...,
    //   equalized_odds_difference -> 1.0, equalized_odds_ratio -> 0.0
    const c = refCase('docs_example');
    const s = groupFairness.summarize(rows(c.y_true, c.y_pred, c.groups, 'pos'));
    // By hand: a = rows 2,8,9,11: y (1,1,0,0), pred (1,0,1,1): selection 3/4, TPR 1/2, FPR 2/2.
    // b = rows 0,1,3,4,12,15: y (0,1,1,1,1,1), pred (0,0,0,1,1,1): selection 3/6, TPR 3/5, FPR 0/1.
    // c = rows 5,6,7,10,13,14,16,17: y (0,1,0,0,1,1,1,1), pred (1,1,0,1,0,0,1,0): selection 4/8, TPR 2/5, FPR 2/3.
    expect(s.breakdown?.selection_rate).toEqual({ a: 0.75, b: 0.5, c: 0.5 });
    expect(s.breakdown?.tpr).toEqual({ a: 0.5, b: 0.6, c: 0.4 });
    expect(s.breakdown?.fpr).toEqual({ a: 1, b: 0, c: 2 / 3 });
    close(s.stats.dp_difference, 0.25);
    close(s.stats.dp_ratio, 2 / 3);
    close(s.stats.eo_difference, 1);
    close(s.stats.eo_ratio, 0);
    close(s.stats.tpr_gap, 0.2);
    close(s.stats.fpr_gap, 1);
  });

  it('multi-class: rates are for the positive class against the rest; accuracy is top-1', () => {
    // u: (dog,dog) TP, (dog,cat) FN, (cat,fox) TN but wrong, (fox,fox) TN, (cat,dog) FP, (dog,dog) TP.
    // v: (fox,dog) FP, (fox,cat) TN wrong, (dog,fox) FN, (cat,cat) TN, (cat,dog) FP, (fox,fox) TN.
    const c = refCase('multiclass');
    const s = groupFairness.summarize(rows(c.y_true, c.y_pred, c.groups, 'dog'));
    expect(s.breakdown?.accuracy).toEqual({ u: 3 / 6, v: 2 / 6 });
    expect(s.breakdown?.selection_rate).toEqual({ u: 3 / 6, v: 2 / 6 });
    expect(s.breakdown?.tpr).toEqual({ u: 2 / 3, v: 0 });
    expect(s.breakdown?.fpr).toEqual({ u: 1 / 3, v: 2 / 5 });
    expect(s.breakdown?.precision).toEqual({ u: 2 / 3, v: 0 });
    close(s.stats.tpr_gap, 2 / 3);
    close(s.stats.fpr_gap, 2 / 5 - 1 / 3);
    close(s.stats.eo_difference, 2 / 3);
    close(s.stats.accuracy_gap, 1 / 6);
    close(s.stats.worst_group_accuracy, 1 / 3);
  });

  it('a group without positive labels has TPR null and is left out of tpr_gap (fairlearn says 0)', () => {
    const s = groupFairness.summarize(fromCounts({ x: [4, 1, 1, 4], y: [2, 2, 2, 4], z: [0, 0, 3, 7] }));
    expect(s.breakdown?.tpr).toEqual({ x: 0.8, y: 0.5, z: null });
    close(s.stats.tpr_gap, 0.3); // x vs y only
    close(s.stats.fpr_gap, 1 / 3 - 0.2); // every group has negatives
    close(s.stats.eo_difference, 0.3);
    // fairlearn reports TPR 0 for z (sklearn turns 0/0 into 0), so its gap is 0.8: the documented difference.
    const ref = refCase('no_positives');
    expect(ref.fairlearn.by_group.z.tpr).toBe(0);
    close(ref.fairlearn.stats.tpr_gap, 0.8);
  });

  it('a group without positive predictions has precision null; with no negatives FPR and eo are null', () => {
    const s = groupFairness.summarize(fromCounts({ p: [0, 3, 0, 2], q: [2, 0, 0, 0] }));
    expect(s.breakdown?.precision).toEqual({ p: null, q: 1 });
    expect(s.breakdown?.fpr).toEqual({ p: 0, q: null });
    expect(s.stats.precision_gap).toBeNull();
    expect(s.stats.fpr_gap).toBeNull(); // only p has negatives
    expect(s.stats.eo_difference).toBeNull(); // equalised odds needs both rates
    close(s.stats.tpr_gap, 1);
    close(s.stats.dp_difference, 1);
    expect(s.stats.dp_ratio).toBe(0);
  });

  it('min_group_size: small groups are reported but in no gap', () => {
    const counts: Record<string, [number, number, number, number]> = {
      big1: [4, 1, 1, 4],
      big2: [2, 3, 0, 5],
      small: [0, 1, 2, 0], // selection 2/3, TPR 0, FPR 1, accuracy 0: would dominate every gap
    };
    const s = groupFairness.summarize(fromCounts(counts, 5));
    expect(s.breakdown?.in_gaps).toEqual({ big1: 1, big2: 1, small: 0 });
    expect(s.breakdown?.samples).toEqual({ big1: 10, big2: 10, small: 3 });
    expect(s.breakdown?.tpr?.small).toBe(0);
    expect(s.stats.groups_compared).toBe(2);
    // Equal to fairlearn on the large groups' samples alone.
    const ref = refCase('min_group_size_large_only');
    for (const [k, v] of Object.entries(ref.fairlearn.stats)) close(s.stats[k], v);
    // One group left: nothing to compare, but its accuracy is still the worst compared one.
    const one = groupFairness.summarize(fromCounts({ big1: counts.big1, small: counts.small }, 5));
    expect(one.stats.groups_compared).toBe(1);
    expect(one.stats.dp_difference).toBeNull();
    expect(one.stats.eo_difference).toBeNull();
    close(one.stats.worst_group_accuracy, 0.8);
    const none = groupFairness.summarize(fromCounts(counts, 11));
    expect(none.stats.groups_compared).toBe(0);
    expect(none.stats.dp_difference).toBeNull();
    expect(none.stats.worst_group_accuracy).toBeNull();
    expect(none.breakdown?.in_gaps).toEqual({ big1: 0, big2: 0, small: 0 });
  });

  it('says why a statistic is null', () => {
    const tallies = (counts: Record<string, [number, number, number, number]>) => {
      const m = new Map<string, GroupTally>();
      for (const [g, [tp, fn, fp, tn]] of Object.entries(counts)) {
        const t = emptyTally();
        for (const [lp, pp, k] of [
          [true, true, tp],
          [true, false, fn],
          [false, true, fp],
          [false, false, tn],
        ] as const) {
          for (let i = 0; i < k; i++) tallyOne(t, lp === pp, lp, pp);
        }
        m.set(g, t);
      }
      return m;
    };
    const small = fairnessSummary(tallies({ u: [1, 1, 1, 3], v: [0, 2, 1, 3] }), 30);
    expect(small.reasons.dp_difference).toBe(
      '0 group(s) have at least min_group_size (30) samples; u: 6, v: 6',
    );
    expect(small.reasons.worst_group_accuracy).toBe('no group has at least min_group_size (30) samples');
    const noPos = fairnessSummary(tallies({ p: [0, 0, 1, 2], q: [0, 0, 0, 3] }), 1);
    expect(noPos.reasons.tpr_gap).toBe('fewer than two compared groups have positive labels');
    expect(noPos.reasons.eo_difference).toBe('tpr_gap: fewer than two compared groups have positive labels');
    expect(noPos.reasons.fpr_gap).toBeUndefined();
    const none = fairnessSummary(tallies({ p: [0, 1, 0, 2], q: [0, 2, 0, 3] }), 1);
    expect(none.stats.dp_ratio).toBeNull();
    expect(none.reasons.dp_ratio).toBe('every compared group has a rate of 0 (0/0)');
    expect(none.stats.dp_difference).toBe(0);
  });

  it('errored samples and samples without a group are in no group', () => {
    const r = fromCounts({ A: [1, 0, 0, 1], B: [0, 1, 1, 0] });
    const s0 = groupFairness.summarize(r);
    const extra: ScoredSample[] = [
      { score: null, error: 'the model output is NaN', label: 'pos', group: 'A' },
      { score: null, error: "the sample has no group (empty 'group' cell)", label: 'pos', group: null },
    ];
    expect(groupFairness.summarize([...r, ...extra])).toEqual(s0);
  });
});

describe('group-fairness: parity with fairlearn (fixtures/reference/group-fairness)', () => {
  for (const c of REF.cases) {
    it(c.name, () => {
      const s = groupFairness.summarize(rows(c.y_true, c.y_pred, c.groups, c.positive));
      // Null rates follow fairlearn with NaN for 0/0 (skipped by its group min/max).
      const ref = c.fairlearn_nan;
      for (const [g, values] of Object.entries(ref.by_group)) {
        for (const [k, v] of Object.entries(values)) close(s.breakdown?.[k]?.[g], v);
      }
      for (const [k, v] of Object.entries(ref.stats)) close(s.stats[k], v);
      // Where no rate is 0/0 the shipped library agrees too.
      if (c.name !== 'no_positives') {
        for (const [k, v] of Object.entries(c.fairlearn.stats)) close(s.stats[k], v);
      }
    });
  }

  it('summarize is a linear pass (10k samples)', () => {
    const n = 10_000;
    const t: string[] = [];
    const p: string[] = [];
    const g: string[] = [];
    for (let i = 0; i < n; i++) {
      t.push(i % 3 === 0 ? 'pos' : 'neg');
      p.push(i % 5 === 0 ? 'pos' : 'neg');
      g.push(`g${i % 7}`);
    }
    const r = rows(t, p, g, 'pos', 30);
    for (let i = 0; i < 5; i++) groupFairness.summarize(r);
    const t0 = performance.now();
    const s = groupFairness.summarize(r);
    // A sanity print, not an assertion: the bootstrap calls summarize once per resample.
    console.log(`group-fairness summarize, 10k samples: ${(performance.now() - t0).toFixed(2)} ms`);
    expect(s.stats.groups_compared).toBe(7);
  });
});

// End to end: images whose grey level is the model's prediction (a function model), a manifest
// with the labels and groups of a reference case, and runAudit.
const PRED_LEVEL = [0, 128, 255];
let dir: string;
const transform: InputTransform = { range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], shape: [4, 4, 3] };
// Class k when the first pixel is nearest to PRED_LEVEL[k] / 255.
const levelModel = (classes: number) =>
  functionModel([4, 4, 3], classes, (x) => {
    const k = x[0] < 0.25 ? 0 : x[0] < 0.75 ? 1 : 2;
    return Array.from({ length: classes }, (_, j) => (j === Math.min(k, classes - 1) ? 5 : 0));
  });

async function writeCase(c: RefCase, name: string, groupColumn = true): Promise<string> {
  const lines = [groupColumn ? 'path,label,group' : 'path,label'];
  for (const [i, label] of c.y_true.entries()) {
    const k = c.classes.indexOf(c.y_pred[i]);
    const level = c.classes.length === 2 ? PRED_LEVEL[k * 2] : PRED_LEVEL[k];
    const file = `${name}-${i}.png`;
    await sharp(Buffer.alloc(4 * 4 * 3, level), { raw: { width: 4, height: 4, channels: 3 } })
      .png()
      .toFile(join(dir, file));
    lines.push(groupColumn ? `${file},${label},${c.groups[i]}` : `${file},${label}`);
  }
  const manifest = join(dir, `${name}.csv`);
  await writeFile(manifest, `${lines.join('\n')}\n`);
  return manifest;
}

async function audit(c: RefCase, manifest: string, checkYaml: string): Promise<CheckReport> {
  const spec = await parseSpec(
    `version: 1
seed: 3
model: { path: model.json, classes: [${c.classes.join(', ')}], input: { size: [4, 4] } }
data: { val: { manifest: ${manifest} } }
checks:
${checkYaml}`,
    join(dir, 'spec.yaml'),
  );
  const prepared = await preparedOn(spec, levelModel(c.classes.length), manifest, c.classes, transform);
  const [r] = (await runAudit(prepared)).report.checks;
  return r;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xaudit-fairness-'));
  await writeFile(join(dir, 'model.json'), '{}');
});

describe('group-fairness: full audits', () => {
  it('binary (docs example): default positive is the second class; gates on dp_difference', async () => {
    const c = refCase('docs_example');
    const manifest = await writeCase(c, 'docs');
    const r = await audit(
      c,
      manifest,
      '  - { id: f, check: group-fairness, min_group_size: 1, expect: { dp_difference: { "<=": 0.2 }, eo_difference: { "<=": 1 } } }\n',
    );
    expect(r.outcome, r.message).toBe('fail');
    expect(r.message).toMatch(/dp_difference 0\.2500 not <= 0\.2/);
    close(r.stats.dp_difference, 0.25);
    close(r.stats.dp_ratio, 2 / 3);
    close(r.stats.eo_difference, 1);
    close(r.stats.mean, 8 / 18); // per-sample score: correct or not
    expect(r.samples[0].details).toEqual({ predicted: 'neg', positive: 'pos', min_group_size: 1 });
    expect(r.breakdown.selection_rate).toEqual({ a: 0.75, b: 0.5, c: 0.5 });
    // The report's rows alone give the same summary (what merge recomputes).
    const again = groupFairness.summarize(
      r.samples.map((s) => ({ ...s, group: s.group ?? null })) as ScoredSample[],
    );
    expect(again.stats).toEqual(Object.fromEntries(Object.keys(again.stats).map((k) => [k, r.stats[k]])));
  });

  it('ci_upper of dp_difference: a bootstrap interval above the point estimate', async () => {
    const c = refCase('docs_example');
    const manifest = await writeCase(c, 'docs-ci');
    const r = await audit(
      c,
      manifest,
      '  - { id: f, check: group-fairness, min_group_size: 1, expect: { dp_difference: { ci_upper: { "<=": 1 } } } }\n',
    );
    expect(r.outcome, r.message).toBe('pass');
    const upper = r.expectations[0].value as number;
    // Resampled max-min gaps spread around 0.25 and up: the 97.5% point lies above it, within [0, 1].
    expect(upper).toBeGreaterThan(0.25);
    expect(upper).toBeLessThanOrEqual(1);
  });

  it('multi-class with positive: matches fairlearn one-vs-rest', async () => {
    const c = refCase('multiclass');
    const manifest = await writeCase(c, 'mc');
    const r = await audit(
      c,
      manifest,
      '  - { id: f, check: group-fairness, positive: dog, min_group_size: 1, expect: { tpr_gap: { "<=": 0.7 } } }\n',
    );
    expect(r.outcome, r.message).toBe('pass');
    for (const [k, v] of Object.entries(c.fairlearn.stats)) close(r.stats[k], v);
  });

  it('default min_group_size (30) leaves small groups out: the statistic errors, groups_compared says why', async () => {
    const c = refCase('multiclass');
    const manifest = await writeCase(c, 'mc-small');
    const r = await audit(
      c,
      manifest,
      '  - { id: f, check: group-fairness, positive: dog, expect: { tpr_gap: { "<=": 0.7 } } }\n',
    );
    expect(r.outcome).toBe('error');
    // The verdict says why, in words, from the check's summary.
    expect(r.message).toMatch(/^tpr_gap could not be computed: .*min_group_size \(30\).*u: 6, v: 6/);
    expect(r.stats.groups_compared).toBe(0);
    expect(r.breakdown.in_gaps).toEqual({ u: 0, v: 0 });
    expect(r.breakdown.samples).toEqual({ u: 6, v: 6 });
  });

  it('a multi-class model without positive, or a misspelt one, is refused at load with a did-you-mean', async () => {
    const c = refCase('multiclass');
    const manifest = await writeCase(c, 'mc-bad');
    await expect(
      audit(c, manifest, '  - { id: f, check: group-fairness, expect: { tpr_gap: { "<=": 0.7 } } }\n'),
    ).rejects.toThrow(/3 class\(es\): name the positive class with 'positive: <class>'/);
    await expect(
      audit(
        c,
        manifest,
        '  - { id: f, check: group-fairness, positive: dgo, expect: { tpr_gap: { "<=": 0.7 } } }\n',
      ),
    ).rejects.toMatchObject({ code: 'SPEC_REFERENCE', hint: "Did you mean 'dog'?" });
  });

  it('needs a group column; a row with an empty group is a sample error', async () => {
    const c = refCase('two_groups');
    const noGroups = await writeCase(c, 'nogroups', false);
    const r = await audit(
      c,
      noGroups,
      '  - { id: f, check: group-fairness, expect: { dp_difference: { "<=": 1 } } }\n',
    );
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/needs a 'group' column/);
    const partial = { ...c, groups: c.groups.map((g, i) => (i === 0 ? '' : g)) };
    const manifest = await writeCase(partial, 'partial');
    const p = await audit(
      c,
      manifest,
      '  - { id: f, check: group-fairness, min_group_size: 1, expect: { dp_difference: { "<=": 1 } } }\n',
    );
    expect(p.outcome).toBe('error');
    expect(p.samples[0].error).toBe("the sample has no group (empty 'group' cell)");
    expect(p.message).toMatch(/1 sample\(s\) could not be scored/);
  });
});

describe('group-fairness: positive is validated when the spec is loaded (xaudit validate, exit 2)', () => {
  // tiny-cnn: 16x16x3 input, 3 outputs.
  const model = resolve('fixtures/models/tiny-cnn/model.json');
  async function prepare(check: string): Promise<unknown> {
    const img = join(dir, 'cnn.png');
    await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } })
      .png()
      .toFile(img);
    await writeFile(join(dir, 'cnn.csv'), 'path,label,group\ncnn.png,b,g1\n');
    try {
      const spec = await parseSpec(
        `version: 1
model: { path: ${model}, classes: [a, b, c], input: { size: [16, 16] } }
data: { val: { manifest: cnn.csv } }
checks:
  - id: acc
    check: accuracy
    expect: { accuracy: { ">=": 0 } }
  - id: fair
    check: group-fairness
${check}    expect: { dp_difference: { "<=": 0.1 } }
`,
        join(dir, 'cnn.yaml'),
      );
      const prepared = await prepareAudit(spec);
      prepared.model.dispose();
      return null;
    } catch (e) {
      return e;
    }
  }

  it('a misspelt class: SPEC_REFERENCE at the positive line, with a did-you-mean', async () => {
    const e = await prepare('    positive: bb\n');
    expect(e).toBeInstanceOf(XauditError);
    const x = e as XauditError;
    expect(x.code).toBe('SPEC_REFERENCE');
    expect(x.message).toBe("positive: 'bb' is not one of the model's classes");
    expect(x.hint).toBe("Did you mean 'b'?");
    expect(x.location?.line).toBe(10);
  });

  it('missing with three classes: SPEC_INVALID at the check', async () => {
    const x = (await prepare('')) as XauditError;
    expect(x).toBeInstanceOf(XauditError);
    expect(x.code).toBe('SPEC_INVALID');
    expect(x.message).toMatch(/name the positive class/);
    expect(x.location?.line).toBe(8);
  });

  it('a valid class prepares', async () => {
    expect(await prepare('    positive: c\n')).toBeNull();
  });
});
