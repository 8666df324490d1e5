/**
 * Threads for prompt batches and for single-token decode steps, chosen separately, the decode count by timing.
 *
 * A prompt batch is hundreds of tokens of matrix work: every physical core pays off. A decode step of a small model
 * is a few milliseconds, and node-llama-cpp runs each one through a new ggml thread pool (it never attaches a
 * persistent one, as llama-bench does) plus two hops between the JS thread and the libuv worker: on a 2-core laptop
 * or VM, 2 decode threads ran at 75 tok/s where 1 ran at 97 (llama-bench: 107 and 128). For a 7B model the decode
 * step is long and more threads win again. Which count wins depends on the model, the machine and whatever else is
 * running, so the tuner measures it: a block of decode steps at each candidate, one after the other (so the growing
 * context costs them alike), then the faster one, re-checked now and then because the other work comes and goes.
 */

/** The parts of node-llama-cpp's native context object this needs (`LlamaContext._ctx`, not a public API). */
interface NativeContext {
  initBatch(size: number): unknown;
  setThreads(threads: number): unknown;
  decodeBatch(): Promise<unknown>;
  getThreads(): number;
}

export interface DecodeThreadTunerOptions {
  /** Threads for batches of more than one token. */
  promptThreads: number;
  /** Decode thread counts to choose between (e.g. [1, physical cores]); one candidate means no tuning. */
  candidates: number[];
  /** Decode steps timed per candidate in one exploration round. */
  probeSteps?: number;
  /** Decode steps between exploration rounds. */
  exploitSteps?: number;
}

/** A candidate with fewer threads is kept unless a larger count is at least this much faster (it frees a core). */
const MARGIN = 0.05;

/** The choice logic, apart from node-llama-cpp so it can be tested on its own. */
export class DecodeThreadTuner {
  readonly promptThreads: number;
  readonly candidates: readonly number[];
  readonly #probeSteps: number;
  readonly #exploitSteps: number;
  #choice: number;
  /** Steps left in the current exploitation stretch; 0 starts an exploration round. */
  #exploitLeft = 0;
  /** The current round's total milliseconds and steps per candidate index; null while exploiting. */
  #probe: { ms: number; steps: number }[] | null = null;
  #probeStep = 0;
  #round = 0;
  /** Decode steps per thread count since the last `takeMostUsed`. */
  #counts = new Map<number, number>();

  constructor(options: DecodeThreadTunerOptions) {
    this.promptThreads = Math.max(1, options.promptThreads);
    const candidates = [...new Set(options.candidates.map((c) => Math.max(1, Math.floor(c))))].sort((a, b) => a - b);
    this.candidates = candidates.length > 0 ? candidates : [this.promptThreads];
    this.#probeSteps = options.probeSteps ?? 16;
    this.#exploitSteps = options.exploitSteps ?? 384;
    this.#choice = this.candidates[this.candidates.length - 1]!;
  }

  /** The decode thread count in use outside exploration rounds. */
  get choice(): number {
    return this.#choice;
  }

  /**
   * The candidate index a probe step belongs to. Blocks of consecutive steps, not alternation: on a shared or
   * quota-limited CPU the cost of more threads shows over tens of milliseconds (throttling, the other work's time
   * slices), and alternating single steps hides it. The order flips every round so neither block always goes first.
   */
  #probeIndex(): number {
    const block = Math.floor(this.#probeStep / this.#probeSteps);
    return this.#round % 2 === 0 ? block : this.candidates.length - 1 - block;
  }

  /** Threads for a batch of `tokens` tokens; decode steps (one token) may be part of an exploration round. */
  threadsFor(tokens: number): number {
    if (tokens > 1) return this.promptThreads;
    if (this.candidates.length < 2) return this.#choice;
    if (!this.#probe && this.#exploitLeft <= 0) {
      this.#probe = this.candidates.map(() => ({ ms: 0, steps: 0 }));
      this.#probeStep = 0;
    }
    return this.#probe ? this.candidates[this.#probeIndex()]! : this.#choice;
  }

  /** The time one decode batch took at `threads` threads (prompt batches are not recorded). */
  record(tokens: number, threads: number, ms: number): void {
    if (tokens > 1) return;
    this.#counts.set(threads, (this.#counts.get(threads) ?? 0) + 1);
    if (!this.#probe) {
      this.#exploitLeft--;
      return;
    }
    const i = this.#probeIndex();
    if (this.candidates[i] !== threads) return;
    // Means, not medians: a stall that more threads cause (a throttled quota, a preempted spinning thread) is
    // part of their cost.
    this.#probe[i]!.ms += ms;
    this.#probe[i]!.steps++;
    this.#probeStep++;
    if (this.#probeStep < this.#probeSteps * this.candidates.length) return;
    const mean = this.#probe.map((p) => p.ms / Math.max(1, p.steps));
    let best = 0;
    for (let c = 1; c < mean.length; c++) if (mean[c]! < mean[best]! * (1 - MARGIN)) best = c;
    this.#choice = this.candidates[best]!;
    this.#probe = null;
    this.#round++;
    this.#exploitLeft = this.#exploitSteps;
  }

  /** The thread count most decode steps used since the last call (null when there were none), and resets. */
  takeMostUsed(): number | null {
    let most: number | null = null;
    let mostSteps = 0;
    for (const [threads, steps] of this.#counts) {
      if (steps > mostSteps) {
        most = threads;
        mostSteps = steps;
      }
    }
    this.#counts.clear();
    return most;
  }
}

/**
 * Routes node-llama-cpp's per-batch thread setting through the tuner and times each decode. node-llama-cpp calls
 * initBatch(size), then setThreads(n), then decodeBatch() for every batch; own properties on the native object
 * shadow those methods (the object itself stays the one native code unwraps). Returns false, changing nothing,
 * when the context does not look as expected (another node-llama-cpp version): the library's own setting stays.
 */
export function steerContextThreads(context: object, tuner: DecodeThreadTuner): boolean {
  const native = (context as { _ctx?: Partial<NativeContext> })._ctx;
  if (!native || typeof native !== 'object') return false;
  const { initBatch, setThreads, decodeBatch, getThreads } = native;
  if (![initBatch, setThreads, decodeBatch, getThreads].every((f) => typeof f === 'function')) return false;
  let batchTokens = 0;
  let threads = 0;
  let threadsSet = false;
  const applyThreads = () => {
    threads = tuner.threadsFor(batchTokens);
    threadsSet = true;
    return setThreads!.call(native, threads);
  };
  try {
    Object.defineProperty(native, 'initBatch', {
      configurable: true,
      value: (size: number) => {
        batchTokens = size;
        threadsSet = false;
        return initBatch!.call(native, size);
      },
    });
    Object.defineProperty(native, 'setThreads', {
      configurable: true,
      value: () => applyThreads(),
    });
    Object.defineProperty(native, 'decodeBatch', {
      configurable: true,
      value: () => {
        // node-llama-cpp sets threads only while its thread splitter holds a reservation for this context.
        if (!threadsSet) applyThreads();
        const tokens = batchTokens;
        const used = threads;
        const started = performance.now();
        const done = decodeBatch!.call(native);
        return done.then((result) => {
          tuner.record(tokens, used, performance.now() - started);
          return result;
        });
      },
    });
  } catch {
    return false;
  }
  return true;
}
