/**
 * ROAD's imputation rule written out directly: the 1/6 (direct) and 1/12 (diagonal) weighted mean
 * of the in-image neighbours of pixel (r, col), channel q, of an [h, w, c] image.
 */
export function neighbourMean(
  img: Float32Array,
  h: number,
  w: number,
  c: number,
  r: number,
  col: number,
  q: number,
): number {
  let num = 0;
  let den = 0;
  for (let dr = -1; dr <= 1; dr++)
    for (let dc = -1; dc <= 1; dc++) {
      const rr = r + dr;
      const cc = col + dc;
      if ((dr === 0 && dc === 0) || rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
      const wt = dr === 0 || dc === 0 ? 1 / 6 : 1 / 12;
      num += wt * img[(rr * w + cc) * c + q];
      den += wt;
    }
  return num / den;
}
