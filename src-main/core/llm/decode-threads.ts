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
  sampleToken(...args: unknown[]): unknown;
}

export interface DecodeThreadTunerOptions {
  /** Threads for batches of more than one token. */
  promptThreads: number;
  /** Decode thread counts to choose between (e.g. [1, physical cores]); one candidate means no tuning. */
  candidates: number[];
  /** Decode steps per estimate: each candidate's speed is the mean of its last `window` steps. */
  window?: number;
  /** Decode steps on the chosen count before the others are timed again. */
  recheckEvery?: number;
}

/** A candidate with fewer threads is kept unless a larger count is at least this much faster (it frees a core). */
const MARGIN = 0.05;
/** Decode steps right after a prompt batch are not timed: the first rebuilds the compute graph. */
const SETTLE_STEPS = 2;

/** The last `size` step times of one candidate. */
class StepWindow {
  readonly #ms: Float64Array;
  #count = 0;
  #next = 0;
  constructor(size: number) {
    this.#ms = new Float64Array(size);
  }
  push(ms: number): void {
    this.#ms[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#ms.length;
    this.#count = Math.min(this.#count + 1, this.#ms.length);
  }
  clear(): void {
    this.#count = 0;
    this.#next = 0;
  }
  get full(): boolean {
    return this.#count === this.#ms.length;
  }
  sum(): number {
    let sum = 0;
    for (let i = 0; i < this.#count; i++) sum += this.#ms[i]!;
    return sum;
  }
  /** Mean step time, not median: a stall that more threads cause (a spinning thread whose partner was
   * descheduled, a CPU quota used up) is part of their cost. */
  mean(): number {
    return this.#count ? this.sum() / this.#count : Infinity;
  }
}

/**
 * The choice logic, apart from node-llama-cpp so it can be tested on its own. Each candidate is timed over a block
 * of consecutive steps (alternating single steps hides costs that build up over tens of milliseconds, such as a
 * used-up CPU quota); then the fastest runs, its own window keeps being updated, and it is dropped as soon as it
 * falls behind another candidate's last estimate. Every `recheckEvery` steps the others get a fresh block; a block
 * that cannot win any more ends early, and each recheck that confirms the choice doubles the wait for the next
 * (up to 16×): on a machine where the second core stalls, every recheck costs a stall.
 */
export class DecodeThreadTuner {
  readonly promptThreads: number;
  readonly candidates: readonly number[];
  readonly #windows: StepWindow[];
  readonly #recheckEvery: number;
  #backoff = 1;
  #choice: number;
  /** The candidate index being timed in a block, or -1 while running the choice. */
  #probing = -1;
  #sinceRecheck = 0;
  #settle = 0;
  /** Between beginPrompt and the reply's first sampled token: every batch, one token or more, is prompt. */
  #inPrompt = false;
  /** Decode steps per thread count since the last `takeMostUsed`. */
  #counts = new Map<number, number>();

  constructor(options: DecodeThreadTunerOptions) {
    this.promptThreads = Math.max(1, options.promptThreads);
    const candidates = [...new Set(options.candidates.map((c) => Math.max(1, Math.floor(c))))].sort((a, b) => a - b);
    this.candidates = candidates.length > 0 ? candidates : [this.promptThreads];
    this.#windows = this.candidates.map(() => new StepWindow(options.window ?? 32));
    this.#recheckEvery = options.recheckEvery ?? 384;
    this.#choice = this.candidates[this.candidates.length - 1]!;
    if (this.candidates.length > 1) this.#probing = 0;
  }

  /** The decode thread count in use outside timing blocks. */
  get choice(): number {
    return this.#choice;
  }

  /**
   * A reply's prompt starts: its batches are prompt batches until the first token is sampled (endPrompt). The
   * prompt's last batch is often a single token (1,025 uncached tokens are batches of 512, 512 and 1): timed as a
   * decode step it would run on the decode choice, behind a re-pin, inside the time to first token.
   */
  beginPrompt(): void {
    this.#inPrompt = true;
  }

  /** The first token of the reply was sampled: one-token batches from here on are decode steps. */
  endPrompt(): void {
    this.#inPrompt = false;
  }

  /** Threads for a batch of `tokens` tokens; decode steps (one token) may belong to a timing block. */
  threadsFor(tokens: number): number {
    if (tokens > 1 || this.#inPrompt) return this.promptThreads;
    return this.#probing >= 0 ? this.candidates[this.#probing]! : this.#choice;
  }

  /** The time one batch took at `threads` threads. */
  record(tokens: number, threads: number, ms: number): void {
    if (tokens > 1 || this.#inPrompt) {
      this.#settle = SETTLE_STEPS;
      return;
    }
    this.#counts.set(threads, (this.#counts.get(threads) ?? 0) + 1);
    if (this.candidates.length < 2) return;
    if (this.#settle > 0) {
      this.#settle--;
      return;
    }
    const i = this.candidates.indexOf(threads);
    if (i < 0) return;
    this.#windows[i]!.push(ms);
    if (this.#probing >= 0) {
      if (i !== this.#probing) return;
      const chosen = this.#windows[this.candidates.indexOf(this.#choice)]!;
      if (i !== this.candidates.indexOf(this.#choice) && chosen.full && this.#windows[i]!.sum() > chosen.sum()) {
        // Already slower over its steps so far than the choice over a whole window: it cannot win this round.
        this.#windows[i]!.clear();
        this.#probing = -1;
        this.#sinceRecheck = 0;
        this.#backoff = Math.min(16, this.#backoff * 2);
        return;
      }
      if (!this.#windows[i]!.full) return;
      // The next candidate whose window is not full yet (a recheck cleared them), or decide.
      const next = this.#windows.findIndex((w) => !w.full);
      if (next >= 0) {
        this.#probing = next;
        return;
      }
      this.#probing = -1;
      this.#sinceRecheck = 0;
      const before = this.#choice;
      this.#choice = this.#fastest();
      this.#backoff = this.#choice === before ? Math.min(16, this.#backoff * 2) : 1;
      return;
    }
    const before = this.#choice;
    this.#choice = this.#fastest();
    if (this.#choice !== before) this.#backoff = 1;
    if (++this.#sinceRecheck >= this.#recheckEvery * this.#backoff) {
      // Fresh blocks for the others: their last estimates are from another moment of the machine.
      this.#windows.forEach((w, c) => {
        if (this.candidates[c] !== this.#choice) w.clear();
      });
      this.#probing = this.#windows.findIndex((w) => !w.full);
    }
  }

  /** The fastest candidate by its window's mean, fewer threads kept unless more are MARGIN faster. */
  #fastest(): number {
    const mean = this.#windows.map((w) => w.mean());
    let best = 0;
    for (let c = 1; c < mean.length; c++) if (mean[c]! < mean[best]! * (1 - MARGIN)) best = c;
    return this.candidates[best]!;
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
 * initBatch(size), then setThreads(n), then decodeBatch() for every batch, and sampleToken() for each token it
 * samples (which ends a prompt for the tuner); own properties on the native object shadow those methods (the object
 * itself stays the one native code unwraps). Returns false, changing nothing, when the context does not look as
 * expected (another node-llama-cpp version): the library's own setting stays. `beforeBatch` sees each batch's thread
 * count before llama.cpp does (cpu-pin.ts pins one-thread decoding); when it returns a promise, the batch waits for it.
 */
export function steerContextThreads(
  context: object,
  tuner: DecodeThreadTuner,
  beforeBatch?: (threads: number) => unknown,
): boolean {
  const native = (context as { _ctx?: Partial<NativeContext> })._ctx;
  if (!native || typeof native !== 'object') return false;
  const { initBatch, setThreads, decodeBatch, getThreads, sampleToken } = native;
  if (![initBatch, setThreads, decodeBatch, getThreads, sampleToken].every((f) => typeof f === 'function')) {
    return false;
  }
  let batchTokens = 0;
  let threads = 0;
  let threadsSet = false;
  // What the batch must wait for before llama.cpp starts it (an affinity change under way).
  let gate: Promise<unknown> | undefined;
  const applyThreads = () => {
    threads = tuner.threadsFor(batchTokens);
    threadsSet = true;
    const wait = beforeBatch?.(threads);
    if (wait instanceof Promise) gate = wait;
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
        const run = () => {
          const started = performance.now();
          return decodeBatch!.call(native).then((result) => {
            tuner.record(tokens, used, performance.now() - started);
            return result;
          });
        };
        const wait = gate;
        gate = undefined;
        return wait ? wait.then(run) : run();
      },
    });
    Object.defineProperty(native, 'sampleToken', {
      configurable: true,
      value: (...args: unknown[]) => {
        tuner.endPrompt();
        return sampleToken!.apply(native, args);
      },
    });
  } catch {
    return false;
  }
  return true;
}
