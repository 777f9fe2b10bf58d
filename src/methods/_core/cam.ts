/**
 * The CAM family's shared machinery, as pytorch-grad-cam's BaseCAM does it:
 * capture a spatial layer's activations A (and the target logit's gradient
 * dY/dA when the variant needs it), let the variant turn them into one map per
 * sample, ReLU it, upsample it bilinearly to the input. A variant only
 * supplies its weighting.
 */
import { XauditError } from '../../core/errors.js';
import { oneHot } from '../../core/tensor.js';
import type { JsonSchema } from '../../core/unit.js';
import type { LayerInfo, Model } from '../../models/model.js';
import type { Attribution, Batch, Method, RunContext } from '../types.js';
import { forChunks, inputShape } from './batching.js';
import { resolveSpatialLayer } from './layers.js';
import { resizeBilinear, resizeNearest } from './resize.js';

export interface CamOptions {
  layer: string;
  relu: boolean;
}

/** One sample's layer data, [cells, channels] row-major (NHWC without the batch axis). */
export interface CamSample {
  act: Float32Array;
  /** dY_target/dA; empty for activation-only variants. */
  grad: Float32Array;
  cells: number;
  channels: number;
}

/** A chunk of samples: what a variant that needs the inputs themselves (Score-CAM) gets. */
export interface CamChunk {
  model: Model;
  layer: LayerInfo;
  /** [m, h, w, c] inputs of the chunk. */
  x: Float32Array;
  targets: Int32Array;
  /** [m, cells, channels]. */
  act: Float32Array;
  grad: Float32Array;
  m: number;
  cells: number;
  channels: number;
  ctx: RunContext;
}

export interface CamVariant<O extends CamOptions> {
  /** False when only activations are needed (no reverse pass). */
  gradient: boolean;
  /** Checks the model or layer before any work (CAM's GAP + Dense head). */
  check?(model: Model, layer: LayerInfo): void;
  /** Per sample: the map before ReLU, [cells]. */
  map?(s: CamSample, opts: O): Float64Array;
  /** For variants that must see a whole chunk: [m * cells]. */
  mapChunk?(chunk: CamChunk, opts: O): Promise<Float64Array>;
}

export const camSchemaProperties: JsonSchema = {
  layer: { type: 'string', minLength: 1 },
  relu: { type: 'boolean' },
};

export const CAM_DEFAULTS: CamOptions = { layer: 'auto', relu: true };

export const CAM_OPTION_DOCS: Record<keyof CamOptions, string> = {
  layer:
    "The layer whose activations are weighted (Captum's layer, pytorch-grad-cam's target_layers): 'auto' is the last layer with a spatial output, after its activation; otherwise a layer name (`xaudit list layers MODEL` shows the candidates).",
  relu: "Apply ReLU to the map before upsampling (true, as pytorch-grad-cam always does); false keeps the negative evidence, like Captum's LayerGradCam default relu_attributions=False.",
};

/** Per channel q: sum over cells of f(a, g, q). */
export function channelSums(s: CamSample, f: (a: number, g: number, q: number) => number): Float64Array {
  const out = new Float64Array(s.channels);
  for (let p = 0; p < s.cells; p++) {
    const o = p * s.channels;
    for (let q = 0; q < s.channels; q++) out[q] += f(s.act[o + q], s.grad[o + q], q);
  }
  return out;
}

/** Per cell p: sum over channels of f(a, g, q). */
export function cellSums(s: CamSample, f: (a: number, g: number, q: number) => number): Float64Array {
  const out = new Float64Array(s.cells);
  for (let p = 0; p < s.cells; p++) {
    const o = p * s.channels;
    let v = 0;
    for (let q = 0; q < s.channels; q++) v += f(s.act[o + q], s.grad[o + q], q);
    out[p] = v;
  }
  return out;
}

/** sum_q w_q A_q: the map of every channel-weighting variant. */
export function weightedSum(s: CamSample, w: Float64Array): Float64Array {
  return cellSums(s, (a, _g, q) => w[q] * a);
}

/**
 * The attribution of a CAM variant: [n, h, w, 1]. ReLU comes before
 * upsampling, as in pytorch-grad-cam and Captum (bilinear keeps a
 * non-negative map non-negative). `interpolate` 'nearest' is for Captum's
 * GuidedGradCam, whose default interpolate_mode it is.
 */
export async function camAttribute<O extends CamOptions>(
  variant: CamVariant<O>,
  model: Model,
  batch: Batch,
  targets: Int32Array,
  opts: O,
  ctx: RunContext,
  interpolate: 'bilinear' | 'nearest' = 'bilinear',
): Promise<Attribution> {
  const [h, w, c] = inputShape(batch, targets, ctx);
  const size = h * w * c;
  const layer = resolveSpatialLayer(model, opts.layer);
  variant.check?.(model, layer);
  const [lh, lw, lc] = layer.shape;
  const cells = lh * lw;
  const cam = new Float32Array(batch.n * cells);
  await forChunks(batch.n, ctx, async (start, end) => {
    const m = end - start;
    const x = batch.x.subarray(start * size, end * size);
    const tgt = targets.subarray(start, end);
    const { act, grad } = await capture(model, layer, x, m, tgt, variant.gradient);
    if (act.length !== m * cells * lc || (variant.gradient && grad.length !== act.length)) {
      throw new XauditError(
        'INTERNAL',
        `the engine returned no activation/gradient for layer '${layer.name}'`,
      );
    }
    let maps: Float64Array;
    if (variant.mapChunk !== undefined) {
      maps = await variant.mapChunk(
        { model, layer, x, targets: tgt, act, grad, m, cells, channels: lc, ctx },
        opts,
      );
    } else {
      maps = new Float64Array(m * cells);
      const per = cells * lc;
      for (let j = 0; j < m; j++) {
        const s: CamSample = {
          act: act.subarray(j * per, (j + 1) * per),
          grad: variant.gradient ? grad.subarray(j * per, (j + 1) * per) : grad,
          cells,
          channels: lc,
        };
        maps.set(variant.map!(s, opts), j * cells);
      }
    }
    for (let p = 0; p < m * cells; p++) cam[start * cells + p] = opts.relu && maps[p] < 0 ? 0 : maps[p];
  });
  const resize = interpolate === 'nearest' ? resizeNearest : resizeBilinear;
  const values = lh === h && lw === w ? cam : resize(cam, batch.n, lh, lw, 1, h, w);
  return { values, shape: [batch.n, h, w, 1] };
}

async function capture(
  model: Model,
  layer: LayerInfo,
  x: Float32Array,
  m: number,
  targets: Int32Array,
  gradient: boolean,
): Promise<{ act: Float32Array; grad: Float32Array }> {
  if (!gradient) {
    const r = await model.forward(x, m, [layer.name]);
    return { act: r.captured.get(layer.name) ?? new Float32Array(0), grad: new Float32Array(0) };
  }
  const r = await model.gradient({
    x,
    n: m,
    outputGrad: oneHot(targets, model.info.outputs),
    layer: layer.name,
    inputGrad: false,
  });
  return { act: r.layerActivation ?? new Float32Array(0), grad: r.layerGrad ?? new Float32Array(0) };
}

/** The parts of a CAM method that differ between variants. */
export type CamMeta<O extends CamOptions> = Omit<
  Method<O>,
  'family' | 'completeness' | 'attribute' | 'schema' | 'defaults' | 'optionDocs'
> &
  Partial<Pick<Method<O>, 'schema' | 'defaults' | 'optionDocs'>>;

/** A registry unit from its metadata and weighting. */
export function camMethod<O extends CamOptions>(meta: CamMeta<O>, variant: CamVariant<O>): Method<O> {
  return {
    family: 'cam',
    completeness: false,
    schema: { type: 'object', properties: camSchemaProperties, additionalProperties: false },
    defaults: CAM_DEFAULTS as O,
    optionDocs: CAM_OPTION_DOCS as Method<O>['optionDocs'],
    ...meta,
    attribute: (model, batch, targets, opts, ctx) => camAttribute(variant, model, batch, targets, opts, ctx),
  };
}
