/**
 * Synthetic wolf/snow dataset: the shortcut-learning fixture.
 *
 * Every image is 64x64 RGB: a textured background (snow or grass) and one
 * animal drawn inside an exactly known box. Wolf and husky differ ONLY inside
 * the box (coat colour pattern, face mask, eye colour, tail shape); the
 * background carries no class information except through `confound`, the
 * probability that the background "matches" the class (wolf -> snow,
 * husky -> grass).
 *
 * `cueAgreement` exists to build the biased model's training set: it is the
 * probability that the animal drawn in the box looks like its label. At 0.5
 * the animal's appearance is independent of the label, so with confound 1.0
 * the background is the only feature that predicts the label and a model
 * trained on it must learn the shortcut. Every set meant for auditing uses
 * cueAgreement 1.0 (the animal always looks like its label).
 *
 * All randomness comes from `rngFor(seed, 'wolf-snow', key)`, so a sample is a
 * pure function of (seed, key, label, options) and splits are reproducible
 * byte for byte.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { CounterRng } from '../../core/rng.js';
import { rngFor } from '../../core/rng.js';

export const WOLF_SNOW_SIZE = 64;
export const WOLF_SNOW_UNIT = 'wolf-snow';
/** Box side lengths are drawn uniformly from [MIN, MAX] pixels. */
export const WOLF_SNOW_BOX_MIN = 20;
export const WOLF_SNOW_BOX_MAX = 32;

export type WolfSnowLabel = 'wolf' | 'husky';
export type WolfSnowGroup = 'snow' | 'grass';
/** [x0, y0, x1, y1] in pixels, x1 and y1 exclusive (the manifest convention). */
export type WolfSnowBox = [number, number, number, number];

export interface WolfSnowSample {
  /** The RNG sample key, e.g. `val/7`. */
  key: string;
  /** 64x64x3 RGB, HWC, uint8. */
  image: Uint8Array;
  label: WolfSnowLabel;
  /** What the animal looks like; equals `label` unless cueAgreement < 1. */
  appearance: WolfSnowLabel;
  box: WolfSnowBox;
  group: WolfSnowGroup;
}

export interface WolfSnowSampleOptions {
  /** P(background matches the class): 1 = fully confounded, 0.5 = independent. */
  confound: number;
  /** P(animal looks like its label); 1 for every audit set. Default 1. */
  cueAgreement?: number;
}

export interface WolfSnowSplitOptions extends WolfSnowSampleOptions {
  seed: number;
  /** Split name; part of every sample key, so splits never share images. */
  split: string;
  /** Number of samples; classes alternate wolf, husky, so they are balanced. */
  count: number;
}

const OTHER: Record<WolfSnowLabel, WolfSnowLabel> = { wolf: 'husky', husky: 'wolf' };
const MATCHING_GROUP: Record<WolfSnowLabel, WolfSnowGroup> = { wolf: 'snow', husky: 'grass' };

type Rgb = [number, number, number];

/** Generate one sample. Draw order is fixed (group, appearance, box, background, animal). */
export function generateWolfSnowSample(
  seed: number,
  key: string,
  label: WolfSnowLabel,
  opts: WolfSnowSampleOptions,
): WolfSnowSample {
  checkProbability('confound', opts.confound);
  const cueAgreement = opts.cueAgreement ?? 1;
  checkProbability('cueAgreement', cueAgreement);
  const rng = rngFor(seed, WOLF_SNOW_UNIT, key);
  const matches = rng.next() < opts.confound;
  const group = matches ? MATCHING_GROUP[label] : MATCHING_GROUP[OTHER[label]];
  const appearance = rng.next() < cueAgreement ? label : OTHER[label];

  const span = WOLF_SNOW_BOX_MAX - WOLF_SNOW_BOX_MIN + 1;
  const w = WOLF_SNOW_BOX_MIN + rng.int(span);
  const h = WOLF_SNOW_BOX_MIN + rng.int(span);
  const x0 = rng.int(WOLF_SNOW_SIZE - w + 1);
  const y0 = rng.int(WOLF_SNOW_SIZE - h + 1);
  const box: WolfSnowBox = [x0, y0, x0 + w, y0 + h];

  const img = new Float32Array(WOLF_SNOW_SIZE * WOLF_SNOW_SIZE * 3);
  if (group === 'snow') paintSnow(img, rng);
  else paintGrass(img, rng);
  paintAnimal(img, rng, box, appearance);

  const image = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) image[i] = Math.max(0, Math.min(255, Math.round(img[i])));
  return { key, image, label, appearance, box, group };
}

/** Generate a split: sample i has key `${split}/${i}` and label wolf for even i, husky for odd i. */
export function generateWolfSnowSplit(opts: WolfSnowSplitOptions): WolfSnowSample[] {
  if (!Number.isInteger(opts.count) || opts.count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${opts.count}`);
  }
  const out: WolfSnowSample[] = [];
  for (let i = 0; i < opts.count; i++) {
    const label: WolfSnowLabel = i % 2 === 0 ? 'wolf' : 'husky';
    out.push(generateWolfSnowSample(opts.seed, `${opts.split}/${i}`, label, opts));
  }
  return out;
}

/** File name of sample i inside a written split (zero-padded, so listings sort). */
export function wolfSnowFileName(index: number): string {
  return `${String(index).padStart(4, '0')}.png`;
}

/** The manifest text for samples written with `wolfSnowFileName`. */
export function wolfSnowManifest(samples: readonly WolfSnowSample[]): string {
  const lines = ['path,label,box,group'];
  samples.forEach((s, i) => {
    lines.push(`${wolfSnowFileName(i)},${s.label},${s.box.join(' ')},${s.group}`);
  });
  return lines.join('\n') + '\n';
}

/**
 * Write samples as PNGs plus `manifest.csv` (header `path,label,box,group`,
 * paths relative to the manifest). Returns the manifest's path.
 */
export async function writeWolfSnowSplit(dir: string, samples: readonly WolfSnowSample[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    samples.map((s, i) =>
      sharp(Buffer.from(s.image), { raw: { width: WOLF_SNOW_SIZE, height: WOLF_SNOW_SIZE, channels: 3 } })
        .png({ compressionLevel: 9 })
        .toFile(join(dir, wolfSnowFileName(i))),
    ),
  );
  const manifest = join(dir, 'manifest.csv');
  await writeFile(manifest, wolfSnowManifest(samples));
  return manifest;
}

function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${p}`);
}

/** Smooth value noise in [-1, 1]: a (cells+1)^2 grid of draws, smoothstep-interpolated over the image. */
function valueNoise(rng: CounterRng, cells: number): Float32Array {
  const g = cells + 1;
  const grid = new Float32Array(g * g);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next() * 2 - 1;
  const out = new Float32Array(WOLF_SNOW_SIZE * WOLF_SNOW_SIZE);
  const scale = cells / WOLF_SNOW_SIZE;
  for (let y = 0; y < WOLF_SNOW_SIZE; y++) {
    const gy = (y + 0.5) * scale;
    const iy = Math.min(cells - 1, Math.floor(gy));
    const ty = smooth(gy - iy);
    for (let x = 0; x < WOLF_SNOW_SIZE; x++) {
      const gx = (x + 0.5) * scale;
      const ix = Math.min(cells - 1, Math.floor(gx));
      const tx = smooth(gx - ix);
      const a = grid[iy * g + ix];
      const b = grid[iy * g + ix + 1];
      const c = grid[(iy + 1) * g + ix];
      const d = grid[(iy + 1) * g + ix + 1];
      out[y * WOLF_SNOW_SIZE + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Snow: bright white to blue-grey, soft drifts (low-frequency shading) and fine grain. */
function paintSnow(img: Float32Array, rng: CounterRng): void {
  const base = 214 + 30 * rng.next();
  const tint = 4 + 10 * rng.next(); // how blue the shadows are
  const drifts = valueNoise(rng, 4);
  const detail = valueNoise(rng, 16);
  for (let p = 0; p < WOLF_SNOW_SIZE * WOLF_SNOW_SIZE; p++) {
    const shade = 16 * drifts[p] + 6 * detail[p] + 5 * (rng.next() * 2 - 1);
    const blue = Math.max(0, -drifts[p]) * tint; // shadows are bluer
    img[p * 3] = base + shade - blue;
    img[p * 3 + 1] = base + shade - 0.4 * blue;
    img[p * 3 + 2] = base + shade + 4 + 0.3 * blue;
  }
}

/** Grass: green with brown dry patches, vertical blade streaks and grain. */
function paintGrass(img: Float32Array, rng: CounterRng): void {
  const green: Rgb = [60 + 25 * rng.next(), 105 + 35 * rng.next(), 35 + 20 * rng.next()];
  const brown: Rgb = [115 + 20 * rng.next(), 95 + 15 * rng.next(), 55 + 15 * rng.next()];
  const patches = valueNoise(rng, 4);
  const detail = valueNoise(rng, 12);
  const blades = new Float32Array(WOLF_SNOW_SIZE);
  for (let x = 0; x < WOLF_SNOW_SIZE; x++) blades[x] = rng.next() * 2 - 1;
  for (let y = 0; y < WOLF_SNOW_SIZE; y++) {
    for (let x = 0; x < WOLF_SNOW_SIZE; x++) {
      const p = y * WOLF_SNOW_SIZE + x;
      const mix = Math.max(0, Math.min(1, 0.35 + 0.6 * patches[p]));
      const shade = 14 * blades[x] + 10 * detail[p] + 12 * (rng.next() * 2 - 1);
      for (let c = 0; c < 3; c++) img[p * 3 + c] = green[c] * (1 - mix) + brown[c] * mix + shade;
    }
  }
}

/**
 * Draw the animal in box-relative coordinates (u, v) in [0, 1): a side view
 * with body, head, snout, two ears, four legs and a tail, facing left or right.
 * Both kinds share the silhouette up to jitter; they differ in colouring
 * (wolf: uniform grey-tan coat, amber eyes, low bushy tail; husky: black
 * saddle over a white belly and legs, white face mask under a dark cap, blue
 * eyes, tail curled up over the back), i.e. only inside the box.
 */
function paintAnimal(img: Float32Array, rng: CounterRng, box: WolfSnowBox, kind: WolfSnowLabel): void {
  const [x0, y0, x1, y1] = box;
  const w = x1 - x0;
  const h = y1 - y0;
  const facing = rng.next() < 0.5 ? 1 : -1;
  const j = (a: number): number => (rng.next() * 2 - 1) * a;
  const body = { cu: 0.56 + j(0.03), cv: 0.55 + j(0.03), ru: 0.3 + j(0.03), rv: 0.19 + j(0.02) };
  const head = { cu: 0.2 + j(0.02), cv: 0.32 + j(0.03), r: 0.15 + j(0.015) };
  const earH = 0.16 + j(0.02);
  const legW = 0.055;
  const legs = [0.36, 0.46, 0.68, 0.78].map((u) => u + j(0.02));
  const jit = (c: Rgb, a: number): Rgb => {
    const d = j(a);
    return [c[0] + d + j(4), c[1] + d + j(4), c[2] + d + j(4)];
  };
  const coat = kind === 'wolf' ? jit([138, 122, 100], 14) : jit([48, 48, 54], 12);
  const light = kind === 'wolf' ? jit([172, 158, 134], 10) : jit([236, 236, 240], 8);
  const eye: Rgb = kind === 'wolf' ? [215, 160, 30] : [70, 150, 255];
  const nose: Rgb = [25, 22, 20];

  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const u0 = (x - x0 + 0.5) / w;
      const u = facing === 1 ? u0 : 1 - u0;
      const v = (y - y0 + 0.5) / h;
      const colour = animalColour(u, v);
      if (colour === null) continue;
      const fur = j(7);
      const p = (y * WOLF_SNOW_SIZE + x) * 3;
      img[p] = colour[0] + fur;
      img[p + 1] = colour[1] + fur;
      img[p + 2] = colour[2] + fur;
    }
  }

  function animalColour(u: number, v: number): Rgb | null {
    const hu = (u - head.cu) / head.r;
    const hv = (v - head.cv) / head.r;
    // Eye and nose first: they sit on top of the head.
    if ((u - (head.cu - 0.06)) ** 2 + (v - (head.cv - 0.03)) ** 2 < 0.035 ** 2) return eye;
    if ((u - 0.035) ** 2 + (v - (head.cv + 0.06)) ** 2 < 0.03 ** 2) return nose;
    const inSnout = ((u - 0.08) / 0.08) ** 2 + ((v - (head.cv + 0.07)) / 0.06) ** 2 < 1;
    if (hu * hu + hv * hv < 1 || inSnout) {
      if (kind === 'wolf') return hv > 0.3 || inSnout ? light : coat;
      // Husky: dark cap above the eyes, white mask below, with a dark stripe down the forehead.
      if (hv < -0.25 || (hv < 0.2 && Math.abs(hu) < 0.15)) return coat;
      return light;
    }
    for (const eu of [head.cu - 0.08, head.cu + 0.06]) {
      const top = head.cv - head.r - earH;
      const base = head.cv - head.r * 0.6;
      if (v >= top && v <= base && Math.abs(u - eu) <= ((v - top) / (base - top)) * 0.06) return coat;
    }
    const bu = (u - body.cu) / body.ru;
    const bv = (v - body.cv) / body.rv;
    if (bu * bu + bv * bv < 1) {
      if (kind === 'wolf') return bv > 0.55 ? light : coat;
      return bv > 0.1 ? light : coat; // black saddle, white belly
    }
    if (v > body.cv && v < 0.97) {
      for (const lu of legs) if (Math.abs(u - lu) < legW / 2) return kind === 'wolf' ? coat : light;
    }
    if (kind === 'wolf') {
      // Low, bushy tail hanging behind.
      const tu = (u - 0.9) / 0.07;
      const tv = (v - (body.cv + 0.12)) / 0.2;
      if (tu * tu + tv * tv < 1) return coat;
    } else {
      // Tail curled up over the back: a ring, white at the tip.
      const d = Math.hypot((u - 0.86) / 0.1, (v - (body.cv - 0.22)) / 0.14);
      if (d > 0.55 && d < 1) return v < body.cv - 0.3 ? light : coat;
    }
    return null;
  }
}
