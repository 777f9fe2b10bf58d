import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { type BaselineSpec, baselineInput } from '../../src/methods/_core/baselines.js';
import { type OcclusionOptions, occlusion } from '../../src/methods/occlusion.js';
import { fixedRandom, linear, recordingCalls, tanhNet } from '../helpers/analytic-models.js';
import { batchOf, ctxOf, inputsOf, maxAbsDiff, transformOf } from './_fixtures.js';

const [H, Wd, C] = [6, 8, 3];
const size = H * Wd * C;
const t = transformOf([H, Wd, C]);
const W = [fixedRandom(size, 31), fixedRandom(size, 32)];
const model = () => linear([H, Wd, C], W, [0.5, -0.5]);

/** For a linear model, occluding a patch lowers the logit by sum over the patch (all channels) of W_t (x - b). */
function patchDrop(
  x: Float32Array,
  i: number,
  b: Float32Array,
  target: number,
  y0: number,
  x0: number,
  y1: number,
  x1: number,
) {
  let s = 0;
  for (let y = y0; y < Math.min(H, y1); y++)
    for (let xx = x0; xx < Math.min(Wd, x1); xx++)
      for (let c = 0; c < C; c++) {
        const p = (y * Wd + xx) * C + c;
        s += W[target][p] * (x[i * size + p] - b[p]);
      }
  return s;
}

/** Brute force: every window from 0 in steps of the stride, cropped at the far edge as Captum does, averaged over coverage. */
function expected(
  x: Float32Array,
  n: number,
  targets: Int32Array,
  b: Float32Array,
  win: [number, number],
  stride: [number, number],
) {
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const sum = new Float64Array(H * Wd);
    const cover = new Float64Array(H * Wd);
    for (let y0 = 0; y0 === 0 || y0 - stride[0] + win[0] < H; y0 += stride[0])
      for (let x0 = 0; x0 === 0 || x0 - stride[1] + win[1] < Wd; x0 += stride[1]) {
        const d = patchDrop(x, i, b, targets[i], y0, x0, y0 + win[0], x0 + win[1]);
        for (let y = y0; y < Math.min(H, y0 + win[0]); y++)
          for (let xx = x0; xx < Math.min(Wd, x0 + win[1]); xx++) {
            sum[y * Wd + xx] += d;
            cover[y * Wd + xx] += 1;
          }
      }
    for (let p = 0; p < H * Wd; p++)
      out.fill(sum[p] / cover[p], (i * H * Wd + p) * C, (i * H * Wd + p + 1) * C);
  }
  return out;
}

const run = (
  m: ReturnType<typeof model>,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  o: Partial<OcclusionOptions>,
  maxBatch = 1000,
) => occlusion.attribute(m, batchOf(x, n), targets, { ...occlusion.defaults, ...o }, ctxOf(t, maxBatch));

describe('occlusion', () => {
  it("with stride == window, each position carries its patch's sum of W_t (x - b), for every baseline", async () => {
    const x = inputsOf(t, 2);
    const targets = Int32Array.from([1, 0]);
    const baselines: BaselineSpec[] = ['zeros', 'black', 'white', 0.5];
    for (const baseline of baselines) {
      const a = await run(model(), x, 2, targets, { window: [2, 2], stride: [2, 2], baseline });
      const b = baselineInput(t, baseline);
      expect(a.shape).toEqual([2, H, Wd, C]);
      for (let i = 0; i < 2; i++)
        for (let y = 0; y < H; y++)
          for (let xx = 0; xx < Wd; xx++) {
            const y0 = y - (y % 2);
            const x0 = xx - (xx % 2);
            const want = patchDrop(x, i, b, targets[i], y0, x0, y0 + 2, x0 + 2);
            for (let c = 0; c < C; c++)
              expect(a.values[i * size + (y * Wd + xx) * C + c]).toBeCloseTo(want, 5);
          }
    }
  });

  it('with overlapping and overhanging windows, averages over the windows covering each position', async () => {
    const x = inputsOf(t, 2, 4);
    const targets = Int32Array.from([0, 1]);
    const configs: [[number, number], [number, number]][] = [
      [
        [3, 3],
        [2, 2],
      ], // last windows overhang both edges and are cropped
      [
        [3, 3],
        [1, 1],
      ], // Captum's default stride
      [
        [4, 5],
        [3, 2],
      ],
      [
        [2, 2],
        [1, 2],
      ],
    ];
    for (const [win, stride] of configs) {
      const a = await run(model(), x, 2, targets, { window: win, stride, baseline: 'black' });
      const want = expected(x, 2, targets, baselineInput(t, 'black'), win, stride);
      expect(maxAbsDiff(a.values, want), `${win} ${stride}`).toBeLessThan(1e-5);
    }
    // One number means the same extent on both axes.
    const single = await run(model(), x, 2, targets, { window: 3, stride: 2 });
    const pair = await run(model(), x, 2, targets, { window: [3, 3], stride: [2, 2] });
    expect(Array.from(single.values)).toEqual(Array.from(pair.values));
  });

  it('a window over the whole input gives F(x) - F(b) everywhere', async () => {
    const x = inputsOf(t, 1);
    const a = await run(model(), x, 1, Int32Array.from([1]), {
      window: [H, Wd],
      stride: 1,
      baseline: 'white',
    });
    const fx = (await model().forward(x, 1)).logits[1];
    const fb = (await model().forward(baselineInput(t, 'white'), 1)).logits[1];
    for (const v of a.values) expect(v).toBeCloseTo(fx - fb, 5);
  });

  it('batches the perturbed inputs under maxBatch with identical results', async () => {
    const net = () =>
      tanhNet(
        [H, Wd, C],
        [fixedRandom(size, 40), fixedRandom(size, 41)],
        [0.1, 0.2],
        [
          [1, -1],
          [0.5, 2],
        ],
      );
    const x = inputsOf(t, 3, 8);
    const targets = Int32Array.from([0, 1, 1]);
    const rec = recordingCalls(net());
    const a = await occlusion.attribute(
      rec.model,
      batchOf(x, 3),
      targets,
      { window: [4, 4], stride: [2, 2], baseline: 0.3 },
      ctxOf(t, 1),
    );
    const b = await occlusion.attribute(
      net(),
      batchOf(x, 3),
      targets,
      { window: [4, 4], stride: [2, 2], baseline: 0.3 },
      ctxOf(t, 1000),
    );
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    // 2 x 3 windows plus the unoccluded input, per sample.
    expect(rec.calls).toEqual(new Array(3 * 7).fill(1));
    const rec5 = recordingCalls(net());
    await occlusion.attribute(
      rec5.model,
      batchOf(x, 3),
      targets,
      { window: [4, 4], stride: [2, 2], baseline: 0.3 },
      ctxOf(t, 5),
    );
    expect(rec5.calls).toEqual([5, 5, 5, 5, 1]);
  });

  it('rejects a window larger than the input and a stride larger than the window (as Captum)', async () => {
    const x = inputsOf(t, 1);
    const tooBig = (await run(model(), x, 1, Int32Array.from([0]), { window: [7, 2] }).catch(
      (e: unknown) => e,
    )) as XauditError;
    expect(tooBig).toBeInstanceOf(XauditError);
    expect(tooBig.code).toBe('SPEC_INVALID');
    expect(tooBig.message).toMatch(/7x2 is larger than the 6x8 input/);
    const gap = (await run(model(), x, 1, Int32Array.from([0]), { window: 2, stride: 3 }).catch(
      (e: unknown) => e,
    )) as XauditError;
    expect(gap.code).toBe('SPEC_INVALID');
    expect(gap.message).toMatch(/stride 3x3 is larger than the window 2x2/);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      occlusion.attribute(
        model(),
        batchOf(inputsOf(t, 1), 1),
        Int32Array.from([0]),
        { ...occlusion.defaults, window: 2, stride: 2 },
        ctxOf(t, 4, ac.signal),
      ),
    ).rejects.toThrow(/abort/i);
  });
});
