import { XauditError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { cam } from './cam.js';
import { deconvnet } from './deconvnet.js';
import { deepShap } from './deep-shap.js';
import { deeplift } from './deeplift.js';
import { eigenCam } from './eigen-cam.js';
import { expectedGradients } from './expected-gradients.js';
import { featureAblation } from './feature-ablation.js';
import { gradCam } from './grad-cam.js';
import { gradCamPlusPlus } from './grad-cam++.js';
import { gradientShap } from './gradient-shap.js';
import { guidedBackprop } from './guided-backprop.js';
import { guidedGradCam } from './guided-grad-cam.js';
import { inputXGradient } from './input-x-gradient.js';
import { integratedGradients } from './integrated-gradients.js';
import { kernelShap } from './kernel-shap.js';
import { layerCam } from './layer-cam.js';
import { lime } from './lime.js';
import { lrp } from './lrp.js';
import { occlusion } from './occlusion.js';
import { rise } from './rise.js';
import { saliency } from './saliency.js';
import { scoreCam } from './score-cam.js';
import { smoothgrad } from './smoothgrad.js';
import type { AnyMethod } from './types.js';
import { xgradCam } from './xgrad-cam.js';

/** Every attribution method, by id. A new method is one file plus one line here. */
export const methods: Record<string, AnyMethod> = Object.fromEntries(
  [
    saliency,
    integratedGradients,
    gradCam,
    occlusion,
    featureAblation,
    lime,
    kernelShap,
    rise,
    inputXGradient,
    cam,
    gradCamPlusPlus,
    xgradCam,
    layerCam,
    scoreCam,
    eigenCam,
    smoothgrad,
    gradientShap,
    expectedGradients,
    guidedBackprop,
    deconvnet,
    guidedGradCam,
    deeplift,
    deepShap,
    lrp,
  ].map((m) => [m.id, m]),
);

export function getMethod(id: string): AnyMethod {
  const m = methods[id];
  if (m === undefined) {
    throw new XauditError('SPEC_REFERENCE', `Unknown method '${id}'`, {
      hint: didYouMean(id, Object.keys(methods)),
    });
  }
  return m;
}
