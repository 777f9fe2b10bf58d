import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Heatmap } from '../../src/audit/report.js';
import { turbo } from '../../src/reporters/_render/colormap.js';
import { renderOverlay } from '../../src/reporters/_render/overlay.js';
import { syntheticHeatmap } from '../fixtures/reports/sample-report.js';

async function decode(uri: string): Promise<{ data: Buffer; width: number; height: number }> {
  const png = Buffer.from(uri.replace(/^data:image\/png;base64,/, ''), 'base64');
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const px = (img: { data: Buffer; width: number }, x: number, y: number) => {
  const i = 3 * (y * img.width + x);
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
};

describe('heatmap overlays', () => {
  it('turbo runs from dark through blue and green to dark red', () => {
    expect(Math.max(...turbo(0))).toBeLessThan(60);
    const [r, , b] = turbo(0.15);
    expect(b).toBeGreaterThan(r);
    expect(turbo(0.5)[1]).toBeGreaterThan(200);
    const [r1, , b1] = turbo(1);
    expect(r1).toBeGreaterThan(b1);
    expect(turbo(-1)).toEqual(turbo(0));
    expect(turbo(2)).toEqual(turbo(1));
  });

  it('upscales small inputs with nearest neighbour, keeps the original, colours the hot spot', async () => {
    const h = syntheticHeatmap('s', 'wolf', 0.1, true);
    const o = await renderOverlay(h, { size: 128, alpha: 0.6 });
    expect([o.width, o.height]).toEqual([128, 128]);
    const orig = await decode(o.original);
    const over = await decode(o.overlay);
    // 16 px -> 128 px: each source pixel is an 8x8 block of the same colour.
    expect(px(orig, 0, 0)).toEqual([225, 232, 245]);
    expect(px(orig, 7, 7)).toEqual([225, 232, 245]);
    expect(px(orig, 8 * 10, 8 * 10)).toEqual([100, 65, 35]);
    // The map peaks at (3, 3): reddish there, bluish far away, both blended with the snow.
    const [hr, , hb] = px(over, 8 * 3 + 4, 8 * 3 + 4);
    expect(hr).toBeGreaterThan(hb);
    const [cr, , cb] = px(over, 8 * 15 + 4, 8 * 1 + 4);
    expect(cb).toBeGreaterThan(cr);
  });

  it('draws the boxes as white outlines on the overlay only', async () => {
    const h = syntheticHeatmap('s', 'wolf', 0.1, true);
    const o = await renderOverlay(h, { size: 128, alpha: 0.6 });
    const over = await decode(o.overlay);
    const orig = await decode(o.original);
    // Box [8, 7, 14, 14] scaled by 8: top-left corner (64, 56), bottom-right (111, 111).
    expect(px(over, 64, 56)).toEqual([255, 255, 255]);
    expect(px(over, 111, 111)).toEqual([255, 255, 255]);
    expect(px(over, 90, 56)).toEqual([255, 255, 255]);
    expect(px(orig, 64, 56)).toEqual([100, 65, 35]);
  });

  it('handles greyscale inputs, all-zero maps and large images', async () => {
    const grey = await renderOverlay(syntheticHeatmap('g', 'wolf', null, false, 1), {
      size: 128,
      alpha: 0.5,
    });
    const g = await decode(grey.original);
    const [r, gg, b] = px(g, 4, 4);
    expect(r).toBe(gg);
    expect(gg).toBe(b);

    const flat: Heatmap = { ...syntheticHeatmap('z', 'wolf', 0, true), map: new Float32Array(256) };
    const z = await decode((await renderOverlay(flat, { size: 128, alpha: 0.5 })).overlay);
    // Zero everywhere: one colour (turbo(0) at its lowest opacity) over uniform snow.
    expect(px(z, 0, 0)).toEqual(px(z, 120, 10));

    const w = 600;
    const big: Heatmap = {
      sampleId: 'big',
      label: 'wolf',
      score: 0.5,
      image: { width: w, height: 300, channels: 3, data: new Uint8Array(w * 300 * 3).fill(128) },
      map: Float32Array.from({ length: w * 300 }, (_, i) => i % w),
      boxes: [[10, 10, 100, 100]],
    };
    const o = await renderOverlay(big, { size: 128, alpha: 0.5 });
    expect([o.width, o.height]).toEqual([256, 128]);
    expect((await decode(o.overlay)).width).toBe(256);
  });
});
