import sharp from 'sharp';
import type { Heatmap, RgbImage } from '../../audit/report.js';
import { turbo } from './colormap.js';

export interface OverlayOptions {
  /** Target edge in pixels; small images are upscaled (nearest) to about this. */
  size: number;
  /** Opacity of the colour map over the image, 0..1. */
  alpha: number;
}

export interface OverlayImages {
  /** data:image/png;base64,... of the input as the model saw it. */
  original: string;
  /** The same with the colour-mapped attribution blended over it and the boxes drawn. */
  overlay: string;
  width: number;
  height: number;
}

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

function toRgb(img: RgbImage): Rgb {
  const n = img.width * img.height;
  if (img.channels === 3) return { width: img.width, height: img.height, data: img.data.subarray(0, n * 3) };
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = img.data[i];
  return { width: img.width, height: img.height, data };
}

/**
 * Normalise by the map's maximum for DISPLAY only (scores use the raw map);
 * negative attributions show as zero, like Grad-CAM's ReLU view.
 */
function normalised(map: Float32Array): Float32Array {
  let max = 0;
  for (const v of map) if (Number.isFinite(v) && v > max) max = v;
  const out = new Float32Array(map.length);
  if (max > 0)
    for (let i = 0; i < map.length; i++) out[i] = Number.isFinite(map[i]) ? Math.max(0, map[i]) / max : 0;
  return out;
}

function blend(img: Rgb, map: Float32Array, alpha: number): Rgb {
  const norm = normalised(map);
  const data = new Uint8Array(img.data.length);
  // Iterate over the image's pixels: a map of the wrong size leaves the rest uncoloured, not garbage.
  for (let i = 0; i < img.width * img.height; i++) {
    const v = norm[i] ?? 0;
    const c = turbo(v);
    // Opacity grows with the value, so cold regions still show the picture and hot ones stand out.
    const a = alpha * (0.35 + 0.65 * v);
    for (let k = 0; k < 3; k++) data[3 * i + k] = Math.round((1 - a) * img.data[3 * i + k] + a * c[k]);
  }
  return { ...img, data };
}

/** Nearest-neighbour upscale by an integer factor: keeps pixels crisp so small inputs stay legible. */
function upscale(img: Rgb, f: number): Rgb {
  if (f === 1) return img;
  const width = img.width * f;
  const height = img.height * f;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < width; x++) {
      const s = 3 * (sy * img.width + Math.floor(x / f));
      const d = 3 * (y * width + x);
      data[d] = img.data[s];
      data[d + 1] = img.data[s + 1];
      data[d + 2] = img.data[s + 2];
    }
  }
  return { width, height, data };
}

/** Draw box outlines (image coordinates, x1/y1 exclusive) after scaling by `f`, so lines stay thin. */
function drawBoxes(img: Rgb, boxes: Heatmap['boxes'], f: number): void {
  const put = (x: number, y: number, c: number) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const d = 3 * (y * img.width + x);
    img.data[d] = img.data[d + 1] = img.data[d + 2] = c;
  };
  for (const [bx0, by0, bx1, by1] of boxes) {
    const x0 = Math.round(bx0 * f);
    const y0 = Math.round(by0 * f);
    const x1 = Math.round(bx1 * f) - 1;
    const y1 = Math.round(by1 * f) - 1;
    // A white line with a dark outer edge reads on both bright and dark backgrounds.
    for (const [inset, c] of [
      [0, 255],
      [1, 255],
      [-1, 0],
    ] as const) {
      for (let x = x0 - inset; x <= x1 + inset; x++) {
        put(x, y0 - inset, c);
        put(x, y1 + inset, c);
      }
      for (let y = y0 - inset; y <= y1 + inset; y++) {
        put(x0 - inset, y, c);
        put(x1 + inset, y, c);
      }
    }
  }
}

async function pngDataUri(img: Rgb): Promise<string> {
  const png = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Downscale large inputs so the file stays small; nearest keeps the map's cells honest. */
async function fitInside(img: Rgb, max: number): Promise<Rgb> {
  if (Math.max(img.width, img.height) <= max) return img;
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize({ width: max, height: max, fit: 'inside', kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** The original and the overlay of one heatmap as PNG data URIs. */
export async function renderOverlay(h: Heatmap, o: OverlayOptions): Promise<OverlayImages> {
  const img = toRgb(h.image);
  const edge = Math.max(img.width, img.height);
  const f = Math.max(1, Math.floor(o.size / edge));
  const over = blend(img, h.map, o.alpha);
  let a = upscale(img, f);
  let b = upscale(over, f);
  // Boxes are drawn at the working scale; large inputs are then fitted to twice the target.
  drawBoxes(b, h.boxes, f);
  a = await fitInside(a, 2 * o.size);
  b = await fitInside(b, 2 * o.size);
  return { original: await pngDataUri(a), overlay: await pngDataUri(b), width: a.width, height: a.height };
}
