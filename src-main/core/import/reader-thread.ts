/**
 * The reading half's worker thread (row-worker.ts), started before the import
 * knows what to read: a thread boots and loads its modules in ~0.2 s, which
 * overlaps the job thread's own start and the import's planning when the
 * thread is started first thing. It reads once it is given its setup.
 * Kept apart from row-stream.ts so that starting it loads nothing else.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../util/worker-entry.ts';
import type { FromReader, ToReader } from './row-worker.ts';
import type { RowStageSetup } from './rows.ts';

/** Files from this size up are read on their own thread. */
export const THREAD_MIN_BYTES = 2 * 1024 * 1024;

export class ReaderThread {
  readonly inbox: FromReader[] = [];
  failure: Error | null = null;
  exitCode: number | null = null;
  private notify: (() => void) | null = null;
  private stopping = false;
  private readonly worker: Worker;

  private constructor(url: URL) {
    // A roomy young generation lets batches waiting for the writer die young instead of being
    // promoted, and a capped old space keeps the reader's heap from growing lazily: together they
    // took a reading-only run from 280 to 200 MB RSS at the same CPU time. Text readers hold a
    // batch or two at a time, far below the cap; XLSX (shared strings in memory) reads inline.
    this.worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 128 } });
    // Listening from the start: a thread that fails or ends before it is used is seen, not lost.
    this.worker.on('message', (m: FromReader) => {
      this.inbox.push(m);
      this.wake();
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      this.wake();
    });
    this.worker.on('exit', (code) => {
      this.exitCode = code;
      this.wake();
    });
  }

  /** A thread, or null where no worker file ships (the caller then reads on its own thread). */
  static start(): ReaderThread | null {
    const url = workerEntry(import.meta.url, 'row-worker.ts', 'import-row-worker.js');
    return url ? new ReaderThread(url) : null;
  }

  /** Starts reading. */
  read(setup: RowStageSetup): void {
    this.send({ type: 'setup', setup });
  }

  send(m: ToReader): void {
    this.worker.postMessage(m);
  }

  /** Resolves when a message, an error or the exit has come. */
  next(): Promise<void> {
    if (this.inbox.length > 0 || this.failure !== null || this.exitCode !== null) return Promise.resolve();
    return new Promise<void>((r) => (this.notify = r));
  }

  /** Ends the thread (asked to stop first, so it leaves its loop cleanly if it is reading); again is a no-op. */
  async stop(): Promise<void> {
    if (this.exitCode !== null || this.stopping) return;
    this.stopping = true;
    this.send({ type: 'stop' });
    await this.worker.terminate();
  }

  private wake(): void {
    this.notify?.();
    this.notify = null;
  }
}
