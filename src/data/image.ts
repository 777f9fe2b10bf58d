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
  return { pixels, x, boxes, boxMask: boxes.length > 0 ? boxesToMask(boxes, h, w) : null };
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
