import { describe, expect, it } from 'vitest';
import { resizeNearest } from '../../src/methods/_core/resize.js';
import { methods } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';
import { batchingInvariant, runsOnEveryFixture } from './_propagation.js';

const ggc = methods['guided-grad-cam'];

describe('guided-grad-cam', () => {
  it('is guided backprop times the (bilinear) Grad-CAM map, broadcast over channels', async () => {
    const model = await loadModel('fixtures/models/tiny-cnn');
    try {
      const t = transformOf(model.info.inputShape);
      const x = inputsOf(t, 2, 3);
      const targets = Int32Array.of(1, 2);
      const ctx = ctxOf(t);
      const a = await ggc.attribute(
        model,
        batchOf(x, 2),
        targets,
        { layer: 'auto', interpolate: 'bilinear' },
        ctx,
      );
      const gb = await methods['guided-backprop'].attribute(model, batchOf(x, 2), targets, {}, ctx);
      const cam = await methods['grad-cam'].attribute(
        model,
        batchOf(x, 2),
        targets,
        { layer: 'auto', relu: true },
        ctx,
      );
      const c = 3;
      const want = gb.values.map((v, j) => v * cam.values[Math.floor(j / c)]);
      expect(maxAbsDiff(a.values, want)).toBeLessThan(1e-6 * Math.max(...Array.from(want, Math.abs)));
      expect(a.shape).toEqual(gb.shape);
      const flat = model.info.layers.find((l) => !l.spatial)!.name;
      await expect(
        ggc.attribute(model, batchOf(x, 2), targets, { layer: flat, interpolate: 'nearest' }, ctx),
      ).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    } finally {
      model.dispose();
    }
  });

  it("upsamples like torch's nearest mode: source index floor(d * in / out)", () => {
    // 3 -> 7: floor(d * 3 / 7) = 0 0 0 1 1 2 2, on both axes.
    const src = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const out = resizeNearest(src, 1, 3, 3, 1, 7, 7);
    const idx = [0, 0, 0, 1, 1, 2, 2];
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 7; x++) expect(out[y * 7 + x]).toBe(src[idx[y] * 3 + idx[x]]);
  });

  batchingInvariant('guided-grad-cam');
});

// Models without a spatial layer (MLPs) have no Grad-CAM map: the method says so.
runsOnEveryFixture('guided-grad-cam', {}, (m) =>
  m.info.layers.some((l) => l.spatial) ? undefined : 'MODEL_UNSUPPORTED',
);
