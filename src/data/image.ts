import sharp from 'sharp';
import { XauditError } from '../core/errors.js';
import type { InputTransform } from './input.js';
import { normalise } from './input.js';
import type { Box, Sample } from './manifest.js';

export interface DecodedSample {
  /** 8-bit pixels at model resolution, HWC. */
  pixels: Uint8Array;
  /** Normalised model input, HWC. */
  x: Float32Array;
  /** Boxes scaled to model resolution (floats). */
  boxes: Box[];
  /** Inside-the-boxes mask at model resolution (pixel centres), or null without boxes. */
  boxMask: Uint8Array | null;
  /**
   * The sample's segmentation mask at model resolution, or null without one: 1 where the source
   * pixel nearest to the model pixel's centre is non-zero (see resizeMask).
   */
  mask: Uint8Array | null;
}

/** Decode, orient (EXIF), drop alpha, resize (stretch, bilinear) and normalise one image. */
export async function decodeSample(sample: Sample, t: InputTransform): Promise<DecodedSample> {
  const [h, w, c] = t.shape;
  let info: sharp.OutputInfo;
  let data: Buffer;
  let srcW: number;
  let srcH: number;
  try {
    const img = sharp(sample.file, { failOn: 'error' }).rotate();
    const meta = await img.metadata();
    const oriented = (meta.orientation ?? 1) >= 5;
    srcW = (oriented ? meta.height : meta.width) ?? 0;
    srcH = (oriented ? meta.width : meta.height) ?? 0;
    let pipe = img.removeAlpha();
    pipe = c === 1 ? pipe.greyscale() : pipe.toColourspace('srgb');
    ({ data, info } = await pipe
      .resize(w, h, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new XauditError('IMAGE_DECODE', `Cannot decode image '${sample.id}' (${sample.file})`, {
      cause: e,
      hint: e instanceof Error ? `The decoder said: ${e.message}.` : undefined,
    });
  }
  const pixels = toChannels(new Uint8Array(data.buffer, data.byteOffset, data.length), info.channels, c);
  const [lo, hi] = t.range;
  const x = new Float32Array(h * w * c);
  for (let i = 0; i < x.length; i++) {
    x[i] = normalise(t, lo + (pixels[i] / 255) * (hi - lo), i % c);
  }
  const sx = w / srcW;
  const sy = h / srcH;
  const boxes = sample.boxes.map((b) => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy] as Box);
  const mask = sample.mask === null ? null : await decodeMask(sample, sample.mask, srcW, srcH, h, w);
  return { pixels, x, boxes, boxMask: boxes.length > 0 ? boxesToMask(boxes, h, w) : null, mask };
}

/**
 * Read a mask PNG (non-zero in any colour channel = inside; alpha dropped, EXIF orientation
 * honoured like the image's) and resize it to the model's resolution. The mask must have the
 * image's size: it annotates the image's pixels.
 */
async function decodeMask(
  sample: Sample,
  file: string,
  imageW: number,
  imageH: number,
  h: number,
  w: number,
): Promise<Uint8Array> {
  let values: ArrayLike<number>;
  let info: sharp.OutputInfo;
  try {
    const img = sharp(file, { failOn: 'error' }).rotate().removeAlpha();
    const meta = await img.metadata();
    // 16-bit masks (label maps) are read at their own depth: 8-bit output would turn labels < 128 to 0.
    const wide = meta.depth === 'ushort';
    const pipe = wide
      ? img.toColourspace((meta.channels ?? 1) <= 2 ? 'grey16' : 'rgb16').raw({ depth: 'ushort' })
      : img.raw();
    const out = await pipe.toBuffer({ resolveWithObject: true });
    info = out.info;
    values = wide ? new Uint16Array(out.data.buffer, out.data.byteOffset, out.data.length / 2) : out.data;
  } catch (e) {
    throw new XauditError('IMAGE_DECODE', `Cannot decode the mask of '${sample.id}' (${file})`, {
      cause: e,
      hint: e instanceof Error ? `The decoder said: ${e.message}.` : undefined,
    });
  }
  if (info.width !== imageW || info.height !== imageH) {
    throw new XauditError(
      'IMAGE_DECODE',
      `The mask of '${sample.id}' (${file}) is ${info.width}x${info.height}, the image is ${imageW}x${imageH}`,
      { hint: 'A mask annotates the pixels of its image: give it the same width and height.' },
    );
  }
  const inside = new Uint8Array(info.width * info.height);
  const c = info.channels;
  for (let p = 0; p < inside.length; p++) {
    for (let k = 0; k < c; k++) if (values[p * c + k] !== 0) inside[p] = 1;
  }
  return resizeMask(inside, info.height, info.width, h, w);
}

/**
 * Nearest-neighbour resize sampled at pixel centres: model pixel (i, j) takes the source pixel
 * holding the point ((j + 0.5) * srcW / w, (i + 0.5) * srcH / h). For a mask that is a box drawn
 * in source pixels this gives exactly boxesToMask's pixel-centre rule, so masks and boxes agree.
 */
export function resizeMask(src: Uint8Array, srcH: number, srcW: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let i = 0; i < h; i++) {
    const si = Math.min(srcH - 1, Math.floor(((i + 0.5) * srcH) / h));
    for (let j = 0; j < w; j++) {
      const sj = Math.min(srcW - 1, Math.floor(((j + 0.5) * srcW) / w));
      out[i * w + j] = src[si * srcW + sj] !== 0 ? 1 : 0;
    }
  }
  return out;
}

/** sharp may hand back 1 or 3 channels regardless of what we asked for on odd inputs. */
function toChannels(src: Uint8Array, have: number, want: number): Uint8Array {
  if (have === want) return src;
  const n = src.length / have;
  const out = new Uint8Array(n * want);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < want; k++) out[p * want + k] = src[p * have + Math.min(k, have - 1)];
  }
  return out;
}

/** 1 where a pixel centre lies inside any box (union, so overlaps count once). */
export function boxesToMask(boxes: readonly Box[], h: number, w: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  for (const [x0, y0, x1, y1] of boxes) {
    for (let i = 0; i < h; i++) {
      const cy = i + 0.5;
      if (cy < y0 || cy >= y1) continue;
      for (let j = 0; j < w; j++) {
        const cx = j + 0.5;
        if (cx >= x0 && cx < x1) mask[i * w + j] = 1;
      }
    }
  }
  return mask;
}
