/**
 * Similarity of two explanation maps as the sanity checks compare them (Quantus' randomisation
 * metrics): each map is normalised by its own max |a| (Quantus' normalise_by_max, but per sample:
 * Quantus divides by the max over the whole batch, which makes a score depend on its batch),
 * optionally made absolute, then compared by Spearman rank correlation over pixels
 * (scipy.stats.spearmanr) or by SSIM on the [h, w] map (skimage, win_size 7, data_range = max -
 * min over both maps, as Quantus calls it; Quantus flattens the maps first and so computes a 1-D
 * SSIM along rows, we keep the image's two dimensions as Adebayo et al. do).
 */

import { XauditError } from '../../core/errors.js';
import { jointRange, ssim } from './ssim.js';
import { hasNaN, spearman } from './stats.js';

export type SimilarityMeasure = 'spearman' | 'ssim';

export interface MapSimilarity {
  spearman: number | null;
  /** Null when a side of the map is shorter than the 7-pixel window. */
  ssim: number | null;
}

/** Scaled to max |a| = 1 (unchanged when all zero), then |a| if asked. */
export function prepareMap(map: Float32Array, abs: boolean): Float32Array {
  let max = 0;
  for (const v of map) max = Math.max(max, Math.abs(v));
  const out = new Float32Array(map.length);
  for (let i = 0; i < map.length; i++) {
    const v = max > 0 ? map[i] / max : map[i];
    out[i] = abs ? Math.abs(v) : v;
  }
  return out;
}

/** Both measures of two prepared maps of h x w pixels; NaN where one is undefined (a constant map). */
export function mapSimilarity(a: Float32Array, b: Float32Array, h: number, w: number): MapSimilarity {
  const rho = spearman(a, b);
  const s = h >= 7 && w >= 7 ? ssim(a, b, [h, w], { dataRange: jointRange(a, b) }) : null;
  return { spearman: Number.isNaN(rho) ? null : rho, ssim: s === null || Number.isNaN(s) ? null : s };
}

/** Why a map cannot be compared, or null. */
export function mapProblem(map: Float32Array, size: number, which: string): string | null {
  if (map.length !== size)
    return `the map ${which} has ${map.length} values, expected ${size} (the input's h*w)`;
  if (hasNaN(map)) return `the map ${which} contains NaN`;
  return null;
}

/** Why the chosen measure is undefined for this pair, or null. */
export function similarityProblem(
  measure: SimilarityMeasure,
  sim: MapSimilarity,
  h: number,
  w: number,
): string | null {
  if (sim[measure] !== null) return null;
  if (measure === 'ssim' && (h < 7 || w < 7))
    return `ssim needs maps of at least 7x7 pixels; these are ${h}x${w}`;
  return measure === 'spearman'
    ? 'one of the maps is constant, so no rank correlation exists'
    : 'both maps are the same constant, so ssim is undefined';
}

/** similarity: ssim on maps smaller than its 7x7 window is a spec error, not one per sample. */
export function requireSsimSize(measure: SimilarityMeasure, h: number, w: number): void {
  if (measure === 'ssim' && (h < 7 || w < 7)) {
    throw new XauditError(
      'SPEC_INVALID',
      `similarity: ssim needs maps of at least 7x7 pixels; the input is ${h}x${w}`,
    );
  }
}

export const SIMILARITY_SCHEMA = { enum: ['spearman', 'ssim'] };
