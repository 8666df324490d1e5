/**
 * The reading half's worker thread (row-worker.ts), started before the import
 * knows what to read: a thread boots and loads its modules in ~0.2 s, which
 * overlaps the job thread's own start and the import's planning when the
 * thread is started first thing. It reads once it is given its setup.
 * Kept apart from row-stream.ts so that starting it loads nothing else.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { workerEntry } from '../util/worker-entry.ts';
import type { FromReader, ToReader } from './row-worker.ts';
import type { RowStageSetup } from './rows.ts';

/** Files from this size up are read on their own thread. */
export const THREAD_MIN_BYTES = 2 * 1024 * 1024;

/**
 * What the thread hands over: its batches on a channel of their own, and a shared counter it bumps after each.
 * The importing thread takes a waiting batch synchronously (`receiveMessageOnPort`) as soon as it has written the
 * last one. A 'message' event would come only at the next turn of its event loop, ~0.5 ms after the batch was
 * there; on a 1M-line file (~330 batches) that was a sixth of a second of the writer idling.
 */
export interface ReaderChannel {
  port: MessagePort;
  posted: Int32Array;
}

export class ReaderThread {
  failure: Error | null = null;
  exitCode: number | null = null;
  private stopping = false;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** Bumped by the thread after each message on `port`, and here when the thread fails or exits. */
  private readonly posted = new Int32Array(new SharedArrayBuffer(4));

  private constructor(url: URL) {
    // A roomy young generation lets batches waiting for the writer die young instead of being
    // promoted, and a capped old space keeps the reader's heap from growing lazily: together they
    // took a reading-only run from 280 to 200 MB RSS at the same CPU time. Text readers hold a
    // batch or two at a time, far below the cap; XLSX (shared strings in memory) reads inline.
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const channel: ReaderChannel = { port: port2, posted: this.posted };
    this.worker = new Worker(url, {
      workerData: channel,
      transferList: [port2],
      resourceLimits: { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 128 },
    });
    // Listening from the start: a thread that fails or ends before it is used is seen, not lost.
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

  /** The next message, or null once the thread has failed or exited without one. */
  async next(): Promise<FromReader | null> {
    for (;;) {
      const seen = Atomics.load(this.posted, 0);
      const m = receiveMessageOnPort(this.port);
      if (m) return m.message as FromReader;
      if (this.failure !== null || this.exitCode !== null) return null;
      // Nothing yet: sleep until the counter moves past what was seen (at once if it already has).
      const wait = Atomics.waitAsync(this.posted, 0, seen);
      if (wait.async) await wait.value;
    }
  }

  /** Ends the thread (asked to stop first, so it leaves its loop cleanly if it is reading); again is a no-op. */
  async stop(): Promise<void> {
    if (this.exitCode !== null || this.stopping) return;
    this.stopping = true;
    this.send({ type: 'stop' });
    await this.worker.terminate();
    this.port.close();
  }

  private wake(): void {
    Atomics.add(this.posted, 0, 1);
    Atomics.notify(this.posted, 0);
  }
}
