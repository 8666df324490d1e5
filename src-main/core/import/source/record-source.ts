/** Wraps a format reader's batches into a RecordSource: header first, then one pass, always closed. */

import { namedFieldCount } from '../fields.ts';
import type { Cell, RawRecord, RecordSource, SourceInfo } from '../types.ts';
import { ImportError } from '../types.ts';
import { slices } from './batches.ts';
import { makeHeader, withGroups } from './header.ts';
import { StepGate } from './step-gate.ts';

export interface SourceParts {
  info: SourceInfo;
  /** Records already read while working out the header. */
  pending: RawRecord[];
  /** The remaining batches. */
  rest: AsyncIterator<RawRecord[]>;
  /** File name for messages. */
  label: string;
  bytesRead: () => number;
  /** Releases the file; called once. */
  release: () => Promise<void>;
  /** Turns a reader's failure into the message the user sees (default: "Could not read …"). */
  describeError?: (error: unknown) => ImportError;
}

export function createRecordSource(parts: SourceParts): RecordSource {
  // Only these are kept: holding `parts` would keep its first batch alive for the whole import.
  const { info, rest, label, bytesRead, describeError } = parts;
  const releaseFile = parts.release;
  let pending: RawRecord[] = parts.pending;
  let started = false;
  let closed = false;
  let inFlight = false;
  let released: Promise<void> | null = null;
  // A cancel must not wait for a read in progress: close() ends the pending step.
  const gate = new StepGate();

  const release = (): Promise<void> => {
    released ??= (async () => {
      if (!inFlight) await rest.return?.().catch(() => {});
      await releaseFile();
    })();
    return released;
  };

  async function* batches(): AsyncGenerator<RawRecord[]> {
    if (started) throw new Error('RecordSource.batches() can be iterated only once');
    started = true;
    try {
      const first = pending;
      pending = [];
      for (const batch of slices(first)) {
        if (closed) return;
        yield batch;
      }
      while (!closed) {
        inFlight = true;
        const step = await gate.wait(rest.next());
        inFlight = step === null;
        if (step === null || step.done || closed) return;
        if (step.value.length > 0) yield step.value;
      }
    } catch (error) {
      if (closed) return; // errors after a cancel are the cancel's echo
      throw describeError ? describeError(error) : asImportError(error, label);
    } finally {
      await release();
    }
  }

  return {
    info,
    batches,
    bytesRead,
    close: async () => {
      closed = true;
      gate.stop();
      await release();
    },
  };
}

/**
 * Takes the header from the first record, unless `columns` names them; in both
 * cases reads the first batch now so that an unreadable file fails at open.
 */
export async function splitHeader(
  batches: AsyncIterator<RawRecord[]>,
  columns: string[] | undefined,
  label: string,
): Promise<{ header: string[]; hasHeader: boolean; pending: RawRecord[] }> {
  let first: RawRecord[] = [];
  for (;;) {
    const step = await batches.next();
    if (step.done) break;
    if (step.value.length > 0) {
      first = step.value;
      break;
    }
  }
  if (columns !== undefined) return { header: makeHeader(columns), hasHeader: false, pending: first };
  let at = headerRow(first);
  // Group labels above the names ("Order,,,Customer,,"): the row below is the header when it names more fields.
  const groups = first[at];
  const names = first[at + 1];
  const grouped = !!groups && !!names && isGroupRow(groups.values, names.values);
  if (grouped) at++;
  const head = first[at];
  if (!head) throw new ImportError(`"${label}" contains no data: not even a header row.`);
  const header = makeHeader(grouped ? withGroups(head.values, groups.values) : head.values);
  return { header, hasHeader: true, pending: first.slice(at + 1) };
}

/**
 * Whether `row` holds group labels over the header `next`: labels that leave gaps (merged cells: "Order,,,Customer")
 * or repeat ("Order,Order,Customer,Customer"), over a row of words (no figures) that fills at least as many cells
 * and names more of our fields, at least two.
 */
function isGroupRow(row: readonly Cell[], next: readonly Cell[]): boolean {
  const labels = row.filter(isFilled).map((v) => String(v).trim().toLowerCase());
  const filled = labels.length;
  if (filled === 0 || next.filter(isFilled).length < filled) return false;
  const gaps = !row.slice(0, filled).every(isFilled);
  const repeats = new Set(labels).size < filled;
  if (!gaps && !repeats) return false;
  // Names are words: a row with a number or a date in it is data ("Order" and "paid" may be values too).
  if (next.some(isFigure)) return false;
  const named = namedFieldCount(next);
  return named >= 2 && named > namedFieldCount(row);
}

/** Rows looked at to find the header, and title rows skipped at most. */
const HEADER_SCAN = 12;
/** A title row fills at most this many cells ("Store: …", "Period: …", "Currency: …"). */
const TITLE_CELLS = 3;

/**
 * Where the header is: reports exported from a shop's back office often open with a title and a date line
 * ("Sales report, March 2024") above the table. Such a row fills a few cells from the left, fewer than half of
 * what the table's rows fill; a header names (nearly) every column, so it is the first row not like that.
 */
function headerRow(rows: readonly RawRecord[]): number {
  const scanned = rows.slice(0, HEADER_SCAN);
  const filled = scanned.map((r) => r.values.filter(isFilled).length);
  let at = 0;
  for (; at < filled.length - 1; at++) {
    const below = filled.slice(at + 1).sort((a, b) => a - b);
    const typical = below[below.length >> 1]!;
    const n = filled[at]!;
    // Filled from the left only: "id,,,,,,name" is a header with unnamed columns, not a title.
    const leftAligned = scanned[at]!.values.slice(0, n).every(isFilled);
    if (n > TITLE_CELLS || n * 2 >= typical || !leftAligned) break;
  }
  return at;
}

const figure = /^[-\s\d.,:/+]*\d[-\s\d.,:/+]*$/;
const isFigure = (v: Cell) => typeof v === 'number' || v instanceof Date || (typeof v === 'string' && figure.test(v));
const isFilled = (v: unknown) => v !== null && v !== undefined && String(v).trim() !== '';

export function asImportError(error: unknown, label: string): ImportError {
  if (error instanceof ImportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ImportError(`Could not read "${label}": ${message}`);
}
