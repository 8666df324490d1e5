/** Decoded text → batches of records, for delimited and whitespace-separated files. */

import type { RawRecord } from '../types.ts';
import { MIN_BATCH, slices } from './batches.ts';
import { DelimitedParser } from './delimited-parser.ts';
import { LineSplitter } from './line-splitter.ts';

export async function* delimitedRecords(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<RawRecord[]> {
  const parser = new DelimitedParser(delimiter);
  for await (const chunk of text) {
    parser.push(chunk);
    if (parser.pending >= MIN_BATCH) yield* slices(parser.take());
  }
  parser.end();
  yield* slices(parser.take());
}

/** Columns separated by runs of spaces or tabs (fixed-width dumps like CDNOW); no quoting. */
export async function* whitespaceRecords(text: AsyncIterable<string>): AsyncGenerator<RawRecord[]> {
  let out: RawRecord[] = [];
  const lines = new LineSplitter((line, n) => {
    const trimmed = line.trim();
    if (trimmed.length > 0) out.push({ line: n, values: trimmed.split(/\s+/) });
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
