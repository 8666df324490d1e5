/**
 * The calling side of a kept helper thread, as the parallel fits (k-means, implicit ALS) use one: the helper
 * starts on first use and is kept (unref'd) so its compiled kernels stay warm from fit to fit. Each fit posts its
 * SharedArrayBuffers once and then drives the helper through a small control Int32Array with Atomics — bump GEN,
 * wait for DONE — with no message per command. Both threads claim chunks from NEXT, so one the OS holds back just
 * does fewer. The helper's side of the protocol is helper-thread-loop.ts.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Control words every helper has (Int32Array indices); a kind's own words start at HELPER_WORDS. */
export const GEN = 0; // bumped by the caller for every command
export const CMD = 1;
export const DONE = 2; // the GEN the helper finished last
export const FAILED = 3; // 1 when the helper threw
export const READY = 4; // 1 once the helper runs
export const NEXT = 5; // the next chunk to claim: both threads take chunks from it until they run out
export const HELPER_WORDS = 6;

/** Commands every helper knows; a kind's own commands are 2 and up in the low bits, its flags above them. */
export const CMD_RELEASE = 0; // drop the fit's buffers
export const CMD_SETUP = 1; // map the buffers just posted on the port

// How long to wait for a helper that has not started before going on without it.
const START_TIMEOUT_MS = 10_000;

/** One kept helper thread, held by at most one fit at a time. */
export interface HelperThread {
  readonly ctrl: Int32Array;
  readonly worker: Worker;
  readonly port: MessagePort;
  /** The last GEN issued. */
  gen: number;
  busy: boolean;
}

/** The helper of one kind (one worker entry), per process: started on first use, never restarted once it broke. */
export class KeptHelper {
  readonly #name: string;
  readonly #words: number;
  #helper: HelperThread | null = null;
  #broken = false;

  /** `name` goes into the error a failed helper raises; `words` is the size of the kind's control array. */
  constructor(name: string, words: number) {
    this.#name = name;
    this.#words = words;
  }

  /** The helper for one fit; null when it broke before or another fit holds it (that fit then runs alone). */
  take(url: URL): HelperThread | null {
    if (this.#broken) return null;
    if (!this.#helper) {
      const ctrl = new Int32Array(new SharedArrayBuffer(this.#words * 4));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(url, { workerData: { ctrl: ctrl.buffer, port: port2 }, transferList: [port2] });
      const h: HelperThread = { worker, ctrl, port: port1, gen: 0, busy: false };
      // A helper that fails or ends is not used again; a start that never happens is caught by START_TIMEOUT_MS.
      worker.on('error', () => this.#drop(h));
      worker.on('exit', () => this.#drop(h));
      worker.unref();
      port1.unref();
      this.#helper = h;
    }
    if (this.#helper.busy) return null;
    this.#helper.busy = true;
    return this.#helper;
  }

  /** Posts a fit's buffers and has the helper map them; false (helper given back) if it never started. */
  setup(h: HelperThread, buffers: unknown): boolean {
    // Posted before GEN moves, so the helper finds it queued; not awaited here — it maps them while the caller goes on.
    h.port.postMessage(buffers);
    if (this.command(h, CMD_SETUP)) return true;
    h.busy = false;
    return false;
  }

  /** Issues a command once the previous one is acknowledged; false if the helper never started. */
  command(h: HelperThread, cmd: number): boolean {
    if (!this.settle(h)) return false;
    // Chunks are claimed from 0 again; the helper holds none now (it acknowledged), and reads NEXT only after GEN moves.
    Atomics.store(h.ctrl, NEXT, 0);
    Atomics.store(h.ctrl, CMD, cmd);
    h.gen = Atomics.add(h.ctrl, GEN, 1) + 1;
    Atomics.notify(h.ctrl, GEN);
    return true;
  }

  /** Waits until the helper acknowledged the last command; false (and the helper dropped) if it never started. */
  settle(h: HelperThread): boolean {
    const { ctrl } = h;
    while (Atomics.load(ctrl, DONE) !== h.gen) {
      const seen = Atomics.load(ctrl, DONE);
      if (Atomics.wait(ctrl, DONE, seen, START_TIMEOUT_MS) === 'timed-out' && Atomics.load(ctrl, READY) === 0) {
        this.#drop(h);
        return false;
      }
    }
    if (Atomics.load(ctrl, FAILED) !== 0) {
      this.#drop(h);
      throw new Error(`${this.#name} helper thread failed`);
    }
    return true;
  }

  /** Ends a fit's hold: the helper drops that fit's buffers so they can be freed; the next fit waits for it. */
  giveBack(h: HelperThread): void {
    h.busy = false;
    if (this.#helper === h) this.command(h, CMD_RELEASE);
  }

  #drop(h: HelperThread): void {
    this.#broken = true;
    if (this.#helper === h) this.#helper = null;
    void h.worker.terminate();
  }
}
