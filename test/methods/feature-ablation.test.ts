import { describe, expect, it } from 'vitest';
import { type BaselineSpec, baselineInput } from '../../src/methods/_core/baselines.js';
import { featureMasks, gridMask } from '../../src/methods/_core/features.js';
import { type FeatureAblationOptions, featureAblation } from '../../src/methods/feature-ablation.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { blockyInputs, featureContributions, spreadMap } from './_features.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const [H, Wd, C] = [6, 8, 3];
const size = H * Wd * C;
const t = transformOf([H, Wd, C]);
const W = [fixedRandom(size, 51), fixedRandom(size, 52)];
const model = () => linear([H, Wd, C], W, [0.3, -0.2]);

const run = (
  m: ReturnType<typeof model>,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  o: Partial<FeatureAblationOptions>,
  maxBatch = 1000,
) =>
  featureAblation.attribute(
    m,
    batchOf(x, n),
    targets,
    { ...featureAblation.defaults, ...o },
    ctxOf(t, maxBatch),
  );

describe('feature-ablation', () => {
  it('on a linear model, every value of a grid cell carries sum over the cell of W_t (x - b), for every baseline', async () => {
    const x = inputsOf(t, 2, 3);
    const targets = Int32Array.from([1, 0]);
    const baselines: BaselineSpec[] = ['zeros', 'black', 'white', 0.25];
    for (const baseline of baselines) {
      for (const grid of [
        [3, 4],
        [4, 3],
        [1, 1],
        [6, 8],
      ] as [number, number][]) {
        const a = await run(model(), x, 2, targets, { features: 'grid', grid, baseline });
        expect(a.shape).toEqual([2, H, Wd, C]);
        const mask = gridMask(H, Wd, grid[0], grid[1]);
        const b = baselineInput(t, baseline);
        for (let i = 0; i < 2; i++) {
          const want = featureContributions(mask, x.subarray(i * size), b, W[targets[i]], C);
          const expected = spreadMap(mask, want, C);
          expect(
            maxAbsDiff(a.values.subarray(i * size, (i + 1) * size), expected),
            `${baseline} ${grid}`,
          ).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('with SLIC superpixels, each superpixel carries its own contribution', async () => {
    const x = blockyInputs(t, 2);
    const targets = Int32Array.from([0, 1]);
    const opts = { ...featureAblation.defaults, features: 'slic' as const, segments: 6 };
    const a = await run(model(), x, 2, targets, opts);
    const masks = featureMasks(batchOf(x, 2), ctxOf(t), opts);
    const b = baselineInput(t, 'zeros');
    for (let i = 0; i < 2; i++) {
      expect(masks[i].count).toBeGreaterThan(1);
      const want = featureContributions(masks[i], x.subarray(i * size), b, W[targets[i]], C);
      const expected = spreadMap(masks[i], want, C);
      expect(maxAbsDiff(a.values.subarray(i * size, (i + 1) * size), expected)).toBeLessThan(1e-5);
    }
  });

  it('one feature over the whole input gives F(x) - F(b) everywhere', async () => {
    const x = inputsOf(t, 1);
    const a = await run(model(), x, 1, Int32Array.from([1]), { grid: [1, 1], baseline: 'white' });
    const fx = (await model().forward(x, 1)).logits[1];
    const fb = (await model().forward(baselineInput(t, 'white'), 1)).logits[1];
    for (const v of a.values) expect(v).toBeCloseTo(fx - fb, 5);
  });

  it('batches the perturbed inputs under maxBatch with identical results (one pass per feature plus one)', async () => {
    const net = () =>
      tanhNet(
        [H, Wd, C],
        [fixedRandom(size, 60), fixedRandom(size, 61)],
        [0.1, -0.3],
        [
          [1, -1],
          [0.5, 2],
        ],
      );
    const x = inputsOf(t, 3, 8);
    const targets = Int32Array.from([0, 1, 1]);
    const opts: FeatureAblationOptions = { ...featureAblation.defaults, grid: [2, 3], baseline: 0.3 };
    const rec = recordingCalls(net());
    const a = await featureAblation.attribute(rec.model, batchOf(x, 3), targets, opts, ctxOf(t, 1));
    const b = await featureAblation.attribute(net(), batchOf(x, 3), targets, opts, ctxOf(t, 1000));
    expect(Buffer.from(a.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    expect(rec.calls).toEqual(new Array(3 * 7).fill(1));
    const rec5 = recordingCalls(net());
    await featureAblation.attribute(rec5.model, batchOf(x, 3), targets, opts, ctxOf(t, 5));
    expect(rec5.calls).toEqual([5, 5, 5, 5, 1]);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      featureAblation.attribute(
        model(),
        batchOf(inputsOf(t, 1), 1),
        Int32Array.from([0]),
        featureAblation.defaults,
        ctxOf(t, 4, ac.signal),
      ),
    ).rejects.toThrow(/abort/i);
  });
});
