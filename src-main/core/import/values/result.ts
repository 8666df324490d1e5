/**
 * The outcome of reading one cell. Parsers run once per cell on millions of
 * rows, so they never throw: they return the value, `null` for a missing cell
 * (empty, "NULL", "N/A", …), or a `ParseFailure` carrying the reason the user
 * sees next to the row. Failures are rare, so allocating one is fine.
 */
import type { Cell } from '../types.ts';

export class ParseFailure {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** A parsed cell: the value, `null` when missing, or a failure. */
export type Parsed<T> = T | null | ParseFailure;

export function isFailure(value: unknown): value is ParseFailure {
  return value instanceof ParseFailure;
}

const MAX_QUOTED = 40;

/** The cell as shown in a reason: quoted, shortened, Dates as ISO. */
export function quote(cell: Cell): string {
  let text: string;
  if (cell instanceof Date) text = Number.isNaN(cell.getTime()) ? 'Invalid Date' : cell.toISOString();
  else text = String(cell);
  if (text.length > MAX_QUOTED) text = `${text.slice(0, MAX_QUOTED - 1)}…`;
  return JSON.stringify(text);
}

/** `what: "cell"`, with an optional hint after it. */
export function failure(what: string, cell: Cell, hint?: string): ParseFailure {
  return new ParseFailure(hint ? `${what}: ${quote(cell)} (${hint})` : `${what}: ${quote(cell)}`);
}
