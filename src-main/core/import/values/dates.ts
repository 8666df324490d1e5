/**
 * Dates and times → INTEGER unix seconds.
 *
 * - A time without a zone is its wall-clock reading taken as UTC, so calendar
 *   days stay the shop's days ("2024-03-01 23:30" is stored as that UTC time).
 * - A time with a zone (Z, +08:00, +0800, UTC, GMT+8) is the instant it names,
 *   stored as UTC seconds: "2024-03-01T08:00:00+08:00" = "2024-03-01T00:00:00Z".
 * - Fractions of a second are dropped; years outside 1900–2100 are failures,
 *   as are dates that do not exist (2024-02-30, month 13, hour 25).
 *
 * ISO text and plain numeric dates ("2024/3/1 14:05", "12/1/2010 8:26") take
 * fast paths of char-code arithmetic; the rest is tokenized (date-text.ts).
 * Numbers (and text that is only digits) are yyyymmdd, Unix seconds or
 * milliseconds, or Excel serials: each has its own plausible band, so a single
 * value is read by its magnitude, and `detectDateStyle` fixes one reading for
 * a whole column.
 */
import type { Cell } from '../types.ts';
import { MAX_SECONDS, MAX_YEAR, MIN_SECONDS, MIN_YEAR, utcSeconds } from './calendar.ts';
import { parseDateText } from './date-text.ts';
import { failure, type ParseFailure, type Parsed } from './result.ts';
import { foldWidth, isMissingText } from './text.ts';

/** How a column writes ambiguous slash dates: 3/1/2024 is March 1 ('mdy') or 3 January ('dmy'). */
export type DateOrder = 'mdy' | 'dmy';

/**
 * How a column writes dates as numbers. 'text' reads each number by its
 * magnitude (below); the others read every number one way.
 */
export type DateStyle = 'yyyymmdd' | 'unix-s' | 'unix-ms' | 'excel-serial' | 'text';

export interface DateOptions {
  /** From `detectDateOrder`; 'mdy' when absent. */
  order?: DateOrder;
  /** From `detectDateStyle`; 'text' when absent. */
  style?: DateStyle;
}

/**
 * Unix seconds of a cell; null when missing (empty, NULL, N/A, "0000-00-00…").
 * Strings are text dates or digit strings, numbers go by `style`, Date objects
 * (XLSX readers) are taken by their UTC reading, rounded to the second.
 */
export function parseDate(cell: Cell, options?: DateOptions): Parsed<number> {
  if (typeof cell === 'string') {
    const fast = isoFast(cell);
    if (fast === fast) return fast;
    return parseDateString(cell, options?.order ?? 'mdy', options?.style ?? 'text');
  }
  if (typeof cell === 'number') return parseDateNumber(cell, options?.style ?? 'text', cell);
  if (cell === null) return null;
  if (cell instanceof Date) {
    // exceljs hands out the cell's wall clock as UTC; float serials can be a millisecond off.
    const seconds = Math.round(cell.getTime() / 1000);
    if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) {
      return failure(Number.isNaN(seconds) ? 'not a date' : `year outside ${MIN_YEAR}–${MAX_YEAR}`, cell);
    }
    return seconds;
  }
  return failure('not a date', cell);
}

const d2 = (s: string, i: number) => {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * YYYY-MM-DD (or with '/'), optionally followed by [T ]HH:MM, :SS, and "Z" or
 * ".mmmZ" (JSON's toISOString): unix seconds, or NaN to take the full parser,
 * which also explains failures.
 */
function isoFast(s: string): number {
  const n = s.length;
  if (n !== 10 && n !== 16 && n !== 19 && n !== 20 && n !== 24) return NaN;
  const sep = s.charCodeAt(4);
  if ((sep !== 45 && sep !== 47) || s.charCodeAt(7) !== sep) return NaN;
  const hi = d2(s, 0);
  const lo = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  let h = 0;
  let mi = 0;
  let se = 0;
  if (n > 10) {
    const t = s.charCodeAt(10);
    if ((t !== 84 && t !== 32) || s.charCodeAt(13) !== 58) return NaN;
    h = d2(s, 11);
    mi = d2(s, 14);
    if (n >= 19) {
      if (s.charCodeAt(16) !== 58) return NaN;
      se = d2(s, 17);
      if (n === 20 && s.charCodeAt(19) !== 90) return NaN;
      if (n === 24 && (s.charCodeAt(19) !== 46 || d2(s, 20) < 0 || d2(s, 21) < 0 || s.charCodeAt(23) !== 90)) {
        return NaN;
      }
    }
  }
  if (hi < 0 || lo < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return NaN;
  const y = hi * 100 + lo;
  if (y < MIN_YEAR || y > MAX_YEAR) return NaN;
  return utcSeconds(y, mo, d, h, mi, se);
}

/**
 * y-m-d or a/b/yyyy with '/', '-' or '.', optionally followed by " h:mm" or
 * " h:mm:ss": "2024/3/1 14:05", "12/1/2010 8:26", "31.12.2024". Unix seconds,
 * or NaN to take the full parser.
 */
function numericFast(s: string, order: DateOrder): number {
  const day = numericDay(s, order);
  if (day !== day || dayEnd === s.length) return day;
  const time = timeOfDay(s, dayEnd);
  return time === time ? day + time : NaN;
}

/** Where the date part that numericDay read last ends (a module slot: a second result without an allocation). */
let dayEnd = 0;

/**
 * The leading y-m-d or a/b/yyyy of `s` as Unix seconds at midnight, NaN when there is none or it is no real day;
 * sets `dayEnd`. Digits are read inline with a local cursor (a charCodeAt past the end is NaN, which ends a run of
 * digits).
 */
function numericDay(s: string, order: DateOrder): number {
  let i = 0;
  let k: number;
  let a = 0;
  for (; i < 4; i++) {
    k = s.charCodeAt(i) - 48;
    if (!(k >= 0 && k <= 9)) break;
    a = a * 10 + k;
  }
  const aLen = i;
  const sep = s.charCodeAt(i);
  if (aLen === 0 || (sep !== 47 && sep !== 45 && sep !== 46)) return NaN;
  let from = ++i;
  let b = 0;
  for (; i - from < 2; i++) {
    k = s.charCodeAt(i) - 48;
    if (!(k >= 0 && k <= 9)) break;
    b = b * 10 + k;
  }
  if (i === from || s.charCodeAt(i) !== sep) return NaN;
  from = ++i;
  let c = 0;
  for (; i - from < 4; i++) {
    k = s.charCodeAt(i) - 48;
    if (!(k >= 0 && k <= 9)) break;
    c = c * 10 + k;
  }
  const cLen = i - from;
  let y: number;
  let mo: number;
  let d: number;
  if (aLen === 4 && cLen >= 1 && cLen <= 2) {
    y = a;
    mo = b;
    d = c;
  } else if (aLen <= 2 && cLen === 4) {
    y = c;
    const dayFirst = sep === 46 || order === 'dmy';
    mo = dayFirst ? b : a;
    d = dayFirst ? a : b;
  } else return NaN;
  if (y < MIN_YEAR || y > MAX_YEAR) return NaN;
  dayEnd = i;
  return utcSeconds(y, mo, d, 0, 0, 0);
}

/**
 * The "[ T]h:mm" or "[ T]h:mm:ss" that ends `s` from `i` on, as seconds into the day; NaN for anything else
 * (hour 24, minute 60, text after the seconds).
 */
function timeOfDay(s: string, i: number): number {
  const n = s.length;
  let k: number;
  let h = 0;
  let mi = 0;
  let se = 0;
  const t = s.charCodeAt(i);
  if (t !== 32 && t !== 84) return NaN;
  let from = ++i;
  for (; i - from < 2; i++) {
    k = s.charCodeAt(i) - 48;
    if (!(k >= 0 && k <= 9)) break;
    h = h * 10 + k;
  }
  if (i === from || s.charCodeAt(i) !== 58) return NaN;
  from = ++i;
  for (; i - from < 2; i++) {
    k = s.charCodeAt(i) - 48;
    if (!(k >= 0 && k <= 9)) break;
    mi = mi * 10 + k;
  }
  if (i - from !== 2) return NaN;
  if (i < n) {
    if (s.charCodeAt(i) !== 58) return NaN;
    from = ++i;
    for (; i - from < 2; i++) {
      k = s.charCodeAt(i) - 48;
      if (!(k >= 0 && k <= 9)) break;
      se = se * 10 + k;
    }
    if (i - from !== 2 || i !== n) return NaN;
  }
  if (h > 23 || mi > 59 || se > 59) return NaN;
  return h * 3600 + mi * 60 + se;
}

function parseDateString(raw: string, order: DateOrder, style: DateStyle): Parsed<number> {
  const fast = numericFast(raw, order);
  if (fast === fast) return fast;
  return parseDateSlow(raw, order, style);
}

/** What numericFast leaves: placeholders, digit-only numbers, and dates in words (date-text.ts). */
function parseDateSlow(raw: string, order: DateOrder, style: DateStyle): Parsed<number> {
  const text = foldWidth(raw).trim();
  if (isMissingText(text) || text.startsWith('0000-00-00')) return null;
  if (isNumeric(text)) return parseDateNumber(Number(text), style, raw);
  return parseDateText(raw, text, order);
}

/** Digits with at most one '.', as Excel serials and timestamps are written. */
function isNumeric(s: string): boolean {
  let dot = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && !dot && i > 0) dot = true;
    else if (c < 48 || c > 57) return false;
  }
  return s.charCodeAt(s.length - 1) !== 46;
}

// 1971-01-01 .. 2100-12-31 as Unix seconds: the band where a number is read as one.
const UNIX_LO = 31_536_000;
const UNIX_HI = MAX_SECONDS + 1;

/**
 * How a lone number reads as a date, by magnitude; the bands do not overlap.
 * Excel serials 20000–80000 (1954–2119), yyyymmdd 19000101–21001231 (and
 * yyyymmddhhmm[ss] when the fields are valid), Unix seconds and milliseconds
 * within 1971–2100. null when none fits.
 */
export function dateStyleOf(v: number): Exclude<DateStyle, 'text'> | null {
  if (v >= 20_000 && v < 80_000) return 'excel-serial';
  if (Number.isInteger(v)) {
    if (v >= 19_000_101 && v <= 21_001_231) return 'yyyymmdd';
    // 12 digits overlap 1973–2001 in milliseconds: a valid yyyymmddhhmm wins.
    if (v >= 190_001_010_000 && v <= 210_012_312_359 && typeof fromCompact(v, v) === 'number') return 'yyyymmdd';
    if (v >= 19_000_101_000_000 && v <= 21_001_231_235_959) return 'yyyymmdd';
  }
  if (v >= UNIX_LO && v < UNIX_HI) return 'unix-s';
  if (v >= UNIX_LO * 1000 && v < UNIX_HI * 1000) return 'unix-ms';
  return null;
}

function parseDateNumber(v: number, style: DateStyle, raw: Cell): number | ParseFailure {
  if (!Number.isFinite(v) || v < 0) return failure('not a date', raw);
  switch (style === 'text' ? dateStyleOf(v) : style) {
    case 'excel-serial':
      return fromSerial(v, raw);
    case 'yyyymmdd':
      return fromCompact(v, raw);
    case 'unix-s':
      return fromUnix(v, raw, 'Unix seconds');
    case 'unix-ms':
      return fromUnix(v / 1000, raw, 'Unix milliseconds');
    default:
      return failure('not a date', raw);
  }
}

function fromUnix(seconds: number, raw: Cell, as: string): number | ParseFailure {
  const s = Math.floor(seconds);
  if (s < MIN_SECONDS || s > MAX_SECONDS) return failure('not a date', raw, `outside ${MIN_YEAR}–${MAX_YEAR} as ${as}`);
  return s;
}

/** yyyymmdd, yyyymmddhhmm or yyyymmddhhmmss as a number. */
function fromCompact(v: number, raw: Cell): number | ParseFailure {
  if (!Number.isInteger(v)) return failure('not a date', raw, 'expected yyyymmdd');
  let rest = v;
  let h = 0;
  let mi = 0;
  let se = 0;
  if (v >= 1e13) {
    se = rest % 100;
    rest = Math.floor(rest / 100);
  }
  if (v >= 1e11) {
    mi = rest % 100;
    h = Math.floor(rest / 100) % 100;
    rest = Math.floor(rest / 10_000);
  }
  const y = Math.floor(rest / 10_000);
  if (y < MIN_YEAR || y > MAX_YEAR) return failure('not a date', raw, 'expected yyyymmdd');
  const seconds = utcSeconds(y, Math.floor(rest / 100) % 100, rest % 100, h, mi, se);
  return Number.isNaN(seconds) ? failure('not a date', raw) : seconds;
}

// Serial 25569 is 1970-01-01. Excel counts a 1900-02-29 that never was (serial
// 60), so serials before it are one day later than that arithmetic says.
const EXCEL_EPOCH = 25_569;
const EXCEL_FAKE_LEAP_DAY = 60;

/** An Excel (1900 system) serial: whole days plus the time of day as a fraction, rounded to the second. */
function fromSerial(v: number, raw: Cell): number | ParseFailure {
  const days = Math.floor(v);
  if (days < 1) return failure('not a date', raw, 'expected an Excel date serial');
  if (days === EXCEL_FAKE_LEAP_DAY)
    return failure('not a date', raw, 'Excel serial 60 is 1900-02-29, which did not exist');
  const unixDays = days < EXCEL_FAKE_LEAP_DAY ? days - EXCEL_EPOCH + 1 : days - EXCEL_EPOCH;
  const seconds = unixDays * 86_400 + Math.round((v - days) * 86_400);
  if (seconds > MAX_SECONDS) return failure(`year outside ${MIN_YEAR}–${MAX_YEAR}`, raw);
  return seconds;
}

/** Parses with a column's options fixed up front: the per-cell call of the importer's hot loop. */
export function dateParser(options?: DateOptions): (cell: Cell) => Parsed<number> {
  const order = options?.order ?? 'mdy';
  const style = options?.style ?? 'text';
  const fixed: DateOptions = { order, style };
  // The lines of one order share its timestamp: the last text read and its seconds answer repeats. Texts that
  // differ mostly differ in their last character (the minute), checked first: a full compare costs more.
  let lastText = '';
  let lastEnd = -1; // no char code: nothing cached yet
  let lastSeconds = NaN;
  // Orders that follow each other mostly fall on the same day: the date part of the last numeric date read
  // ("1/12/2011") and its midnight, so that a text starting with it reads only its time of day.
  let dayText = '';
  let daySeconds = NaN;
  const read = (cell: string): Parsed<number> => {
    const dayLength = dayText.length;
    if (dayLength > 0 && cell.length > dayLength && startsWithDay(cell, dayText)) {
      const time = timeOfDay(cell, dayLength);
      if (time === time) return daySeconds + time;
    }
    const fast = isoFast(cell);
    if (fast === fast) return fast;
    const day = numericDay(cell, order);
    if (day !== day) return parseDateSlow(cell, order, style);
    if (dayEnd === cell.length) return day;
    const time = timeOfDay(cell, dayEnd);
    if (time !== time) return parseDateSlow(cell, order, style);
    dayText = cell.slice(0, dayEnd);
    daySeconds = day;
    return day + time;
  };
  return (cell) => {
    if (typeof cell === 'string') {
      const end = cell.charCodeAt(cell.length - 1);
      if (end === lastEnd && cell === lastText) return lastSeconds;
      const v = read(cell);
      if (typeof v === 'number') {
        lastText = cell;
        lastEnd = end;
        lastSeconds = v;
      }
      return v;
    }
    return parseDate(cell, fixed);
  };
}

/** Whether `text` starts with `day`, compared from the day's end (its last digits change first); no builtin call. */
function startsWithDay(text: string, day: string): boolean {
  for (let i = day.length - 1; i >= 0; i--) if (text.charCodeAt(i) !== day.charCodeAt(i)) return false;
  return true;
}

// d/m/y or m/d/y with '/' or '-'; dots are always day-first and say nothing.
const slashDate = /^\s*(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?!\d)/;

/**
 * Decides whether a column's "a/b/yyyy" dates are month-first or day-first:
 * a first part above 12 votes day-first, a second part above 12 month-first.
 * 'mdy' on a tie or when no sample says (all parts ≤ 12).
 */
export function detectDateOrder(samples: readonly Cell[]): DateOrder {
  let mdy = 0;
  let dmy = 0;
  for (const cell of samples) {
    if (typeof cell !== 'string') continue;
    const m = slashDate.exec(foldWidth(cell));
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) dmy++;
    else if (b > 12 && a <= 12) mdy++;
  }
  return dmy > mdy ? 'dmy' : 'mdy';
}

/**
 * Decides how a column's number-only values are dates: each number (or digit
 * string) votes for the style its magnitude fits; text and Date objects vote
 * 'text'. The numeric style with most votes wins unless text is the majority.
 */
export function detectDateStyle(samples: readonly Cell[]): DateStyle {
  const votes = new Map<DateStyle, number>();
  let text = 0;
  let numeric = 0;
  for (const cell of samples) {
    let v: number;
    if (typeof cell === 'number') v = cell;
    else if (typeof cell === 'string') {
      const t = foldWidth(cell).trim();
      if (isMissingText(t)) continue;
      if (!isNumeric(t)) {
        text++;
        continue;
      }
      v = Number(t);
    } else {
      if (cell instanceof Date) text++;
      continue;
    }
    const style = dateStyleOf(v);
    if (!style) continue;
    numeric++;
    votes.set(style, (votes.get(style) ?? 0) + 1);
  }
  if (numeric === 0 || text > numeric) return 'text';
  let best: DateStyle = 'text';
  let most = 0;
  for (const [style, n] of votes) {
    if (n > most) {
      best = style;
      most = n;
    }
  }
  return best;
}
