import { describe, expect, it } from 'vitest';
import { histogramSvg } from '../../src/reporters/_render/histogram.js';
import { sampleReport } from '../fixtures/reports/sample-report.js';

const counts = (svg: string) =>
  [...svg.matchAll(/<title>(\d+) samples? in/g)].reduce((sum, m) => sum + Number(m[1]), 0);

describe('score histogram', () => {
  it('counts every scored sample once and skips unscored ones', () => {
    const report = sampleReport();
    const warn = report.checks[2];
    const svg = histogramSvg(warn, 10);
    expect(counts(svg)).toBe(11);
    expect(svg).toContain('1 unscored');
  });

  it('draws score-unit thresholds, red when they fail, and names them', () => {
    const focus = sampleReport().checks[1];
    const svg = histogramSvg(focus, 20);
    expect(counts(svg)).toBe(24);
    expect(svg.match(/class="thr bad"/g)).toHaveLength(2); // mean >= 0.5, per-sample bound < 0.2
    expect(svg.match(/class="thr"/g)).toHaveLength(1); // median >= 0.3 passes
    expect(svg).toContain('per-sample bound &lt; 0.2');
  });

  it('copes with all-equal scores and with none', () => {
    const acc = sampleReport().checks[0];
    acc.samples = acc.samples.map((s) => ({ ...s, score: 1 }));
    expect(counts(histogramSvg(acc, 20))).toBe(20);
    acc.samples = [];
    expect(histogramSvg(acc, 20)).toContain('No scored samples');
  });
});
