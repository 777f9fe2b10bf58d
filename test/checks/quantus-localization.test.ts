import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  massInRegion,
  pointingGame,
  relevanceRankAccuracy,
  topKIoU,
} from '../../src/checks/_core/localization.js';

/** Numbers from the real Quantus 0.6.0: fixtures/reference/quantus/make_localization_refs.py. */
interface Case {
  name: string;
  h: number;
  w: number;
  map: number[];
  mask: number[];
  refused?: string;
  pointing_game: number;
  pointing_game_tolerance: Record<string, number>;
  relevance_mass_accuracy: number | null;
  relevance_mass_accuracy_of_positive_part?: number;
  attribution_localisation: number | null;
  rra: number | null;
  rra_tie_mean: number | null;
  tki: Record<string, number | null>;
  tki_tie_mean: Record<string, number | null>;
}

const { cases } = JSON.parse(
  readFileSync(new URL('../../fixtures/reference/quantus/localization.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const area = (c: Case) => c.mask.reduce((a, b) => a + b, 0);
const scored = cases.filter((c) => c.refused === undefined && area(c) > 0);

describe('localization scores against Quantus 0.6.0 (default settings)', () => {
  it('covers the cases the reference was made for', () => {
    expect(scored.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'peak-outside',
        'tied-max-one-inside',
        'quantised-ties',
        'blob-quantised',
        'signed',
      ]),
    );
    // Where np.argsort's tie order and the mean over tie orders differ, the reference must show it.
    expect(scored.some((c) => c.rra !== null && Math.abs((c.rra_tie_mean ?? 0) - c.rra) > 1e-3)).toBe(true);
  });

  for (const c of scored) {
    describe(c.name, () => {
      it('pointing-game = PointingGame (tolerance: on the mask grown by scipy distance_transform_edt)', () => {
        expect(pointingGame(c.map, c.mask, c.h, c.w).score).toBe(c.pointing_game);
        for (const [t, want] of Object.entries(c.pointing_game_tolerance)) {
          expect(pointingGame(c.map, c.mask, c.h, c.w, Number(t)).score, `tolerance ${t}`).toBe(want);
        }
      });

      it('relevance-rank-accuracy = RelevanceRankAccuracy, averaged over the orders of tied pixels', () => {
        expect(relevanceRankAccuracy(c.map, c.mask).score).toBeCloseTo(c.rra_tie_mean as number, 6);
      });

      it('top-k-iou: precision = TopKIntersection(k), IoU = I / (k + |R| - I)', () => {
        for (const [k, want] of Object.entries(c.tki_tie_mean)) {
          const r = topKIoU(c.map, c.mask, Number(k));
          const precision = r.details?.precision as number;
          expect(precision, `k = ${k}`).toBeCloseTo(want as number, 6);
          const inter = precision * Number(k);
          expect(r.score).toBeCloseTo(inter / (Number(k) + area(c) - inter), 6);
        }
      });

      it('attribution-mass-in-box = RelevanceMassAccuracy on max(a, 0) (and AttributionLocalisation on maps >= 0)', () => {
        const ours = massInRegion(c.map, c.mask).score as number;
        if (Math.min(...c.map) >= 0) {
          expect(ours).toBeCloseTo(c.relevance_mass_accuracy as number, 6);
          expect(ours).toBeCloseTo(c.attribution_localisation as number, 6);
        } else {
          expect(ours).toBeCloseTo(c.relevance_mass_accuracy_of_positive_part as number, 6);
          // The documented difference: Quantus sums the signed map.
          expect(Math.abs(ours - (c.relevance_mass_accuracy as number))).toBeGreaterThan(0.1);
        }
      });
    });
  }

  it('an empty mask: Quantus returns NaN (PointingGame 1, its NaN cast to a bool); ours is a sample error', () => {
    const c = cases.find((x) => x.name === 'empty-mask') as Case;
    expect(c.rra).toBeNull();
    expect(c.relevance_mass_accuracy).toBeNull();
    expect(c.pointing_game).toBe(1);
    for (const r of [
      pointingGame(c.map, c.mask, c.h, c.w),
      relevanceRankAccuracy(c.map, c.mask),
      topKIoU(c.map, c.mask, 3),
      massInRegion(c.map, c.mask),
    ]) {
      expect(r.score).toBeNull();
      expect(r.error).toMatch(/covers no pixel/);
    }
  });

  it('maps Quantus refuses to score (all zero, constant) are sample errors here', () => {
    const refused = cases.filter((x) => x.refused !== undefined);
    expect(refused.map((x) => x.name)).toEqual(['all-zero-map', 'constant-map']);
    for (const c of refused) {
      for (const r of [
        pointingGame(c.map, c.mask, c.h, c.w),
        relevanceRankAccuracy(c.map, c.mask),
        topKIoU(c.map, c.mask),
      ]) {
        expect(r.score).toBeNull();
        expect(r.error).toMatch(/zero everywhere|constant/);
      }
    }
  });
});
