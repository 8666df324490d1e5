/** Proleptic Gregorian calendar arithmetic in UTC, without Date objects. */

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

export function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const monthDays = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : (monthDays[m] ?? 0);
}

/** Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Unix seconds of a wall-clock reading taken as UTC; NaN when the fields are
 * no real date and time (month 13, Feb 30, hour 24, minute 60). The year
 * range is the caller's check, so it can say why.
 */
export function utcSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return NaN;
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/** First and last second of the accepted years, 1900-01-01 to 2100-12-31 23:59:59. */
export const MIN_SECONDS = daysFromCivil(MIN_YEAR, 1, 1) * 86400;
export const MAX_SECONDS = daysFromCivil(MAX_YEAR + 1, 1, 1) * 86400 - 1;
