/** Wraps a format reader's batches into a RecordSource: header first, then one pass, always closed. */

import type { RawRecord, RecordSource, SourceInfo } from '../types.ts';
import { ImportError } from '../types.ts';
import { slices } from './batches.ts';
import { makeHeader } from './header.ts';
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
  const head = first[0];
  if (!head) throw new ImportError(`"${label}" contains no data: not even a header row.`);
  return { header: makeHeader(head.values), hasHeader: true, pending: first.slice(1) };
}

export function asImportError(error: unknown, label: string): ImportError {
  if (error instanceof ImportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ImportError(`Could not read "${label}": ${message}`);
}
