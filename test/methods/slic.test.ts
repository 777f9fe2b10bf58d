import { describe, expect, it } from 'vitest';
import { gridMask } from '../../src/methods/_core/features.js';
import { enforceConnectivity, rgbToLab, slic } from '../../src/methods/_core/slic.js';
import { fixedRandom } from '../helpers/analytic-models.js';

/**
 * A smooth colourful image in [0, 1]: slow sinusoids per channel plus a little
 * noise (`amp` large makes colour dominate SLIC's distance and fragment clusters).
 */
function smoothImage(h: number, w: number, seed = 1, amp = 0.15): Float32Array {
  const noise = fixedRandom(h * w * 3, seed);
  const img = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < 3; k++) {
        const v =
          0.5 + amp * Math.sin((x * (k + 1)) / 11 + (y * (3 - k)) / 13) + 0.01 * noise[(y * w + x) * 3 + k];
        img[(y * w + x) * 3 + k] = Math.min(1, Math.max(0, v));
      }
  return img;
}

/** Number of 4-connected regions of each label. */
function regionsPerLabel(labels: Int32Array, h: number, w: number): Map<number, number> {
  const seen = new Uint8Array(h * w);
  const regions = new Map<number, number>();
  for (let s = 0; s < h * w; s++) {
    if (seen[s]) continue;
    const l = labels[s];
    regions.set(l, (regions.get(l) ?? 0) + 1);
    const stack = [s];
    seen[s] = 1;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const y = Math.floor(p / w);
      const x = p % w;
      const next = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
      for (const q of next)
        if (q >= 0 && !seen[q] && labels[q] === l) {
          seen[q] = 1;
          stack.push(q);
        }
    }
  }
  return regions;
}

describe('SLIC superpixels', () => {
  it('converts sRGB to CIELAB like skimage (white, black, primaries)', () => {
    const close = (a: number[], b: number[]) => {
      for (const [i, v] of a.entries()) expect(v).toBeCloseTo(b[i], 1);
    };
    close(rgbToLab(1, 1, 1), [100, 0, 0]);
    close(rgbToLab(0, 0, 0), [0, 0, 0]);
    // skimage.color.rgb2lab([[[1,0,0]]]) etc.
    close(rgbToLab(1, 0, 0), [53.24, 80.09, 67.2]);
    close(rgbToLab(0, 0, 1), [32.3, 79.19, -107.86]);
  });

  it('labels every pixel, numbers segments 0..count-1, and lands near the requested count', () => {
    for (const [h, w, segments] of [
      [32, 32, 16],
      [40, 24, 30],
      [64, 64, 50],
    ]) {
      const { labels, count } = slic(smoothImage(h, w), h, w, 3, { segments, compactness: 10 });
      expect(labels.length).toBe(h * w);
      const used = new Set(labels);
      expect(used.size).toBe(count);
      expect(Math.min(...used)).toBe(0);
      expect(Math.max(...used)).toBe(count - 1);
      // skimage lands within a factor of about 2 of n_segments too (connectivity splits and merges).
      expect(count, `${h}x${w} ${segments}`).toBeGreaterThanOrEqual(segments / 2);
      expect(count, `${h}x${w} ${segments}`).toBeLessThanOrEqual(segments * 2);
    }
  });

  it('makes every segment one 4-connected region', () => {
    for (const compactness of [0.1, 1, 10, 100]) {
      const { labels } = slic(smoothImage(48, 48, 5, 0.4), 48, 48, 3, { segments: 40, compactness });
      for (const [label, regions] of regionsPerLabel(labels, 48, 48))
        expect(regions, `label ${label}, compactness ${compactness}`).toBe(1);
    }
  });

  it('respects a sharp colour edge: no segment crosses it', () => {
    const [h, w] = [30, 40];
    const noise = fixedRandom(h * w * 3, 9);
    const img = new Float32Array(h * w * 3);
    // Red left of column 13 (not on the initial grid), blue right of it, with mild noise.
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const rgb = x < 13 ? [0.9, 0.1, 0.1] : [0.1, 0.1, 0.9];
        for (let k = 0; k < 3; k++) img[(y * w + x) * 3 + k] = rgb[k] + 0.05 * noise[(y * w + x) * 3 + k];
      }
    const { labels } = slic(img, h, w, 3, { segments: 12, compactness: 10 });
    const left = new Set<number>();
    const right = new Set<number>();
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) (x < 13 ? left : right).add(labels[y * w + x]);
    for (const l of left) expect(right.has(l), `segment ${l} crosses the edge`).toBe(false);
  });

  it('is deterministic and handles grey images and more segments than pixels', () => {
    const img = smoothImage(20, 20, 3);
    const a = slic(img, 20, 20, 3, { segments: 25, compactness: 10 });
    const b = slic(img, 20, 20, 3, { segments: 25, compactness: 10 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    const grey = Float32Array.from({ length: 64 }, (_, p) => (p % 8 < 4 ? 0.1 : 0.9));
    const g = slic(grey, 8, 8, 1, { segments: 4, compactness: 10 });
    for (let y = 0; y < 8; y++) expect(g.labels[y * 8 + 3]).not.toBe(g.labels[y * 8 + 4]);
    const tiny = slic(grey, 8, 8, 1, { segments: 500, compactness: 10 });
    expect(tiny.count).toBeLessThanOrEqual(64);
    expect(new Set(tiny.labels).size).toBe(tiny.count);
  });

  it('connectivity enforcement splits disconnected labels and merges specks into a neighbour', () => {
    // Label 0 in two pieces, and a one-pixel speck of label 2, absorbed by the region above it (skimage's order).
    // biome-ignore format: a picture of the labels
    const labels = Int32Array.from([
      0, 0, 1, 1,
      1, 1, 1, 1,
      0, 0, 2, 1,
    ]);
    const { labels: out, count } = enforceConnectivity(labels, 3, 4, 2);
    // biome-ignore format: a picture of the labels
    expect(Array.from(out)).toEqual([
      0, 0, 1, 1,
      1, 1, 1, 1,
      2, 2, 1, 1,
    ]);
    expect(count).toBe(3);
  });

  it('grid masks cut cells whose sizes differ by at most one pixel', () => {
    const g = gridMask(7, 10, 3, 4);
    expect(g.count).toBe(12);
    const sizes = new Array(12).fill(0);
    for (const l of g.labels) sizes[l]++;
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2 * 3 + 2);
    expect(Array.from(g.labels.subarray(0, 10))).toEqual([0, 0, 0, 1, 1, 2, 2, 2, 3, 3]);
    // More cells than pixels: one feature per pixel.
    expect(gridMask(2, 3, 5, 5).count).toBe(6);
  });
});
