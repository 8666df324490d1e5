/**
 * Numbers and money as shops export them: "1,234.56", "1.234,56", "1 234,56",
 * "¥1,234.56", "USD 12", "12元", "(5.00)", "5-", "１２３", "1e3", "15%".
 * Plain numbers ("12", "-3.5") take a fast path without allocation; anything
 * else is folded and read by one scan.
 */
import type { Cell } from '../types.ts';
import { failure, type Parsed } from './result.ts';
import { foldWidth, isMissingText } from './text.ts';

/** The decimal separator of a column; the other of '.' and ',' groups thousands. */
export type DecimalSeparator = '.' | ',';

export interface NumberOptions {
  /** Decided per column with `detectDecimalSeparator`; '.' when absent. */
  decimal?: DecimalSeparator;
  /** Accept "15%" as 0.15. Without it a percent sign is a failure. */
  percent?: boolean;
}

const DOT = 46;
const COMMA = 44;
const isDigitCode = (c: number) => c >= 48 && c <= 57;

/** A number; null when missing; fails on text that is no number. */
export function parseNumber(cell: Cell, options?: NumberOptions): Parsed<number> {
  if (typeof cell === 'string')
    return parseNumberText(cell, options?.decimal === ',' ? COMMA : DOT, !!options?.percent);
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : failure('not a number', cell);
  if (cell === null) return null;
  return failure('not a number', cell);
}

/** A whole number: like `parseNumber`, failing on fractions ("2.5") and on integers beyond 2^53. */
export function parseInteger(cell: Cell, options?: NumberOptions): Parsed<number> {
  const v = parseNumber(cell, options);
  if (typeof v !== 'number') return v;
  if (!Number.isInteger(v)) return failure('not a whole number', cell);
  if (!Number.isSafeInteger(v)) return failure('number too large', cell);
  return v;
}

/** An amount of money, rounded to cents (half away from zero). Percent signs are failures. */
export function parseMoney(cell: Cell, options?: NumberOptions): Parsed<number> {
  const v = parseNumber(cell, options?.percent ? { decimal: options.decimal ?? '.' } : options);
  return typeof v === 'number' ? roundCents(v) : v;
}

/**
 * Rounds to cents, half away from zero. The tiny relative nudge makes values
 * typed with a 5 in the third decimal ("1.005", stored as 1.00499999…) round
 * up as the merchant meant, without moving any other value.
 */
export function roundCents(v: number): number {
  const cents = Math.round(Math.abs(v) * 100 * (1 + 4 * Number.EPSILON));
  if (cents === 0) return 0;
  return v < 0 ? -cents / 100 : cents / 100;
}

// Powers of ten that are exact doubles: digits / 10^k is then correctly rounded, the same value Number() gives.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT_DIGITS = 15;

function parseNumberText(s: string, dec: number, percent: boolean): Parsed<number> {
  // Fast path: [-]digits[<dec>digits], the overwhelmingly common shape, read
  // without allocating: all digits as one integer, then scaled.
  const n = s.length;
  const neg = s.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  let digits = 0;
  let sep = -1;
  let value = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === dec && sep < 0) sep = i;
    else break;
  }
  if (i === n && digits > 0) {
    if (digits > MAX_EXACT_DIGITS) {
      value = dec === DOT || sep < 0 ? Number(s) : Number(`${s.slice(0, sep)}.${s.slice(sep + 1)}`);
      return value === 0 ? 0 : value;
    }
    if (sep >= 0) value /= POW10[n - sep - 1] as number;
    return neg && value !== 0 ? -value : value; // no -0 from "-0"
  }
  return parseNumberSlow(s, dec, percent);
}

// Symbols and codes that may stand before or after an amount.
const currencySymbols = new Set(['$', '¥', '€', '£', '₩', '₹', '₽', '元', '円', '块']);
// prettier-ignore
const currencyCodes = new Set(['USD', 'CNY', 'RMB', 'EUR', 'GBP', 'JPY', 'HKD', 'TWD', 'NTD', 'AUD', 'CAD', 'SGD',
  'CHF', 'KRW', 'INR', 'NZD', 'MYR', 'THB', 'RUB', 'BRL', 'MXN', 'SEK', 'NOK', 'DKK', 'PLN']);
// Letters before '$' naming a dollar: US$, HK$, NT$, A$, C$, S$, R$ (real).
const dollarPrefixes = new Set(['US', 'HK', 'NT', 'A', 'AU', 'C', 'CA', 'S', 'SG', 'NZ', 'R']);
const currencyWords = ['人民币', '美元', '欧元', '英镑', '日元', '港币', '港元'];

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Length of a currency sign or code starting at i (before j), 0 when none. */
function currencyAt(t: string, i: number, j: number): number {
  if (currencySymbols.has(t[i] ?? '')) return 1;
  let k = i;
  while (k < j && isLetter(t.charCodeAt(k))) k++;
  if (k > i && k - i <= 3) {
    const code = t.slice(i, k).toUpperCase();
    if (t.charCodeAt(k) === 36 && dollarPrefixes.has(code)) return k - i + 1;
    if (currencyCodes.has(code)) return k - i;
  }
  for (const w of currencyWords) if (t.startsWith(w, i)) return w.length;
  return 0;
}

/** Length of a currency sign or code ending at j (after i), 0 when none. */
function currencyBefore(t: string, i: number, j: number): number {
  if (currencySymbols.has(t[j - 1] ?? '')) return 1;
  let k = j;
  while (k > i && isLetter(t.charCodeAt(k - 1))) k--;
  if (k < j && j - k === 3 && currencyCodes.has(t.slice(k, j).toUpperCase())) return 3;
  for (const w of currencyWords) if (t.endsWith(w, j)) return w.length;
  return 0;
}

function parseNumberSlow(raw: string, dec: number, percentAllowed: boolean): Parsed<number> {
  const t = foldWidth(raw).trim();
  if (isMissingText(t)) return null;
  // Peel signs, parentheses, currency and '%' off both ends until only the number is left.
  let i = 0;
  let j = t.length;
  let neg = false;
  let percent = false;
  for (;;) {
    while (i < j && t.charCodeAt(i) === 32) i++;
    while (j > i && t.charCodeAt(j - 1) === 32) j--;
    if (i >= j) return failure('not a number', raw);
    const a = t.charCodeAt(i);
    const z = t.charCodeAt(j - 1);
    let len: number;
    if (a === 40 && z === 41) {
      // (5.00): accounting negative
      if (neg) return failure('not a number', raw);
      neg = true;
      i++;
      j--;
    } else if (a === 45 || z === 45) {
      // -5 or 5-
      if (neg) return failure('not a number', raw);
      neg = true;
      if (a === 45) i++;
      else j--;
    } else if (a === 43) i++;
    else if (z === 37) {
      if (percent) return failure('not a number', raw);
      percent = true;
      j--;
    } else if ((len = currencyAt(t, i, j)) > 0) i += len;
    else if ((len = currencyBefore(t, i, j)) > 0) j -= len;
    else break;
  }
  if (percent && !percentAllowed) return failure('not a number', raw, 'a percent sign where an amount is expected');
  const v = readDigits(t, i, j, dec, percent);
  if (Number.isNaN(v)) return failure('not a number', raw);
  if (!Number.isFinite(v)) return failure('number too large', raw);
  return neg && v !== 0 ? -v : v;
}

/**
 * Reads t[i, j) as digits with thousands groups, a decimal part and an
 * exponent. Groups must be 3 digits and use one separator (',' or '.',
 * whichever is not the decimal, space, or '); or, with ',', the Indian
 * grouping of lakhs and crores ("1,23,45,678": groups of 2, the last of 3).
 * `percent` scales by 10^-2 exactly ("1.1%" is 0.011). NaN when malformed.
 */
function readDigits(t: string, i: number, j: number, dec: number, percent: boolean): number {
  let value = 0;
  let intDigits = 0;
  let group = 0;
  let groupChar = -1;
  let firstGroup = 0;
  // Which grouping the closed groups after the first follow: 0 none yet, 3 thousands, 2 Indian.
  let grouping = 0;
  let k = i;
  for (; k < j; k++) {
    const c = t.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      intDigits++;
      group++;
    } else if (c === dec || c === 101 || c === 69) break;
    else if (c === COMMA || c === DOT || c === 32 || c === 39) {
      if (group === 0 || (groupChar >= 0 && c !== groupChar)) return NaN;
      if (groupChar < 0) {
        if (group > 3) return NaN;
        firstGroup = group;
      } else if (group === 3 && grouping !== 2) grouping = 3;
      else if (group === 2 && c === COMMA && firstGroup <= 2 && grouping !== 3) grouping = 2;
      else return NaN;
      groupChar = c;
      group = 0;
    } else return NaN;
  }
  if (groupChar >= 0 && group !== 3) return NaN;
  let fracDigits = 0;
  if (k < j && t.charCodeAt(k) === dec) {
    for (k++; k < j && isDigitCode(t.charCodeAt(k)); k++) {
      value = value * 10 + (t.charCodeAt(k) - 48);
      fracDigits++;
    }
  }
  const mantissaEnd = k;
  if (intDigits + fracDigits === 0) return NaN;
  let exponent = 0;
  if (k < j && (t.charCodeAt(k) === 101 || t.charCodeAt(k) === 69)) {
    k++;
    const sign = t.charCodeAt(k) === 45 ? -1 : 1;
    if (t.charCodeAt(k) === 43 || t.charCodeAt(k) === 45) k++;
    const start = k;
    for (; k < j && isDigitCode(t.charCodeAt(k)); k++)
      exponent = Math.min(exponent * 10 + (t.charCodeAt(k) - 48), 9999);
    if (k === start) return NaN;
    exponent *= sign;
  }
  if (k !== j) return NaN;
  const scale = exponent - fracDigits - (percent ? 2 : 0);
  // Exact integer times or over an exact power of ten: correctly rounded, as Number() would be.
  if (intDigits + fracDigits <= MAX_EXACT_DIGITS && scale >= -22 && scale <= 22) {
    return scale < 0 ? value / (POW10[-scale] as number) : value * (POW10[scale] as number);
  }
  let digits = '';
  for (let m = i; m < mantissaEnd; m++) if (isDigitCode(t.charCodeAt(m))) digits += t[m];
  return Number(`${digits}e${scale}`);
}

/**
 * Decides a column's decimal separator from sample cells. A value votes when
 * it is unambiguous: both separators present (the last one is the decimal),
 * one separator repeated (it groups thousands), or one separator not followed
 * by exactly 3 digits or not preceded by 1–3 non-zero-led digits. "1,234"
 * alone says nothing. '.' unless ',' has more votes.
 */
export function detectDecimalSeparator(samples: readonly Cell[]): DecimalSeparator {
  let dot = 0;
  let comma = 0;
  for (const cell of samples) {
    if (typeof cell !== 'string') continue;
    const s = foldWidth(cell);
    const lastDot = s.lastIndexOf('.');
    const lastComma = s.lastIndexOf(',');
    if (lastDot >= 0 && lastComma >= 0) {
      if (lastDot > lastComma) dot++;
      else comma++;
      continue;
    }
    const at = lastDot >= 0 ? lastDot : lastComma;
    if (at < 0) continue;
    const sepChar = s[at] as string;
    const isDecimal = sepChar === '.' ? () => dot++ : () => comma++;
    const isGroup = sepChar === '.' ? () => comma++ : () => dot++;
    if (s.indexOf(sepChar) !== at) {
      isGroup();
      continue;
    }
    let before = 0;
    while (at - before - 1 >= 0 && isDigitCode(s.charCodeAt(at - before - 1))) before++;
    let after = 0;
    while (isDigitCode(s.charCodeAt(at + after + 1))) after++;
    if (after === 0) continue;
    if (before === 0 || before > 3 || s[at - before] === '0' || after !== 3) isDecimal();
  }
  return comma > dot ? ',' : '.';
}
