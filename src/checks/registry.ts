import { XauditError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { accuracy } from './accuracy.js';
import { adversarialAccuracy } from './adversarial-accuracy.js';
import { attributionMassInBox } from './attribution-mass-in-box.js';
import { attributionMassInRegion } from './attribution-mass-in-region.js';
import { avgSensitivity } from './avg-sensitivity.js';
import { backgroundSwap } from './background-swap.js';
import { completeness } from './completeness.js';
import { deletion } from './deletion.js';
import { energyPointingGameCheck } from './energy-pointing-game.js';
import { explanationStability } from './explanation-stability.js';
import { faithfulnessCorrelation } from './faithfulness-correlation.js';
import { groupFairness } from './group-fairness.js';
import { insertion } from './insertion.js';
import { maxSensitivity } from './max-sensitivity.js';
import { modelParameterRandomisation } from './model-parameter-randomisation.js';
import { occlusionAgreement } from './occlusion-agreement.js';
import { pointingGameCheck } from './pointing-game.js';
import { randomLogit } from './random-logit.js';
import { relevanceRankAccuracyCheck } from './relevance-rank-accuracy.js';
import { road } from './road.js';
import { topKIoUCheck } from './top-k-iou.js';
import type { AnyCheck } from './types.js';

/** Every check, by id. A new check is one file plus one line here. */
export const checks: Record<string, AnyCheck> = Object.fromEntries(
  [
    // In the order of the docs: performance, localization, axiomatic, faithfulness, sanity, robustness, bias.
    accuracy,
    attributionMassInBox,
    pointingGameCheck,
    relevanceRankAccuracyCheck,
    topKIoUCheck,
    energyPointingGameCheck,
    attributionMassInRegion,
    completeness,
    deletion,
    insertion,
    road,
    faithfulnessCorrelation,
    occlusionAgreement,
    modelParameterRandomisation,
    randomLogit,
    adversarialAccuracy,
    maxSensitivity,
    avgSensitivity,
    explanationStability,
    backgroundSwap,
    groupFairness,
  ].map((c) => [c.id, c]),
);

export function getCheck(id: string): AnyCheck {
  const c = checks[id];
  if (c === undefined) {
    throw new XauditError('SPEC_REFERENCE', `Unknown check '${id}'`, {
      hint: didYouMean(id, Object.keys(checks)),
    });
  }
  return c;
}
