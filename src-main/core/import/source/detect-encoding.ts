/**
 * Guesses the text encoding of a file from its first bytes. Merchants' files are
 * UTF-8 (with or without BOM), UTF-16 ("Unicode text" from Excel), GB18030/GBK
 * (Chinese Excel and shop back-office exports) or Windows-1252 (Western Excel).
 */

import iconv from 'iconv-lite';
import { ImportError } from '../types.ts';

export const SAMPLE_BYTES = 64 * 1024;

export interface EncodingGuess {
  /** iconv-lite encoding name. */
  encoding: string;
  source: 'bom' | 'detected';
}

/**
 * `complete` says the sample is the whole file: a multibyte sequence cut at the
 * end of a partial sample is then an error, not a chunk boundary.
 * Returns null for data that is not text at all (NUL bytes without a UTF-16 pattern).
 */
export function detectEncoding(sample: Uint8Array, complete: boolean): EncodingGuess | null {
  const bom = bomEncoding(sample);
  if (bom) return { encoding: bom, source: 'bom' };

  const nul = nulPattern(sample);
  if (nul === 'binary') return null;
  if (nul) return { encoding: nul, source: 'detected' };

  if (isValidUtf8(sample, complete)) return { encoding: 'utf8', source: 'detected' };
  return { encoding: looksLikeGb(sample) ? 'gb18030' : 'windows-1252', source: 'detected' };
}

/** Validates a caller's encoding name; iconv-lite accepts many aliases (gbk, latin1, cp936…). */
export function checkEncoding(name: string): string {
  const trimmed = name.trim();
  if (!iconv.encodingExists(trimmed)) {
    throw new ImportError(`Unknown text encoding "${name}". Try utf8, gb18030, gbk, utf16le or windows-1252.`);
  }
  return trimmed;
}

function bomEncoding(b: Uint8Array): string | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf8';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf16be';
  return null;
}

/**
 * UTF-16 without a BOM puts a NUL in the high byte of every ASCII character
 * (digits, delimiters, newlines), always on the same side of each byte pair.
 * NULs scattered on both sides mean a binary file.
 */
function nulPattern(b: Uint8Array): 'utf16le' | 'utf16be' | 'binary' | null {
  const n = Math.min(b.length, 8192) & ~1;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  const zeros = even + odd;
  if (zeros === 0) return null;
  const pairs = n / 2;
  if (odd >= pairs * 0.05 && even <= odd * 0.05) return 'utf16le';
  if (even >= pairs * 0.05 && odd <= even * 0.05) return 'utf16be';
  return zeros > 2 ? 'binary' : null;
}

/** Strict UTF-8 (no overlongs, no surrogates); a sequence cut by the sample's end is accepted unless `complete`. */
export function isValidUtf8(b: Uint8Array, complete: boolean): boolean {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const x = b[i]!;
    if (x < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (x >= 0xc2 && x <= 0xdf) need = 1;
    else if (x >= 0xe0 && x <= 0xef) {
      need = 2;
      if (x === 0xe0) lo = 0xa0;
      else if (x === 0xed) hi = 0x9f;
    } else if (x >= 0xf0 && x <= 0xf4) {
      need = 3;
      if (x === 0xf0) lo = 0x90;
      else if (x === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= n) {
      // The sample may end inside this character: check what is there.
      if (complete) return false;
      for (let k = i + 1; k < n; k++) {
        const y = b[k]!;
        if (y < (k === i + 1 ? lo : 0x80) || y > (k === i + 1 ? hi : 0xbf)) return false;
      }
      return true;
    }
    const y = b[i + 1]!;
    if (y < lo || y > hi) return false;
    for (let k = 2; k <= need; k++) {
      const z = b[i + k]!;
      if (z < 0x80 || z > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/**
 * Chinese text in GBK/GB18030 is nearly all two-byte pairs with both bytes in
 * 0xA1–0xFE (GB2312 hanzi and full-width punctuation). Windows-1252 text has
 * isolated accented letters, usually next to ASCII, which rarely form such pairs.
 */
export function looksLikeGb(b: Uint8Array): boolean {
  const n = b.length;
  let gb2312 = 0;
  let other = 0;
  let i = 0;
  while (i < n) {
    const x = b[i]!;
    if (x < 0x80) {
      i++;
      continue;
    }
    if (i + 1 >= n) break; // cut by the sample's end
    const y = b[i + 1]!;
    if (x >= 0x81 && x <= 0xfe && y >= 0x40 && y <= 0xfe && y !== 0x7f) {
      if (x >= 0xa1 && x <= 0xf7 && y >= 0xa1) gb2312++;
      else other++;
      i += 2;
    } else if (x >= 0x81 && x <= 0xfe && y >= 0x30 && y <= 0x39 && i + 3 < n) {
      // GB18030 four-byte sequence (rare characters and non-BMP code points).
      const z = b[i + 2]!;
      const w = b[i + 3]!;
      if (z >= 0x81 && z <= 0xfe && w >= 0x30 && w <= 0x39) {
        other++;
        i += 4;
      } else {
        other++;
        i++;
      }
    } else {
      other++;
      i++;
    }
  }
  return gb2312 > 0 && gb2312 >= other;
}
