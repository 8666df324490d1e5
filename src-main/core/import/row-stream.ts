/**
 * Row batches for the importer: read on a worker thread for big text files,
 * so that parsing and converting overlap with SQLite's writing on another
 * core; on the calling thread for small files (a thread costs more than it
 * saves), for XLSX, and where no worker file ships.
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FromReader, ToReader } from './row-worker.ts';
import { readRows, type RowBatch, type RowStageSetup } from './rows.ts';
import { ImportError } from './types.ts';
import { workerEntry } from '../util/worker-entry.ts';

/** Files from this size up are read on their own thread. */
export const THREAD_MIN_BYTES = 2 * 1024 * 1024;

const rowWorkerUrl = () => workerEntry(import.meta.url, 'row-worker.ts', 'import-row-worker.js');

/**
 * The file's row batches in order. Stopping early (a cancel, an error while
 * writing) ends the reader: the generator's cleanup stops the worker.
 */
export function rowBatches(setup: RowStageSetup, isCancelled: () => boolean): AsyncGenerator<RowBatch> {
  const threaded = setup.format !== 'xlsx' && statSync(setup.path).size >= THREAD_MIN_BYTES;
  const url = threaded ? rowWorkerUrl() : null;
  return url ? threadBatches(url, setup) : readRows(setup, isCancelled);
}

async function* threadBatches(url: URL, setup: RowStageSetup): AsyncGenerator<RowBatch> {
  // A roomy young generation lets batches waiting for the writer die young instead of being
  // promoted, and a capped old space keeps the reader's heap from growing lazily: together they
  // took a reading-only run from 280 to 200 MB RSS at the same CPU time. Text readers hold a
  // batch or two at a time, far below the cap; XLSX (shared strings in memory) reads inline.
  const worker = new Worker(url, {
    workerData: setup,
    resourceLimits: { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 128 },
  });
  const inbox: FromReader[] = [];
  let failure: Error | null = null;
  let exitCode: number | null = null;
  let notify: (() => void) | null = null;
  const wake = () => {
    notify?.();
    notify = null;
  };
  worker.on('message', (m: FromReader) => {
    inbox.push(m);
    wake();
  });
  worker.on('error', (e) => {
    failure = e;
    wake();
  });
  worker.on('exit', (code) => {
    exitCode = code;
    wake();
  });
  const send = (m: ToReader) => worker.postMessage(m);
  try {
    for (;;) {
      while (inbox.length === 0 && failure === null && exitCode === null) await new Promise<void>((r) => (notify = r));
      const m = inbox.shift();
      if (m?.type === 'batch') {
        yield m.batch;
        send({ type: 'ack' });
        continue;
      }
      if (m?.type === 'done') return;
      if (m?.type === 'error') {
        if (m.name === 'ImportError') throw new ImportError(m.message);
        const e = new Error(`reading ${setup.path} failed: ${m.message}`);
        e.stack = m.stack;
        throw e;
      }
      if (failure) throw new ImportError(`reading ${setup.path} failed: ${(failure as Error).message}`);
      throw new ImportError(`reading ${setup.path} stopped unexpectedly (reader thread exit code ${exitCode})`);
    }
  } finally {
    if (exitCode === null) {
      send({ type: 'stop' });
      await worker.terminate();
    }
  }
}
