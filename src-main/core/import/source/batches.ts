/** Batch sizes: big enough to keep async iteration off the hot path, small enough for smooth progress. */

export const MIN_BATCH = 1000;
export const MAX_BATCH = 5000;

/** Splits a run of records into batches of at most MAX_BATCH. */
export function* slices<T>(records: T[]): Generator<T[]> {
  if (records.length <= MAX_BATCH) {
    if (records.length > 0) yield records;
    return;
  }
  for (let i = 0; i < records.length; i += MAX_BATCH) yield records.slice(i, i + MAX_BATCH);
}
