/** Text helpers shared by the value parsers, and the `text` and `id` field parsers. */
import type { Cell } from '../types.ts';
import { failure, type Parsed } from './result.ts';

/**
 * Folds what merchants' spreadsheets type in full width or with typographic
 * characters to plain ASCII: full-width digits, letters and punctuation
 * (１２３, ：, ，, ％), the ideographic, no-break and thin spaces, and the
 * minus sign and hyphens. Cheaper than NFKC and leaves CJK text alone; ASCII
 * strings are returned as they are after one scan.
 */
export function foldWidth(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n && !folds(s.charCodeAt(i))) i++;
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!folds(c)) out += s[i];
    else if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0xffe5) out += '¥';
    else if (c === 0xffe1) out += '£';
    else if (c === 0x2212 || (c >= 0x2010 && c <= 0x2013)) out += '-';
    else if ((c < 0x200b || c > 0x200f) && c !== 0xfeff) out += ' '; // zero-width and direction marks: dropped
  }
  return out;
}

/** Whether foldWidth changes a character; CJK text and ASCII pass through without a copy. */
function folds(c: number): boolean {
  if (c < 0xa0) return false;
  if (c >= 0xff01) return c <= 0xff5e || c === 0xffe5 || c === 0xffe1 || c === 0xfeff;
  return c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x2013) || c === 0x202f || c === 0x205f || c === 0x2212;
}

// Lower-case placeholders exports write for "no value". "-" and "—" are what
// spreadsheets show for an empty number; 无/空 are Chinese for none/empty.
const missingTokens = new Set(['null', 'n/a', 'na', 'nan', 'none', 'nil', '#n/a', '-', '--', '—', '无', '空']);

/** Whether trimmed text is a "no value" placeholder (empty, NULL, N/A, NaN, -, …). */
export function isMissingText(trimmed: string): boolean {
  return trimmed.length === 0 || (trimmed.length <= 4 && missingTokens.has(trimmed.toLowerCase()));
}

/**
 * Whether trim() would give the text back as it is, told from its two ends alone: printable ASCII (33–126) is
 * never whitespace. Most cells pass, and skip trim's scan and its result check. Empty text does not pass.
 */
function untrimmable(s: string): boolean {
  const a = s.charCodeAt(0);
  const z = s.charCodeAt(s.length - 1);
  return a > 32 && a < 127 && z > 32 && z < 127;
}

/**
 * Excel's text marker: exports (Shopify's) write '7012345678901 or '+15550100 so that Excel keeps the digits.
 * Only before a number-like value: "'Tis the season" is text.
 */
const APOSTROPHE = 39;
const markedNumber = /^'[+\d][\d\s\-().+]*$/;
const unmark = (s: string) => (s.charCodeAt(0) === APOSTROPHE && markedNumber.test(s) ? s.slice(1) : s);

/** Free text: trimmed, otherwise kept as it is; empty is missing. */
export function parseText(cell: Cell): Parsed<string> {
  if (typeof cell === 'string') {
    if (untrimmable(cell)) return unmark(cell);
    const t = cell.trim();
    return t.length === 0 ? null : unmark(t);
  }
  if (cell === null) return null;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? failure('not a date', cell) : cell.toISOString();
  return String(cell);
}

/**
 * An identifier (order number, SKU, customer id): trimmed text. Numbers from
 * XLSX/JSON become their integer digits; an integer beyond 2^53 has already
 * lost digits, which is reported rather than stored wrong.
 */
export function parseId(cell: Cell): Parsed<string> {
  if (typeof cell === 'string') {
    if (untrimmable(cell)) return unmark(cell);
    const t = cell.trim();
    return t.length === 0 ? null : unmark(t);
  }
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return failure('not an id', cell);
    if (Number.isInteger(cell) && !Number.isSafeInteger(cell)) {
      return failure('id too long to read exactly', cell, 'format the column as text');
    }
    return String(cell);
  }
  if (cell === null) return null;
  return failure('not an id', cell);
}
