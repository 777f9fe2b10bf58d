import { describe, expect, it } from 'vitest';
import { lossGradient } from '../../src/checks/_core/loss.js';
import { pearson, predictions, ranks, spearman } from '../../src/checks/_core/stats.js';

describe('rank statistics', () => {
  it('gives ties their average rank (scipy.stats.rankdata)', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });

  it('matches scipy.stats.spearmanr on a hand case', () => {
    // scipy.stats.spearmanr([1,2,3,4,5],[5,6,7,8,7]).statistic == 0.8207826816681233
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
  });

  it('is NaN for a constant side', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('predicts argmax, and sign for a single sigmoid unit', () => {
    expect(Array.from(predictions(new Float32Array([0.1, 0.9, 2, -1]), 2))).toEqual([1, 0]);
    expect(Array.from(predictions(new Float32Array([-0.3, 0.2]), 2))).toEqual([0, 1]);
  });

  it('computes the cross-entropy gradient softmax(z) - onehot(y)', () => {
    const g = lossGradient(new Float32Array([0, 0]), new Int32Array([1]));
    expect(Array.from(g)).toEqual([0.5, -0.5]);
    const s = lossGradient(new Float32Array([0]), new Int32Array([0]));
    expect(s[0]).toBeCloseTo(0.5, 7);
  });
});
