import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slic } from '../../src/methods/_core/slic.js';

// Labels from skimage.segmentation.slic (0.26) on the same images
// (fixtures/reference/slic/make_slic_refs.py). Lab constants, float
// precision and ties differ in detail, so segmentations are compared by the
// adjusted Rand index (1 = identical partitions, 0 = chance; 0.90-0.96 when
// written) and by segment count.
interface Case {
  name: string;
  shape: [number, number, number];
  image: number[];
  segments: number;
  compactness: number;
  labels: number[];
  count: number;
}
const ref = JSON.parse(readFileSync('fixtures/reference/slic/slic.json', 'utf8')) as { cases: Case[] };

/** Adjusted Rand index of two labelings (Hubert & Arabie 1985), as sklearn.metrics.adjusted_rand_score. */
function adjustedRand(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const pairs = (k: number) => (k * (k - 1)) / 2;
  const joint = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const key = `${a[i]},${b[i]}`;
    joint.set(key, (joint.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const v of joint.values()) index += pairs(v);
  let sa = 0;
  let sb = 0;
  for (const v of rows.values()) sa += pairs(v);
  for (const v of cols.values()) sb += pairs(v);
  const expected = (sa * sb) / pairs(a.length);
  return (index - expected) / ((sa + sb) / 2 - expected);
}

describe('SLIC against scikit-image', () => {
  for (const c of ref.cases) {
    it(`${c.name}: the same partition up to details (adjusted Rand >= 0.85) and a similar count`, () => {
      const [h, w, ch] = c.shape;
      const got = slic(Float32Array.from(c.image), h, w, ch, {
        segments: c.segments,
        compactness: c.compactness,
      });
      const ari = adjustedRand(got.labels, c.labels);
      expect(
        ari,
        `ARI ${ari.toFixed(3)}, ${got.count} vs skimage ${c.count} segments`,
      ).toBeGreaterThanOrEqual(0.85);
      expect(got.count).toBeGreaterThanOrEqual(c.count * 0.85);
      expect(got.count).toBeLessThanOrEqual(c.count * 1.15);
    });
  }
});
