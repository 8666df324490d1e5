/**
 * Reads dates written as text, past the ISO fast path: "2024/3/1 14:05",
 * "12/1/2010 8:26", "31.12.2024", "01-Dec-2010", "Dec 1, 2010 8:26 PM",
 * "2024年3月1日 下午2点05分", "2024-03-01T14:05:09.5+08:00". The text is cut
 * into tokens held in reused typed arrays (no allocation per cell), then
 * matched against the shapes above.
 */
import { MAX_YEAR, MIN_YEAR, utcSeconds } from './calendar.ts';
import type { DateOrder } from './dates.ts';
import { failure, type ParseFailure } from './result.ts';

// Token kinds. Words and CJK markers become these while tokenizing.
const NUM = 1;
const SEP = 2;
const MON = 3;
const AMPM = 4;
const UTC = 5;
const TEE = 6;
const CJK = 7;
/** A named zone ("PST", "CET"); its value is the zone's offset from UTC in minutes. */
const ZONE = 11;
// Word kinds that push no token.
const SKIP = 8;
const ORDINAL = 9;
const AT = 10;

const CJK_Y = 1;
const CJK_M = 2;
const CJK_D = 3;
const CJK_H = 4;
const CJK_MIN = 5;
const CJK_S = 6;

const AM = 0;
const PM = 1;
const NOON = 2;

const TAB = 9;
const SPACE = 32;
const PLUS = 43;
const COMMA = 44;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const COLON = 58;

const MAX_TOKENS = 40;
const kinds = new Uint8Array(MAX_TOKENS);
const vals = new Float64Array(MAX_TOKENS);
const lens = new Uint8Array(MAX_TOKENS);
let count = 0;

// Word → kind << 4 | value.
const wordCodes = new Map<string, number>();
// prettier-ignore
const monthNames = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
  'november', 'december'];
monthNames.forEach((name, i) => {
  wordCodes.set(name, (MON << 4) | (i + 1));
  wordCodes.set(name.slice(0, 3), (MON << 4) | (i + 1));
});
wordCodes.set('sept', (MON << 4) | 9);
// prettier-ignore
for (const w of ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'mon', 'tue', 'tues',
  'wed', 'thu', 'thur', 'thurs', 'fri', 'sat', 'sun']) wordCodes.set(w, SKIP << 4);
for (const w of ['st', 'nd', 'rd', 'th']) wordCodes.set(w, ORDINAL << 4);
for (const w of ['at', 'of']) wordCodes.set(w, AT << 4);
for (const w of ['z', 'utc', 'gmt']) wordCodes.set(w, UTC << 4);
wordCodes.set('t', TEE << 4);

/**
 * Zone abbreviations → minutes east of UTC, read as the instant they name (like "+08:00"), in any case; a word
 * that is a month or weekday stays one ("MAR", "SAT"). Where one abbreviation has several meanings, the one
 * shop exports mean wins:
 * - CST is US Central (−06:00): US platforms (Amazon Date Range reports, eBay, Shopify) write it so. Chinese
 *   platforms (Taobao/Tmall, JD, Youzan, Pinduoduo, Shopee CN) export wall-clock times with no zone or with
 *   "+08:00"; "CST" for China comes from Java's Date.toString on a server, not from an export. "北京时间"
 *   (Beijing time) names +08:00 unambiguously.
 * - IST is India (+05:30), not Israel or Ireland; BST is British Summer Time (+01:00), not Bangladesh.
 */
export const zoneOffsets: ReadonlyMap<string, number> = new Map([
  ['UTC', 0],
  ['GMT', 0],
  ['UT', 0],
  ['Z', 0],
  ['PST', -8 * 60],
  ['PDT', -7 * 60],
  ['MST', -7 * 60],
  ['MDT', -6 * 60],
  ['CST', -6 * 60],
  ['CDT', -5 * 60],
  ['EST', -5 * 60],
  ['EDT', -4 * 60],
  ['AKST', -9 * 60],
  ['AKDT', -8 * 60],
  ['HST', -10 * 60],
  ['BST', 60],
  ['IST', 5 * 60 + 30],
  ['WET', 0],
  ['WEST', 60],
  ['CET', 60],
  ['CEST', 2 * 60],
  ['MET', 60],
  ['MEST', 2 * 60],
  ['EET', 2 * 60],
  ['EEST', 3 * 60],
  ['MSK', 3 * 60],
  ['SGT', 8 * 60],
  ['HKT', 8 * 60],
  ['JST', 9 * 60],
  ['KST', 9 * 60],
  ['AWST', 8 * 60],
  ['ACST', 9 * 60 + 30],
  ['ACDT', 10 * 60 + 30],
  ['AEST', 10 * 60],
  ['AEDT', 11 * 60],
  ['NZST', 12 * 60],
  ['NZDT', 13 * 60],
]);
const BEIJING_TIME = '北京时间';
const BEIJING_OFFSET = 8 * 60;

/** The word the tokenizer last stopped at (for "unknown time zone" messages); -1 when it stopped at none. */
let unknownFrom = -1;
let unknownTo = -1;
wordCodes.set('am', (AMPM << 4) | AM);
wordCodes.set('pm', (AMPM << 4) | PM);

// CJK markers by char code: 年月日号號 时時点點 分秒.
const cjkMarks = new Map<number, number>([
  [0x5e74, CJK_Y],
  [0x6708, CJK_M],
  [0x65e5, CJK_D],
  [0x53f7, CJK_D],
  [0x865f, CJK_D],
  [0x65f6, CJK_H],
  [0x6642, CJK_H],
  [0x70b9, CJK_H],
  [0x9ede, CJK_H],
  [0x5206, CJK_MIN],
  [0x79d2, CJK_S],
]);
// Parts of the day by their two char codes: 上午 早上 凌晨 → AM, 下午 晚上 傍晚 → PM, 中午 → noon.
const pairCode = (s: string) => s.charCodeAt(0) * 0x10000 + s.charCodeAt(1);
const cjkDayParts = new Map<number, number>(
  (
    [
      ['上午', AM],
      ['早上', AM],
      ['凌晨', AM],
      ['下午', PM],
      ['晚上', PM],
      ['傍晚', PM],
      ['中午', NOON],
    ] as const
  ).map(([word, part]) => [pairCode(word), part]),
);
const WEEK = 0x5468; // 周
const XINGQI = pairCode('星期');
const LIBAI = pairCode('礼拜');
const cjkWeekdayDigits = '一二三四五六日天';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function push(kind: number, value: number, len: number): boolean {
  if (count >= MAX_TOKENS) return false;
  kinds[count] = kind;
  vals[count] = value;
  lens[count] = len;
  count++;
  return true;
}

/** A run of spaces is one separator; a space next to another separator merges into it. */
function pushSpace(): boolean {
  return count === 0 || kinds[count - 1] === SEP || push(SEP, SPACE, 1);
}

/** Cuts folded, trimmed text into tokens; false on a character no date uses. */
function tokenize(s: string): boolean {
  count = 0;
  unknownFrom = -1;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      let v = 0;
      let j = i;
      do v = v * 10 + s.charCodeAt(j++) - 48;
      while (j < n && isDigit(s.charCodeAt(j)));
      if (j - i > 17 || !push(NUM, v, j - i)) return false;
      i = j;
    } else if (c === SPACE || c === TAB) {
      if (!pushSpace()) return false;
      i++;
    } else if (c === DASH || c === SLASH || c === DOT || c === COLON || c === COMMA || c === PLUS) {
      if (count > 0 && kinds[count - 1] === SEP && vals[count - 1] === SPACE) vals[count - 1] = c;
      else if (!push(SEP, c, 1)) return false;
      i++;
    } else if (isLetter(c)) {
      let j = i + 1;
      while (j < n && isLetter(s.charCodeAt(j))) j++;
      const word = s.slice(i, j);
      const code = wordCodes.get(word.toLowerCase());
      if (code === undefined) {
        // Zones only here, on a word that is nothing else: the fast paths never get this far.
        const zone = zoneOffsets.get(word.toUpperCase());
        if (zone === undefined) {
          unknownFrom = i;
          unknownTo = j;
          return false;
        }
        if (!push(ZONE, zone, 0)) return false;
        i = j;
        continue;
      }
      const kind = code >> 4;
      if (kind === ORDINAL) {
        // "1st": only straight after a number
        if (count === 0 || kinds[count - 1] !== NUM) return false;
      } else if (kind === AT) {
        if (!pushSpace()) return false;
      } else if (kind !== SKIP && !push(kind, code & 15, 0)) return false;
      i = j;
    } else {
      const pair = c * 0x10000 + s.charCodeAt(i + 1);
      const dayPart = cjkDayParts.get(pair);
      const mark = cjkMarks.get(c);
      if (dayPart !== undefined) {
        if (!push(AMPM, dayPart, 0)) return false;
        i += 2;
      } else if (c === WEEK && cjkWeekdayDigits.includes(s[i + 1] ?? '?')) i += 2;
      else if ((pair === XINGQI || pair === LIBAI) && cjkWeekdayDigits.includes(s[i + 2] ?? '?')) i += 3;
      else if (mark !== undefined) {
        if (!push(CJK, mark, 0)) return false;
        i++;
      } else if (s.startsWith(BEIJING_TIME, i)) {
        // Last: no common date text gets this far.
        if (!push(ZONE, BEIJING_OFFSET, 0)) return false;
        i += BEIJING_TIME.length;
      } else return false;
    }
  }
  if (count > 0 && kinds[count - 1] === SEP && vals[count - 1] === SPACE) count--;
  return true;
}

const numAt = (q: number, lo: number, hi: number) =>
  q < count && kinds[q] === NUM && (lens[q] ?? 0) >= lo && (lens[q] ?? 0) <= hi;
const kindAt = (q: number, kind: number) => q < count && kinds[q] === kind;
const cjkAt = (q: number, mark: number) => q < count && kinds[q] === CJK && vals[q] === mark;
const sepAt = (q: number) => (q < count && kinds[q] === SEP ? (vals[q] ?? 0) : 0);
const valAt = (q: number) => vals[q] ?? 0;
const skipSpace = (q: number) => (sepAt(q) === SPACE ? q + 1 : q);
const isDateSep = (x: number) => x === DASH || x === SLASH || x === DOT;
/** Skips one separator between the parts of a written-out date ("1 Dec, 2010", "01-Dec-2010"). */
const optSep = (q: number) => {
  const x = sepAt(q);
  return x === SPACE || x === COMMA || isDateSep(x) ? q + 1 : q;
};
const yearAt = (q: number) => numAt(q, 4, 4) || numAt(q, 2, 2);
/** A two-digit year: 00–69 → 2000s, 70–99 → 1900s. */
const yearOf = (q: number) => {
  const v = valAt(q);
  return lens[q] === 2 ? (v < 70 ? 2000 + v : 1900 + v) : v;
};

/**
 * Unix seconds of `text` (the folded, trimmed form of `raw`), or a failure
 * quoting `raw`. `order` resolves "1/2/2024"; dot-separated "1.2.2024" is
 * always day-first, as everywhere dots are used.
 */
export function parseDateText(raw: string, text: string, order: DateOrder): number | ParseFailure {
  if (!tokenize(text)) return unknownZone(raw, text, order) ?? failure('not a date', raw);
  let p = 0;
  // "北京时间 2024-03-01 14:05": a zone may lead.
  let leadingZone = NaN;
  if (kindAt(p, ZONE)) leadingZone = valAt(p++);
  while (sepAt(p) === SPACE || sepAt(p) === COMMA) p++;
  let y: number;
  let mo: number;
  let d: number;
  let h = 0;
  let mi = 0;
  let se = 0;
  let withTime = true;
  let hint: string | undefined;

  if (numAt(p, 4, 4) && cjkAt(p + 1, CJK_Y)) {
    // 2024年3月1日
    y = valAt(p);
    let q = skipSpace(p + 2);
    if (!numAt(q, 1, 2) || !cjkAt(q + 1, CJK_M)) return failure('not a date', raw);
    mo = valAt(q);
    q = skipSpace(q + 2);
    if (!numAt(q, 1, 2)) return failure('not a date', raw);
    d = valAt(q);
    p = cjkAt(q + 1, CJK_D) ? q + 2 : q + 1;
  } else if (numAt(p, 4, 4) && isDateSep(sepAt(p + 1))) {
    // 2024-3-1, 2024/03/01, 2024.03.01, 2010-Dec-01
    const x = sepAt(p + 1);
    if (!(numAt(p + 2, 1, 2) || kindAt(p + 2, MON)) || sepAt(p + 3) !== x || !numAt(p + 4, 1, 2)) {
      return failure('not a date', raw);
    }
    y = valAt(p);
    mo = valAt(p + 2);
    d = valAt(p + 4);
    p += 5;
  } else if (numAt(p, 1, 2)) {
    const a = valAt(p);
    const x = sepAt(p + 1);
    if (isDateSep(x) && numAt(p + 2, 1, 2) && sepAt(p + 3) === x && yearAt(p + 4)) {
      // 3/1/2024, 31/12/2024, 31.12.2024, 1-3-24
      const b = valAt(p + 2);
      const dayFirst = x === DOT || order === 'dmy';
      mo = dayFirst ? b : a;
      d = dayFirst ? a : b;
      if (mo > 12 && d <= 12) hint = dayFirst ? 'the column is read day-first' : 'the column is read month-first';
      y = yearOf(p + 4);
      p += 5;
    } else {
      // 1 December 2010, 01-Dec-2010, 1st Dec 2010
      let q = optSep(p + 1);
      if (!kindAt(q, MON)) return failure('not a date', raw);
      d = a;
      mo = valAt(q);
      q = optSep(q + 1);
      if (!yearAt(q)) return failure('not a date', raw);
      y = yearOf(q);
      p = q + 1;
    }
  } else if (kindAt(p, MON)) {
    // Dec 1, 2010; Mar-01-24 (eBay's order reports): a two-digit year only after a date separator
    mo = valAt(p);
    let q = optSep(p + 1);
    if (!numAt(q, 1, 2)) return failure('not a date', raw);
    d = valAt(q);
    const x = sepAt(q + 1);
    q = optSep(q + 1);
    if (!(numAt(q, 4, 4) || (isDateSep(x) && numAt(q, 2, 2)))) return failure('not a date', raw);
    y = yearOf(q);
    p = q + 1;
  } else if (numAt(p, 8, 8) || numAt(p, 12, 12) || numAt(p, 14, 14)) {
    // 20240301, 202403011405, 20240301140509
    let v = valAt(p);
    const len = lens[p] ?? 0;
    if (len === 14) {
      se = v % 100;
      v = Math.floor(v / 100);
    }
    if (len >= 12) {
      mi = v % 100;
      h = Math.floor(v / 100) % 100;
      v = Math.floor(v / 10000);
      withTime = false;
    }
    y = Math.floor(v / 10000);
    mo = Math.floor(v / 100) % 100;
    d = v % 100;
    p++;
  } else return failure('not a date', raw);

  let offsetMinutes = 0;
  if (withTime && p < count) {
    if (kindAt(p, TEE) || sepAt(p) === SPACE || sepAt(p) === COMMA) p++;
    let ampm = -1;
    if (kindAt(p, AMPM)) {
      ampm = valAt(p);
      p = skipSpace(p + 1);
    }
    if (!numAt(p, 1, 2)) return failure('not a date', raw);
    h = valAt(p++);
    if (sepAt(p) === COLON) {
      if (!numAt(p + 1, 1, 2)) return failure('not a date', raw);
      mi = valAt(p + 1);
      p += 2;
      if (sepAt(p) === COLON) {
        if (!numAt(p + 1, 1, 2)) return failure('not a date', raw);
        se = valAt(p + 1);
        p += 2;
        // Fractions of a second are dropped: times are whole seconds.
        if ((sepAt(p) === DOT || sepAt(p) === COMMA) && numAt(p + 1, 1, 17)) p += 2;
      }
    } else if (cjkAt(p, CJK_H)) {
      // 14时05分09秒, 下午2点
      p++;
      if (numAt(p, 1, 2)) {
        mi = valAt(p++);
        if (cjkAt(p, CJK_MIN)) {
          p++;
          if (numAt(p, 1, 2)) {
            se = valAt(p++);
            if (cjkAt(p, CJK_S)) p++;
          }
        }
      }
    } else if (ampm < 0 && !kindAt(skipSpace(p), AMPM)) return failure('not a date', raw);
    if (ampm < 0 && kindAt(skipSpace(p), AMPM)) {
      ampm = valAt(skipSpace(p));
      p = skipSpace(p) + 1;
    }
    if (ampm >= 0) {
      if (h > 12) {
        if (ampm === AM) return failure('not a date', raw);
      } else if (ampm === AM) {
        if (h === 12) h = 0;
      } else if (ampm === PM) {
        if (h < 12) h += 12;
      } else if (h < 11) h += 12; // 中午1点 is 13:00, 中午12点 is noon
    }
    // Zone: Z, UTC, GMT, +08:00, +0800, -05, GMT+8, PST, CET
    let q = skipSpace(p);
    if (kindAt(q, UTC)) p = q = q + 1;
    const sign = sepAt(q);
    if (kindAt(q, ZONE)) {
      offsetMinutes = valAt(q);
      p = q + 1;
    } else if (sign === PLUS || sign === DASH) {
      let zh: number;
      let zm = 0;
      if (numAt(q + 1, 4, 4)) {
        zh = Math.floor(valAt(q + 1) / 100);
        zm = valAt(q + 1) % 100;
        p = q + 2;
      } else if (numAt(q + 1, 1, 2)) {
        zh = valAt(q + 1);
        p = q + 2;
        if (sepAt(p) === COLON && numAt(p + 1, 2, 2)) {
          zm = valAt(p + 1);
          p += 2;
        }
      } else return failure('not a date', raw);
      if (zh > 14 || zm > 59) return failure('not a date', raw);
      offsetMinutes = (sign === DASH ? -1 : 1) * (zh * 60 + zm);
    }
  }
  if (leadingZone === leadingZone) {
    if (offsetMinutes !== 0) return failure('not a date', raw, 'two time zones');
    offsetMinutes = leadingZone;
  }
  if (p !== count) return failure('not a date', raw);
  if (y < MIN_YEAR || y > MAX_YEAR) return failure(`year outside ${MIN_YEAR}–${MAX_YEAR}`, raw);
  const seconds = utcSeconds(y, mo, d, h, mi, se);
  if (Number.isNaN(seconds)) return failure('not a date', raw, hint);
  return seconds - offsetMinutes * 60;
}

const zoneLike = /^[A-Z]{2,5}$/;

/**
 * "2024-03-01 10:00 XYZ": a date and time that read well up to an upper-case word at the end is taken for a
 * zone we do not know, and the failure names it; undefined when the text fails for another reason.
 */
function unknownZone(raw: string, text: string, order: DateOrder): ParseFailure | undefined {
  if (unknownFrom <= 0 || unknownTo !== text.length) return undefined;
  const word = text.slice(unknownFrom, unknownTo);
  const before = text.slice(0, unknownFrom).trimEnd();
  if (!zoneLike.test(word) || !before.includes(':')) return undefined;
  if (typeof parseDateText(raw, before, order) !== 'number') return undefined;
  return failure('not a date', raw, `unknown time zone "${word}"`);
}
