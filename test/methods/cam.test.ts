import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { cam } from '../../src/methods/cam.js';
import { gradCam } from '../../src/methods/grad-cam.js';
import { methods } from '../../src/methods/registry.js';
import type { Model } from '../../src/models/model.js';
import { camCase, finish } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff } from './_fixtures.js';

describe('cam', () => {
  it("weighs the channels by the final Dense layer's weights for the target, and equals cells x Grad-CAM", async () => {
    const { p, model, x, n, targets, act, t, cells, K } = await camCase();
    for (const relu of [true, false]) {
      const a = await cam.attribute(model, batchOf(x, n), targets, { layer: 'auto', relu }, ctxOf(t));
      const maps: number[][] = [];
      for (let i = 0; i < n; i++)
        maps.push(
          [0, 1, 2, 3].map((cell) =>
            p.D[targets[i]].reduce((s, w, q) => s + w * act[(i * cells + cell) * K + q], 0),
          ),
        );
      expect(maxAbsDiff(a.values, finish(maps, relu))).toBeLessThan(1e-6);
      const g = await gradCam.attribute(model, batchOf(x, n), targets, { layer: 'auto', relu }, ctxOf(t));
      expect(
        maxAbsDiff(
          a.values,
          g.values.map((v) => v * cells),
        ),
      ).toBeLessThan(1e-6);
    }
  });

  it('refuses a layer that does not feed GAP + the final Dense, saying why', async () => {
    const { model, x, targets, t } = await camCase(1);
    const run = (m: Model, layer: string) =>
      cam
        .attribute(m, batchOf(x, 1), targets.subarray(0, 1), { layer, relu: true }, ctxOf(t))
        .catch((e: unknown) => e);
    const e = (await run(model, 'pool')) as XauditError;
    expect(e).toBeInstanceOf(XauditError);
    expect(e.code).toBe('MODEL_UNSUPPORTED');
    expect(e.message).toMatch(/'pool' is followed by 'act' \(relu\), not by global average pooling/);
    // A hidden Dense between the pooling and the logits: the weights no longer map channels to classes.
    const layers = [...model.info.layers];
    layers.splice(3, 0, { name: 'hidden', op: 'dense', shape: [3], spatial: false });
    const deep: Model = { ...model, info: { ...model.info, layers } };
    const e2 = (await run(deep, 'auto')) as XauditError;
    expect(e2.message).toMatch(/not by the final Dense layer/);
    expect(e2.hint).toMatch(/grad-cam/);
  });

  it('every CAM variant resolves layers alike: a wrong name lists the spatial layers', async () => {
    const { model, x, targets, t } = await camCase(1);
    for (const m of Object.values(methods).filter((u) => u.family === 'cam')) {
      const e = await m
        .attribute(model, batchOf(x, 1), targets.subarray(0, 1), { ...m.defaults, layer: 'acts' }, ctxOf(t))
        .catch((err: unknown) => err);
      expect(e, m.id).toMatchObject({
        code: 'SPEC_REFERENCE',
        hint: "Did you mean 'act'? Layers with a spatial output: pool, act.",
      });
    }
  });
});
