/**
 * Row batches for the importer: read on a worker thread for big text files,
 * so that parsing and converting overlap with SQLite's writing on another
 * core; on the calling thread for small files (a thread costs more than it
 * saves), for XLSX, and where no worker file ships.
 */
import { statSync } from 'node:fs';
import { ReaderThread, THREAD_MIN_BYTES } from './reader-thread.ts';
import { readRows, type RowBatch, type RowStageSetup } from './rows.ts';
import { ImportError } from './types.ts';

export { THREAD_MIN_BYTES };

/**
 * The file's row batches in order. Stopping early (a cancel, an error while
 * writing) ends the reader: the generator's cleanup stops the worker.
 * `started` is a reader thread started ahead (see reader-thread.ts); it is
 * used when the file is read on a thread, and stopped otherwise. `onEnd`
 * gets the file's hash where the reading took it (see readRows).
 */
export function rowBatches(
  setup: RowStageSetup,
  isCancelled: () => boolean,
  started: ReaderThread | null = null,
  onEnd: (fileHash: string | null) => void = () => {},
): AsyncGenerator<RowBatch> {
  const threaded = setup.format !== 'xlsx' && statSync(setup.path).size >= THREAD_MIN_BYTES;
  if (!threaded) {
    void started?.stop();
    return readRows(setup, isCancelled, onEnd);
  }
  const reader = started ?? ReaderThread.start();
  return reader ? threadBatches(reader, setup, onEnd) : readRows(setup, isCancelled, onEnd);
}

async function* threadBatches(
  reader: ReaderThread,
  setup: RowStageSetup,
  onEnd: (fileHash: string | null) => void,
): AsyncGenerator<RowBatch> {
  try {
    reader.read(setup);
    for (;;) {
      const m = await reader.next();
      if (m?.type === 'batch') {
        yield m.batch;
        reader.send({ type: 'ack' });
        continue;
      }
      if (m?.type === 'done') {
        onEnd(m.fileHash);
        return;
      }
      if (m?.type === 'error') {
        if (m.name === 'ImportError') throw new ImportError(m.message);
        const e = new Error(`reading ${setup.path} failed: ${m.message}`);
        e.stack = m.stack;
        throw e;
      }
      if (reader.failure) throw new ImportError(`reading ${setup.path} failed: ${reader.failure.message}`);
      throw new ImportError(`reading ${setup.path} stopped unexpectedly (reader thread exit code ${reader.exitCode})`);
    }
  } finally {
    await reader.stop();
  }
}
