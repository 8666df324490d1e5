/** Reads the binary greyscale PGM (P5) pages that `pdftoppm -gray` writes. */
import { readFileSync } from 'node:fs';

export interface GreyImage {
  width: number;
  height: number;
  /** One byte per pixel, 0 = black, 255 = white. */
  pixels: Uint8Array;
}

export function readPgm(path: string): GreyImage {
  const buf = readFileSync(path);
  // Header: "P5", width, height, maxval, separated by whitespace (comments start with #), then one whitespace byte.
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < buf.length && /\s/.test(String.fromCharCode(buf[i]!))) i++;
    if (buf[i] === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
      continue;
    }
    let tok = '';
    while (i < buf.length && !/\s/.test(String.fromCharCode(buf[i]!))) tok += String.fromCharCode(buf[i++]!);
    fields.push(tok);
  }
  i++;
  const [magic, w, h, max] = fields;
  if (magic !== 'P5' || max !== '255') throw new Error(`${path}: not an 8-bit P5 PGM (${fields.join(' ')})`);
  const width = Number(w);
  const height = Number(h);
  const pixels = buf.subarray(i, i + width * height);
  if (pixels.length !== width * height) throw new Error(`${path}: truncated PGM`);
  return { width, height, pixels };
}

/** Share of pixels darker than `threshold` (ink on the page). */
export function inkShare(img: GreyImage, threshold = 250): number {
  let ink = 0;
  for (const p of img.pixels) if (p < threshold) ink++;
  return ink / img.pixels.length;
}
