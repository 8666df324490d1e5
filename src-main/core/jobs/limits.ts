/**
 * V8 heap limits for a job's worker thread. Memory must stay flat whatever the workspace or file size, and V8's
 * defaults are sized for throughput: a busy thread's young generation grows to 128 MB, and dead objects promoted out
 * of it may pile up in old space until the heap nears a limit meant for a whole process.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ResourceLimits } from 'node:worker_threads';

/** Row-at-a-time work gains nothing from a bigger young generation. */
const YOUNG_MB = 24;

/**
 * An import of a text file holds little: key caches of bounded size (customers, products, orders: at most
 * 200,000 keys each, about 60 MB at worst) and a batch or two of rows. What fills its old space is garbage,
 * rows that lived through two scavenges while SQLite wrote them. A cap makes V8 collect it sooner: peak RSS of
 * a 1,000,000-line import fell from 280–325 MB to about 268 MB (245 MB with the import's smaller page cache,
 * importer.ts), at the same CPU time; a file of 1M distinct customers and SKUs, the caches full, still imports.
 */
const IMPORT_OLD_MB = 128;

export function workerResourceLimits(kind: string, params: unknown): ResourceLimits {
  if (kind === 'import' && !readsXlsx(params)) {
    return { maxYoungGenerationSizeMb: YOUNG_MB, maxOldGenerationSizeMb: IMPORT_OLD_MB };
  }
  return { maxYoungGenerationSizeMb: YOUNG_MB };
}

/**
 * XLSX is read on the job thread with the workbook's shared strings in memory, as much as the file holds:
 * no cap there. Told by the format option or by the file's first bytes (a ZIP), whatever its name.
 */
function readsXlsx(params: unknown): boolean {
  const { path, format } = (params ?? {}) as { path?: unknown; format?: unknown };
  if (format === 'xlsx') return true;
  if (typeof path !== 'string') return true; // unknown: the safe side
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50; // "PK\3\4"
    } finally {
      closeSync(fd);
    }
  } catch {
    return true; // the import itself reports the unreadable file
  }
}
