import { XauditError } from '../core/errors.js';
import { targetLogits } from '../core/tensor.js';
import type { JsonSchema } from '../core/unit.js';
import { BASELINE_DOC, type BaselineSpec, baselineInput, baselineSchema } from './_core/baselines.js';
import { forwardEach, inputShape } from './_core/batching.js';
import type { Method } from './types.js';

/** One size for both axes, or [height, width]. */
export type Extent = number | [number, number];

export interface OcclusionOptions {
  window: Extent;
  stride: Extent;
  baseline: BaselineSpec;
}

const extentSchema: JsonSchema = {
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
  ],
};

const pair = (e: Extent): [number, number] => (typeof e === 'number' ? [e, e] : [e[0], e[1]]);

/**
 * Window starts along one axis, Captum's way: ceil((size - window) / stride) + 1
 * starts at multiples of the stride; the last window may overhang the edge and
 * is cropped, so every position is covered.
 */
export function windowStarts(size: number, window: number, stride: number): number[] {
  const count = Math.ceil((size - window) / stride) + 1;
  return Array.from({ length: count }, (_, i) => i * stride);
}

export const occlusion: Method<OcclusionOptions> = {
  id: 'occlusion',
  title: 'Occlusion',
  summary:
    "Slides a window (all channels) over the input, replaces it with a baseline and records the drop of the target logit F(x) - F(occluded); each input value gets the mean drop over the windows that cover it. Captum's Occlusion; one forward pass per window.",
  references: [
    'Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks (arXiv:1311.2901)',
    'captum.attr.Occlusion',
  ],
  family: 'perturbation',
  completeness: false,
  schema: {
    type: 'object',
    properties: { window: extentSchema, stride: extentSchema, baseline: baselineSchema },
    additionalProperties: false,
  },
  defaults: { window: [8, 8], stride: [4, 4], baseline: 'zeros' },
  optionDocs: {
    window:
      "Occluded patch [height, width] in input pixels, or one number for both; it spans every channel (Captum's sliding_window_shapes=(C, h, w), which Captum requires; we default to [8, 8]).",
    stride:
      "Step between windows [height, width] in input pixels, or one number; at most the window (Captum asserts this). Captum's strides defaults to 1, one forward pass per pixel position; we default to [4, 4] because cost is one forward per window (a 64x64 input: 15x15 = 225 passes instead of 57x57 = 3249). Set stride: 1 for Captum's default.",
    baseline: `Fill of the occluded patch (Captum baselines). ${BASELINE_DOC}`,
  },
  async attribute(model, batch, targets, opts, ctx) {
    const [h, w, c] = inputShape(batch, targets, ctx);
    const size = h * w * c;
    const n = batch.n;
    const [wh, ww] = pair(opts.window);
    const [sh, sw] = pair(opts.stride);
    if (wh > h || ww > w) {
      throw new XauditError(
        'SPEC_INVALID',
        `The occlusion window ${wh}x${ww} is larger than the ${h}x${w} input`,
        { hint: `Use a window of at most [${h}, ${w}].` },
      );
    }
    // As Captum: a stride past the window would leave uncovered pixels (no attribution at all).
    if ((sh > wh && wh < h) || (sw > ww && ww < w)) {
      throw new XauditError(
        'SPEC_INVALID',
        `The occlusion stride ${sh}x${sw} is larger than the window ${wh}x${ww}`,
        {
          hint: 'Use a stride of at most the window size, as Captum requires.',
        },
      );
    }
    const ys = windowStarts(h, wh, sh);
    const xs = windowStarts(w, ww, sw);
    const windows = ys.length * xs.length;
    const base = baselineInput(ctx.input, opts.baseline);
    const x = batch.x;
    const rect = (win: number) => {
      const y0 = ys[Math.floor(win / xs.length)];
      const x0 = xs[win % xs.length];
      return { y0, x0, y1: Math.min(h, y0 + wh), x1: Math.min(w, x0 + ww) };
    };

    // Per sample: the input itself, then one occluded copy per window.
    const per = windows + 1;
    const logits = await forwardEach(
      model,
      n * per,
      size,
      (j, dst) => {
        const i = Math.floor(j / per);
        const win = (j % per) - 1;
        dst.set(x.subarray(i * size, (i + 1) * size));
        if (win < 0) return;
        const { y0, x0, y1, x1 } = rect(win);
        for (let y = y0; y < y1; y++) {
          const row = y * w * c;
          dst.set(base.subarray(row + x0 * c, row + x1 * c), row + x0 * c);
        }
      },
      ctx,
    );

    const f = targetLogits(logits, repeatTargets(targets, per));
    const coverage = new Float64Array(h * w);
    const acc = new Float64Array(n * h * w);
    for (let win = 0; win < windows; win++) {
      const { y0, x0, y1, x1 } = rect(win);
      for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) coverage[y * w + xx] += 1;
      for (let i = 0; i < n; i++) {
        const drop = f[i * per] - f[i * per + 1 + win];
        const o = i * h * w;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) acc[o + y * w + xx] += drop;
      }
    }
    // Captum's output has the input's shape: every channel of a position carries the same value.
    const values = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < h * w; p++) {
        const v = acc[i * h * w + p] / coverage[p];
        values.fill(v, (i * h * w + p) * c, (i * h * w + p + 1) * c);
      }
    }
    return { values, shape: [n, h, w, c] };
  },
};

function repeatTargets(targets: Int32Array, times: number): Int32Array {
  const out = new Int32Array(targets.length * times);
  for (let i = 0; i < targets.length; i++) out.fill(targets[i], i * times, (i + 1) * times);
  return out;
}
