/** NDJSON / JSON Lines: one object per physical line; a bad line becomes a record with an error. */

import { MIN_BATCH, slices } from './batches.ts';
import { flattenObject, isPlainObject } from './json-values.ts';
import type { KeyedRecord } from './json-values.ts';
import { LineSplitter } from './line-splitter.ts';

export async function* ndjsonRecords(text: AsyncIterable<string>): AsyncGenerator<KeyedRecord[]> {
  let out: KeyedRecord[] = [];
  const lines = new LineSplitter((line, n) => {
    if (line.trim().length > 0) out.push(parseLine(line, n));
  });
  for await (const chunk of text) {
    lines.push(chunk);
    if (out.length >= MIN_BATCH) {
      yield* slices(out);
      out = [];
    }
  }
  lines.end();
  yield* slices(out);
}

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/** Keeps integers beyond 2^53 (order ids) exact, as text; JSON.parse would round them. */
const keepBigIntegers: Reviver = (_key, value, context) =>
  typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)
    ? context.source
    : value;

export function parseLine(text: string, line: number): KeyedRecord {
  let value: unknown;
  try {
    // The reviver costs time: only for lines that have a long run of digits.
    value = /\d{16}/.test(text)
      ? JSON.parse(text, keepBigIntegers as Parameters<typeof JSON.parse>[1])
      : JSON.parse(text);
  } catch (error) {
    return { line, fields: null, error: `invalid JSON: ${jsonMessage((error as Error).message)}` };
  }
  if (!isPlainObject(value)) return { line, fields: null, error: 'not a JSON object' };
  return { line, fields: flattenObject(value) };
}

/** V8's "… in JSON at position 1 (line 1 column 2)" counts within the line; the record's line is known already. */
function jsonMessage(message: string): string {
  return message.replace(
    / in JSON at position (\d+)(?: \(line \d+ column (\d+)\))?/,
    (_m, position: string, column?: string) => ` at column ${column ?? Number(position) + 1}`,
  );
}
