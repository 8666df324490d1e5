/** Keyed JSON records → rows under one header: the union of keys of the first records. */

import type { RawRecord } from '../types.ts';
import { ImportError } from '../types.ts';
import { makeHeader } from './header.ts';
import { KeyedColumns } from './json-values.ts';
import type { KeyedRecord } from './json-values.ts';

/** Records whose keys make the header; they are held in memory until the header is known. */
export const HEADER_SAMPLE = 1000;

export async function keyedToRows(
  records: AsyncGenerator<KeyedRecord[]>,
  columns: string[] | undefined,
  label: string,
): Promise<{ header: string[]; hasHeader: boolean; pending: RawRecord[]; rest: AsyncGenerator<RawRecord[]> }> {
  const buffered: KeyedRecord[] = [];
  while (buffered.length < HEADER_SAMPLE) {
    const step = await records.next();
    if (step.done) break;
    for (const record of step.value) buffered.push(record);
  }
  if (buffered.length === 0 && columns === undefined) throw new ImportError(`"${label}" contains no records.`);
  const keys = new KeyedColumns(columns);
  if (columns === undefined) for (const record of buffered.slice(0, HEADER_SAMPLE)) keys.learn(record);

  async function* rest(): AsyncGenerator<RawRecord[]> {
    for await (const batch of records) yield batch.map((record) => keys.toRecord(record));
  }
  return {
    header: makeHeader(keys.keys),
    hasHeader: columns === undefined,
    pending: buffered.map((record) => keys.toRecord(record)),
    rest: rest(),
  };
}
