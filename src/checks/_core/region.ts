import type { DecodedSample } from '../../data/image.js';
import type { CheckContext, SampleScore } from '../types.js';
import { byBatch } from './batches.js';

/** Where a sample's object lies at model resolution, and which manifest column said so. */
export interface Region {
  mask: Uint8Array;
  source: 'mask' | 'box';
}

/**
 * The sample's region for localization checks: its segmentation mask when the manifest gives
 * one (it is the finer annotation), else the union of its boxes; null when it has neither.
 */
export function regionOf(decoded: Pick<DecodedSample, 'mask' | 'boxMask'>): Region | null {
  if (decoded.mask !== null) return { mask: decoded.mask, source: 'mask' };
  if (decoded.boxMask !== null) return { mask: decoded.boxMask, source: 'box' };
  return null;
}

/** 1 where `mask` is 0: e.g. the background around the boxes. */
export function complement(mask: Uint8Array): Uint8Array {
  return mask.map((v) => (v ? 0 : 1));
}

/**
 * Run `score` on every selected sample's map and decoded sample, in batches of ctx.maxBatch,
 * reporting progress: the loop every map-against-region check shares.
 */
export async function scoreMaps(
  ctx: CheckContext,
  score: (map: Float32Array, decoded: DecodedSample) => SampleScore,
): Promise<SampleScore[]> {
  return byBatch(ctx, async (part, targets, samples) => {
    const maps = await ctx.maps(part, targets);
    for (const [i, s] of part.entries()) samples.push(score(maps[i].map, await ctx.dataset.decode(s)));
  });
}

/** The score of a sample against regionOf(decoded), or an error when it has neither box nor mask. */
export function againstRegion(decoded: DecodedSample, score: (region: Region) => SampleScore): SampleScore {
  const region = regionOf(decoded);
  if (region === null) return { score: null, error: 'the sample has no box or mask' };
  const result = score(region);
  return result.error === undefined
    ? { ...result, details: { ...result.details, region: region.source } }
    : result;
}
