/**
 * Pure scores of an attribution map against a region (both [h * w], row-major, at model
 * resolution), shared by the localization checks and tested against Quantus directly.
 *
 * Every function returns a SampleScore: a problem (empty region, NaN, a map that says nothing)
 * is `{score: null, error}` with the reason, never a number.
 */
import type { SampleScore, ScoredSample } from '../types.js';

/** Per-sample problems every score shares; `name` is what the region is called in messages. */
function problem(map: ArrayLike<number>, region: ArrayLike<number>, name: string): string | null {
  if (map.length !== region.length) {
    return `the attribution has ${map.length} pixels, the ${name} ${region.length}`;
  }
  if (areaOf(region) === 0) return `the ${name} covers no pixel at model resolution`;
  for (let p = 0; p < map.length; p++) {
    if (!Number.isFinite(map[p])) return 'the attribution contains NaN or infinity';
  }
  return null;
}

function areaOf(region: ArrayLike<number>): number {
  let area = 0;
  for (let p = 0; p < region.length; p++) if (region[p]) area++;
  return area;
}

function range(map: ArrayLike<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < map.length; p++) {
    if (map[p] < min) min = map[p];
    if (map[p] > max) max = map[p];
  }
  return { min, max };
}

/** A constant map (all zero included) ranks no pixel above another: there is nothing to score. */
function constantError(map: ArrayLike<number>): string | null {
  const { min, max } = range(map);
  if (min !== max) return null;
  return max === 0
    ? 'the attribution is zero everywhere'
    : 'the attribution is constant: it singles out no pixel';
}

/**
 * Share of the map's positive mass inside the region: sum(max(a,0) in R) / sum(max(a,0)).
 * Quantus' RelevanceMassAccuracy on max(a, 0) (equal to it on non-negative maps, and to
 * AttributionLocalisation there, up to its 1e-9 in the denominator). `details.chance` is the
 * region's share of the image: the score of a uniform map.
 */
export function massInRegion(
  map: ArrayLike<number>,
  region: ArrayLike<number>,
  name = 'region',
): SampleScore {
  const bad = problem(map, region, name);
  if (bad !== null) return { score: null, error: bad };
  let inside = 0;
  let total = 0;
  for (let p = 0; p < map.length; p++) {
    const v = Math.max(map[p], 0);
    total += v;
    if (region[p]) inside += v;
  }
  if (total === 0) return { score: null, error: 'the attribution has no positive mass' };
  return { score: inside / total, details: { chance: areaOf(region) / map.length } };
}

/**
 * Energy-based pointing game (Score-CAM, Wang et al. 2020): the map min-max normalised to
 * [0, 1], then its share inside the region. Unlike massInRegion, negative values are not
 * dropped but shifted: the map's minimum becomes 0.
 */
export function energyPointingGame(
  map: ArrayLike<number>,
  region: ArrayLike<number>,
  name = 'region',
): SampleScore {
  const bad = problem(map, region, name) ?? constantError(map);
  if (bad !== null) return { score: null, error: bad };
  const { min, max } = range(map);
  let inside = 0;
  let total = 0;
  for (let p = 0; p < map.length; p++) {
    const e = (map[p] - min) / (max - min);
    total += e;
    if (region[p]) inside += e;
  }
  return { score: inside / total, details: { chance: areaOf(region) / map.length } };
}

/**
 * Squared Euclidean distance (in pixels, between pixel centres) from every pixel to the nearest
 * pixel of `region`; exact, O(h * w) (Felzenszwalb & Huttenlocher 2012, one pass per axis).
 */
export function distanceSquared(region: ArrayLike<number>, h: number, w: number): Float64Array {
  const FAR = 1e20;
  const d = new Float64Array(h * w);
  for (let p = 0; p < d.length; p++) d[p] = region[p] ? 0 : FAR;
  const n = Math.max(h, w);
  const f = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (len: number) => {
    let k = 0;
    v[0] = 0;
    z[0] = Number.NEGATIVE_INFINITY;
    z[1] = Number.POSITIVE_INFINITY;
    for (let q = 1; q < len; q++) {
      let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      while (s <= z[k]) {
        k--;
        s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Number.POSITIVE_INFINITY;
    }
    k = 0;
    for (let q = 0; q < len; q++) {
      while (z[k + 1] < q) k++;
      out[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
    }
  };
  for (let j = 0; j < w; j++) {
    for (let i = 0; i < h; i++) f[i] = d[i * w + j];
    pass(h);
    for (let i = 0; i < h; i++) d[i * w + j] = out[i];
  }
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) f[j] = d[i * w + j];
    pass(w);
    for (let j = 0; j < w; j++) d[i * w + j] = out[j];
  }
  return d;
}

/**
 * Pointing game (Zhang et al. 2018; Quantus PointingGame): 1 when a pixel of maximal attribution
 * lies in the region grown by `tolerance` pixels (Euclidean, between pixel centres), else 0.
 * Tied maxima hit when any of them does, as in Quantus. `details.chance` is the grown region's
 * share of the image (the hit rate of a uniformly random point); x, y locate the first maximum.
 */
export function pointingGame(
  map: ArrayLike<number>,
  region: ArrayLike<number>,
  h: number,
  w: number,
  tolerance = 0,
  name = 'region',
): SampleScore {
  const bad = problem(map, region, name) ?? constantError(map);
  if (bad !== null) return { score: null, error: bad };
  const { max } = range(map);
  const grown =
    tolerance > 0 ? distanceSquared(region, h, w).map((d2) => (d2 <= tolerance * tolerance ? 1 : 0)) : region;
  let first = -1;
  let hit = false;
  for (let p = 0; p < map.length; p++) {
    if (map[p] !== max) continue;
    if (first < 0) first = p;
    if (grown[p]) {
      hit = true;
      break;
    }
  }
  return {
    score: hit ? 1 : 0,
    passed: hit,
    details: { chance: areaOf(grown) / map.length, x: first % w, y: Math.floor(first / w) },
  };
}

/**
 * Expected number of region pixels among the map's k largest values when ties are ordered
 * uniformly at random: a tie group that straddles the cut counts in proportion to the slots it
 * fills. Quantus' np.argsort breaks ties by whatever order its sort leaves; this is the mean over
 * all such orders, so it depends on no pixel order.
 */
export function expectedTopHits(map: ArrayLike<number>, region: ArrayLike<number>, k: number): number {
  const n = map.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => map[b] - map[a]);
  let hits = 0;
  for (let i = 0; i < k; ) {
    let j = i;
    while (j + 1 < n && map[idx[j + 1]] === map[idx[i]]) j++;
    let inGroup = 0;
    for (let t = i; t <= j; t++) if (region[idx[t]]) inGroup++;
    const size = j - i + 1;
    const taken = Math.min(k, j + 1) - i;
    hits += taken === size ? inGroup : (taken * inGroup) / size;
    i = j + 1;
  }
  return hits;
}

/**
 * Relevance rank accuracy (Arras et al. 2022; Quantus RelevanceRankAccuracy): the share of the
 * region among the |R| highest-ranked pixels, ties ordered as in expectedTopHits.
 * `details.chance` = |R| / n, the expected score of a random ranking.
 */
export function relevanceRankAccuracy(
  map: ArrayLike<number>,
  region: ArrayLike<number>,
  name = 'region',
): SampleScore {
  const bad = problem(map, region, name) ?? constantError(map);
  if (bad !== null) return { score: null, error: bad };
  const area = areaOf(region);
  return { score: expectedTopHits(map, region, area) / area, details: { chance: area / map.length } };
}

/**
 * IoU between the map's k highest-ranked pixels and the region, with the intersection counted
 * as in expectedTopHits: I / (k + |R| - I). `details.precision` = I / k is Quantus'
 * TopKIntersection (k in pixels, concept_influence=False); k defaults to |R| (`k = null`).
 */
export function topKIoU(
  map: ArrayLike<number>,
  region: ArrayLike<number>,
  k: number | null = null,
  name = 'region',
): SampleScore {
  const bad = problem(map, region, name) ?? constantError(map);
  if (bad !== null) return { score: null, error: bad };
  const area = areaOf(region);
  const top = k ?? area;
  if (!Number.isInteger(top) || top < 1 || top > map.length) {
    return {
      score: null,
      error: `k = ${top} pixels is not between 1 and the ${map.length} pixels of the map`,
    };
  }
  const inter = expectedTopHits(map, region, top);
  return { score: inter / (top + area - inter), details: { k: top, precision: inter / top } };
}

/** Pixels for a `k` option given as a fraction of the image (at least 1), or the region's size for 'region'. */
export function topKPixels(k: number | 'region', region: ArrayLike<number>): number {
  return k === 'region' ? areaOf(region) : Math.max(1, Math.round(k * region.length));
}

/** Mean of `details.chance` over the scored samples: the level a score means nothing at. */
export function meanChance(samples: readonly ScoredSample[]): number | null {
  let sum = 0;
  let n = 0;
  for (const s of samples) {
    const chance = s.details?.chance;
    if (s.score === null || s.error !== undefined || typeof chance !== 'number') continue;
    sum += chance;
    n++;
  }
  return n > 0 ? sum / n : null;
}
