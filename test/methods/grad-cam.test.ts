import { describe, expect, it } from 'vitest';
import { XauditError } from '../../src/core/errors.js';
import { resizeBilinear } from '../../src/methods/_core/resize.js';
import { gradCam } from '../../src/methods/grad-cam.js';
import { type CamParams, camNet, fixedRandom, linear, recordingCalls } from '../helpers/analytic-models.js';
import { camParams } from './_cam.js';
import { batchOf, ctxOf, maxAbsDiff, transformOf } from './_fixtures.js';

const params = camParams;

/** Grad-CAM at the 'act' layer computed by hand from the model's definition: [cells] per sample. */
function handCam(p: CamParams, x: Float32Array, i: number, target: number, relu: boolean): number[] {
  const [h, w, c] = p.shape;
  const pw = w / 2;
  const cells = (h / 2) * pw;
  const K = p.M.length;
  const out: number[] = [];
  for (let cell = 0; cell < cells; cell++) {
    const y = Math.floor(cell / pw) * 2;
    const xx = (cell % pw) * 2;
    let s = 0;
    for (let q = 0; q < K; q++) {
      let a = p.d[q];
      for (let ch = 0; ch < c; ch++) {
        const at = (yy: number, xc: number) => x[i * h * w * c + (yy * w + xc) * c + ch];
        const pooled = (at(y, xx) + at(y, xx + 1) + at(y + 1, xx) + at(y + 1, xx + 1)) / 4;
        a += p.M[q][ch] * pooled;
      }
      // dY_t/dA_q is D[t][q]/cells at every cell (global average pooling), so w_q is that too.
      s += (p.D[target][q] / cells) * Math.max(0, a);
    }
    out.push(relu ? Math.max(0, s) : s);
  }
  return out;
}

describe('grad-cam', () => {
  it('equals the hand computation on a 4x4 input with a 2x2 layer, torch bilinear upsampling included', async () => {
    const p = params([4, 4, 2]);
    const t = transformOf([4, 4, 2]);
    const x = fixedRandom(3 * 32, 5);
    const targets = Int32Array.from([0, 1, 1]);
    // torch F.interpolate(2 -> 4, bilinear, align_corners=False) along one axis, as a matrix.
    const U = [
      [1, 0],
      [0.75, 0.25],
      [0.25, 0.75],
      [0, 1],
    ];
    let sawNegative = false;
    for (const relu of [true, false]) {
      const a = await gradCam.attribute(camNet(p), batchOf(x, 3), targets, { layer: 'auto', relu }, ctxOf(t));
      expect(a.shape).toEqual([3, 4, 4, 1]);
      expect(a.outputDelta).toBeUndefined();
      for (let i = 0; i < 3; i++) {
        const cam = handCam(p, x, i, targets[i], relu);
        sawNegative ||= cam.some((v) => v < 0);
        const want: number[] = [];
        for (let y = 0; y < 4; y++)
          for (let xx = 0; xx < 4; xx++) {
            let s = 0;
            for (let r = 0; r < 2; r++) for (let q = 0; q < 2; q++) s += U[y][r] * U[xx][q] * cam[r * 2 + q];
            want.push(s);
          }
        expect(maxAbsDiff(a.values.subarray(i * 16, (i + 1) * 16), want)).toBeLessThan(1e-6);
        if (relu) for (const v of a.values) expect(v).toBeGreaterThanOrEqual(0);
      }
    }
    expect(sawNegative).toBe(true); // relu: false was tested on a map with negative cells
  });

  it('upsamples a non-square 4x3 layer to an 8x6 input and is not min-max normalised', async () => {
    const p = params([8, 6, 3]);
    const t = transformOf([8, 6, 3]);
    const x = fixedRandom(2 * 144, 9);
    const targets = Int32Array.from([1, 0]);
    const a = await gradCam.attribute(camNet(p), batchOf(x, 2), targets, gradCam.defaults, ctxOf(t));
    expect(a.shape).toEqual([2, 8, 6, 1]);
    for (let i = 0; i < 2; i++) {
      const cam = Float32Array.from(handCam(p, x, i, targets[i], true));
      const want = resizeBilinear(cam, 1, 4, 3, 1, 8, 6);
      expect(maxAbsDiff(a.values.subarray(i * 48, (i + 1) * 48), want)).toBeLessThan(1e-6);
    }
  });

  it('uses a named layer: at the pooled input, w_ch = sum_q D[t][q] M[q][ch] / cells where all units are active', async () => {
    const p = params([4, 4, 2], [10, 10, 10]);
    const t = transformOf([4, 4, 2]);
    const x = fixedRandom(32, 3);
    const a = await gradCam.attribute(
      camNet(p),
      batchOf(x, 1),
      Int32Array.from([1]),
      { layer: 'pool', relu: false },
      ctxOf(t),
    );
    const wts = [0, 1].map((ch) => p.D[1].reduce((s, dq, q) => s + dq * p.M[q][ch], 0) / 4);
    const cam: number[] = [];
    for (let cell = 0; cell < 4; cell++) {
      const y = Math.floor(cell / 2) * 2;
      const xx = (cell % 2) * 2;
      let s = 0;
      for (let ch = 0; ch < 2; ch++) {
        const at = (yy: number, xc: number) => x[(yy * 4 + xc) * 2 + ch];
        s += (wts[ch] * (at(y, xx) + at(y, xx + 1) + at(y + 1, xx) + at(y + 1, xx + 1))) / 4;
      }
      cam.push(s);
    }
    expect(maxAbsDiff(a.values, resizeBilinear(Float32Array.from(cam), 1, 2, 2, 1, 4, 4))).toBeLessThan(1e-6);
  });

  it('gives the same numbers for any maxBatch and asks the engine for the layer only', async () => {
    const p = params([4, 4, 2]);
    const t = transformOf([4, 4, 2]);
    const x = fixedRandom(5 * 32, 2);
    const targets = Int32Array.from([0, 1, 0, 1, 0]);
    const rec = recordingCalls(camNet(p));
    const requests: { layer?: string; inputGrad?: boolean }[] = [];
    const spy = {
      ...rec.model,
      gradient: (r: Parameters<typeof rec.model.gradient>[0]) => {
        requests.push(r);
        return rec.model.gradient(r);
      },
    };
    const a = await gradCam.attribute(spy, batchOf(x, 5), targets, gradCam.defaults, ctxOf(t, 2));
    const b = await gradCam.attribute(camNet(p), batchOf(x, 5), targets, gradCam.defaults, ctxOf(t, 1000));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(rec.calls).toEqual([2, 2, 1]);
    for (const r of requests) expect(r).toMatchObject({ layer: 'act', inputGrad: false });
  });

  it('names the spatial layers when the layer is unknown or not spatial', async () => {
    const t = transformOf([4, 4, 2]);
    const model = camNet(params([4, 4, 2]));
    const run = (layer: string) =>
      gradCam.attribute(
        model,
        batchOf(fixedRandom(32, 1), 1),
        Int32Array.from([0]),
        { layer, relu: true },
        ctxOf(t),
      );
    const unknown = await run('acts').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(XauditError);
    expect((unknown as XauditError).code).toBe('SPEC_REFERENCE');
    expect((unknown as XauditError).message).toMatch(/no layer 'acts'/);
    expect((unknown as XauditError).hint).toBe(
      "Did you mean 'act'? Layers with a spatial output: pool, act.",
    );
    const far = (await run('dense_7').catch((e: unknown) => e)) as XauditError;
    expect(far.hint).toBe('Layers with a spatial output: pool, act.');
    const flat = (await run('gap').catch((e: unknown) => e)) as XauditError;
    expect(flat.code).toBe('SPEC_INVALID');
    expect(flat.message).toMatch(/not a spatial map/);
  });

  it("'auto' on a model without spatial layers says so", async () => {
    const t = transformOf([4, 4, 2]);
    const model = linear([4, 4, 2], [fixedRandom(32, 1)]);
    const e = (await gradCam
      .attribute(model, batchOf(fixedRandom(32, 1), 1), Int32Array.from([0]), gradCam.defaults, ctxOf(t))
      .catch((err: unknown) => err)) as XauditError;
    expect(e.code).toBe('MODEL_UNSUPPORTED');
  });
});
