import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { type RiseOptions, rise } from '../../src/methods/rise.js';
import { fixedRandom, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { functionModel } from '../helpers/function-model.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const [H, Wd, C] = [16, 16, 3];
const size = H * Wd * C;
const t = transformOf([H, Wd, C]);
const opts = (o: Partial<RiseOptions>): RiseOptions => ({ ...rise.defaults, ...o });
/** Per-pixel value of channel 0 of sample i. */
const pixel = (v: Float32Array, i: number, p: number) => v[i * size + p * C];

describe('rise', () => {
  it('on a constant score, the saliency is that score everywhere (masks average to keep)', async () => {
    // Logits [2, 0.5]: logit of class 0 is 2, its softmax probability 1 / (1 + e^-1.5).
    const model = functionModel([H, Wd, C], 2, () => [2, 0.5]);
    const x = inputsOf(t, 1);
    for (const [output, want] of [
      ['logit', 2],
      ['probability', 1 / (1 + Math.exp(-1.5))],
    ] as const) {
      const a = await rise.attribute(
        model,
        batchOf(x, 1),
        Int32Array.from([0]),
        opts({ masks: 2000, output }),
        ctxOf(t),
      );
      let mean = 0;
      for (let p = 0; p < H * Wd; p++) {
        expect(Math.abs(pixel(a.values, 0, p) / want - 1), `${output} pixel ${p}`).toBeLessThan(0.1);
        mean += pixel(a.values, 0, p) / (H * Wd);
      }
      expect(Math.abs(mean / want - 1)).toBeLessThan(0.02);
      // Every channel of a pixel carries the same value.
      expect(a.values[1]).toBe(a.values[0]);
    }
    // One sigmoid unit: class 1 is sigmoid(logit), class 0 its complement.
    const binary = functionModel([H, Wd, C], 1, () => [1]);
    const b = await rise.attribute(
      binary,
      batchOf(x, 1),
      Int32Array.from([0]),
      opts({ masks: 500, keep: 0.3 }),
      ctxOf(t),
    );
    let mean = 0;
    for (let p = 0; p < H * Wd; p++) mean += pixel(b.values, 0, p) / (H * Wd);
    expect(Math.abs(mean / (1 - 1 / (1 + Math.exp(-1))) - 1)).toBeLessThan(0.05);
  });

  it("ranks the region a model looks at first: the score is the mean of a 4x4 region's pixels", async () => {
    const inRegion = (p: number) => {
      const y = Math.floor(p / Wd);
      const xx = p % Wd;
      return y >= 3 && y < 7 && xx >= 9 && xx < 13;
    };
    const model = functionModel([H, Wd, C], 1, (x) => {
      let s = 0;
      for (let p = 0; p < H * Wd; p++) if (inRegion(p)) for (let k = 0; k < C; k++) s += x[p * C + k];
      return [s / (16 * C)];
    });
    const x = new Float32Array(size).fill(1);
    const a = await rise.attribute(
      model,
      batchOf(x, 1),
      Int32Array.from([1]),
      opts({ output: 'logit' }),
      ctxOf(t),
    );
    const order = Array.from({ length: H * Wd }, (_, p) => p).sort(
      (p, q) => pixel(a.values, 0, q) - pixel(a.values, 0, p),
    );
    // The top 8 pixels lie in the region, and the region's mean beats every pixel two cells (6 px) away.
    expect(order.slice(0, 8).every(inRegion)).toBe(true);
    let regionMean = 0;
    for (let p = 0; p < H * Wd; p++) if (inRegion(p)) regionMean += pixel(a.values, 0, p) / 16;
    for (let p = 0; p < H * Wd; p++) {
      const y = Math.floor(p / Wd);
      const xx = p % Wd;
      const far = Math.max(3 - y, y - 6, 9 - xx, xx - 12) >= 6;
      if (far) expect(pixel(a.values, 0, p)).toBeLessThan(regionMean);
    }
  });

  it('is deterministic for a seed, differs across seeds, and does not depend on maxBatch', async () => {
    const net = () =>
      tanhNet(
        [H, Wd, C],
        [fixedRandom(size, 20), fixedRandom(size, 21)],
        [0.1, 0.2],
        [
          [1, -1],
          [0.5, 2],
        ],
      );
    const x = inputsOf(t, 2, 5);
    const targets = Int32Array.from([1, 0]);
    const o = opts({ masks: 30, grid: [4, 5] });
    const rec = recordingCalls(net());
    const a = await rise.attribute(rec.model, batchOf(x, 2), targets, o, ctxOf(t, 1));
    const b = await rise.attribute(net(), batchOf(x, 2), targets, o, ctxOf(t, 1000));
    const c = await rise.attribute(net(), batchOf(x, 2), targets, o, ctxOf(t, 7));
    expect(Buffer.from(a.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    expect(Buffer.from(c.values.buffer)).toEqual(Buffer.from(b.values.buffer));
    expect(rec.calls).toEqual(new Array(60).fill(1));
    const other = await rise.attribute(net(), batchOf(x, 2), targets, o, { ...ctxOf(t), seed: 9 });
    expect(maxAbsDiff(other.values, b.values)).toBeGreaterThan(0);
  });

  it('rejects a grid finer than the input, and stops when aborted', async () => {
    const model = functionModel([H, Wd, C], 1, () => [0]);
    const x = inputsOf(t, 1);
    const err = await rise
      .attribute(model, batchOf(x, 1), Int32Array.from([0]), opts({ grid: [17, 4] }), ctxOf(t))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XauditError);
    expect((err as XauditError).message).toMatch(/17x4 is finer than the 16x16 input/);
    const ac = new AbortController();
    ac.abort();
    await expect(
      rise.attribute(model, batchOf(x, 1), Int32Array.from([0]), opts({}), ctxOf(t, 4, ac.signal)),
    ).rejects.toThrow(/abort/i);
  });
});
