// Parent side of the local language model: runs node-llama-cpp in a child process (child.ts) so a model file that
// makes llama.cpp abort takes down only the child. A crash rejects what was in flight with the reason and the next
// call starts a fresh child (the model then has to be loaded again).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  LlmChatParams,
  LlmChatResult,
  LlmChatTurn,
  LlmGpu,
  LlmInfo,
  LlmJsonResult,
  LlmModelInfo,
  LlmRequest,
  LlmResponse,
} from './protocol.ts';

export type {
  LlmChatResult,
  LlmChatTurn,
  LlmGpu,
  LlmInfo,
  LlmJsonResult,
  LlmModelInfo,
  LlmStopReason,
} from './protocol.ts';

export interface LlmRuntimeOptions {
  /** Default 'auto': the best prebuilt backend that works here, else the CPU. */
  gpu?: LlmGpu;
  /** CPU threads; 0 (default) picks the physical cores (see child.ts autoThreads). */
  threads?: number;
  /** Context window in tokens (default 4096). */
  contextSize?: number;
  /** Default reply limit for chat/json calls that do not give one (default 512). */
  maxTokens?: number;
  /** The child entry; a built app can point this at a compiled .js. */
  childEntry?: string;
  /** Node binary for the child (default process.execPath). */
  execPath?: string;
  /** Extra environment for the child, over the defaults below (benchmarks compare settings with it). */
  childEnv?: Record<string, string>;
  /**
   * Starts the child another way than node's fork: the desktop app passes one that uses Electron's
   * utilityProcess (src-main/electron/llm-process.ts), since its binary is not a plain Node there.
   */
  spawnChild?: SpawnLlmChild;
}

/** How a child is started: the entry file and its environment in, a ChildProcess (or a look-alike) out. */
export type SpawnLlmChild = (entry: string, env: NodeJS.ProcessEnv) => ChildProcess;

export interface LlmLoadOverrides {
  gpu?: LlmGpu;
  threads?: number;
  contextSize?: number;
}

export interface LlmCallOptions {
  maxTokens?: number;
  temperature?: number;
  system?: string;
  /** Aborting ends the generation early: chat resolves with the text so far, json rejects. */
  signal?: AbortSignal;
}

export interface LlmChatOptions extends LlmCallOptions {
  history?: LlmChatTurn[];
  /** Called with each piece of text as the model produces it. */
  onChunk?: (text: string) => void;
  /** Called during a long prompt's evaluation, before the first token: prompt tokens evaluated out of total. */
  onPromptProgress?: (evaluated: number, total: number) => void;
}

export type LlmErrorCode = 'crash' | 'load' | 'request' | 'closed';

export class LlmError extends Error {
  code: LlmErrorCode;
  /** llama.cpp's own warnings/errors logged during the failed call. */
  llamaLog: string[];
  /** The last lines the child wrote to stderr. */
  stderrTail: string[];
  constructor(code: LlmErrorCode, message: string, llamaLog: string[] = [], stderrTail: string[] = []) {
    super(message);
    this.name = 'LlmError';
    this.code = code;
    this.llamaLog = llamaLog;
    this.stderrTail = stderrTail;
  }
}

export interface LlmCrash {
  reason: string;
  at: Date;
  stderrTail: string[];
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  child: ChildProcess;
  type: LlmRequest['type'];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onChunk?: ((text: string) => void) | undefined;
  onPromptProgress?: ((evaluated: number, total: number) => void) | undefined;
}

const STDERR_TAIL_LINES = 40;

export class LlmRuntime {
  readonly options: Required<Omit<LlmRuntimeOptions, 'childEntry' | 'execPath' | 'childEnv' | 'spawnChild'>> & {
    childEntry: string;
    execPath: string;
    childEnv: Record<string, string>;
  };
  /** Set when the child died unexpectedly; kept after the restart so callers can show why. */
  lastCrash: LlmCrash | null = null;
  /** Children started after the first (each follows a crash). */
  restarts = 0;

  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private started = 0;
  private nextId = 0;
  private pending = new Map<number, Pending>();
  private model: LlmModelInfo | null = null;
  private lockTail: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly spawnChild: SpawnLlmChild | null;

  constructor(options: LlmRuntimeOptions = {}) {
    this.options = {
      gpu: options.gpu ?? 'auto',
      threads: options.threads ?? 0,
      contextSize: options.contextSize ?? 4096,
      maxTokens: options.maxTokens ?? 512,
      childEntry: options.childEntry ?? fileURLToPath(new URL('./child.ts', import.meta.url)),
      execPath: options.execPath ?? process.execPath,
      childEnv: options.childEnv ?? {},
    };
    this.spawnChild = options.spawnChild ?? null;
  }

  /** The child's process id, or null when none is running. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** The loaded model, or null. */
  get loaded(): LlmModelInfo | null {
    return this.model;
  }

  /** Loads a GGUF model (unloading any other first). Load failures reject with code 'load' and llama.cpp's reason. */
  load(modelPath: string, overrides: LlmLoadOverrides = {}): Promise<LlmModelInfo> {
    return this.locked(async () => {
      const options = {
        modelPath,
        gpu: overrides.gpu ?? this.options.gpu,
        threads: overrides.threads ?? this.options.threads,
        contextSize: overrides.contextSize ?? this.options.contextSize,
      };
      this.model = null;
      this.model = (await this.request({ type: 'load', options })) as LlmModelInfo;
      return this.model;
    });
  }

  /** Disposes the context and the model; `disposed` is node-llama-cpp's own word that both are released. */
  unload(): Promise<{ disposed: boolean }> {
    return this.locked(async () => {
      if (!this.child) return { disposed: true };
      const result = (await this.request({ type: 'unload' })) as { disposed: boolean };
      this.model = null;
      return result;
    });
  }

  /** Backend, GPU devices, VRAM and the loaded model (if any). */
  info(): Promise<LlmInfo> {
    return this.locked(async () => (await this.request({ type: 'info', gpu: this.options.gpu })) as LlmInfo);
  }

  /** One reply from the loaded model; streams through `onChunk`. */
  chat(prompt: string, options: LlmChatOptions = {}): Promise<LlmChatResult> {
    return this.locked(async () => {
      if (options.signal?.aborted) return { text: '', stopReason: 'abort', tokens: 0 };
      const params: LlmChatParams = {
        prompt,
        maxTokens: options.maxTokens ?? this.options.maxTokens,
        ...(options.system !== undefined ? { system: options.system } : {}),
        ...(options.history ? { history: options.history } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        ...(options.onPromptProgress ? { promptProgress: true } : {}),
      };
      return (await this.request(
        { type: 'chat', params },
        options.signal,
        options.onChunk,
        options.onPromptProgress,
      )) as LlmChatResult;
    });
  }

  /** How many tokens `text` takes in the loaded model's tokenizer (to fit grounding and history into the context). */
  countTokens(text: string): Promise<number> {
    return this.locked(async () => (await this.request({ type: 'countTokens', text })) as number);
  }

  /** A reply constrained by a grammar built from `schema`, parsed. Rejects when it was cut off (maxTokens, stop). */
  json<T = unknown>(prompt: string, schema: object, options: LlmCallOptions = {}): Promise<LlmJsonResult<T>> {
    return this.locked(async () => {
      if (options.signal?.aborted) throw new LlmError('request', 'Stopped before the model started');
      const params = {
        prompt,
        schema,
        maxTokens: options.maxTokens ?? this.options.maxTokens,
        ...(options.system !== undefined ? { system: options.system } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      };
      return (await this.request({ type: 'json', params }, options.signal)) as LlmJsonResult<T>;
    });
  }

  /** Ends the child (the model goes with it). The runtime can not be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child ?? (this.starting ? await this.starting.catch(() => null) : null);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Disconnecting lets the child dispose and exit by itself; kill it if it does not.
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  // One operation at a time: the child has one context sequence, and load/unload must not interleave with use.
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lockTail;
    let release = (): void => {};
    this.lockTail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private async request(
    message: WithoutId<LlmRequest>,
    signal?: AbortSignal,
    onChunk?: (text: string) => void,
    onPromptProgress?: (evaluated: number, total: number) => void,
  ): Promise<unknown> {
    const child = await this.ensureChild();
    const id = ++this.nextId;
    const onAbort = (): void => {
      if (this.pending.has(id) && child.connected) child.send({ id: ++this.nextId, type: 'stop', target: id });
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { child, type: message.type, resolve, reject, onChunk, onPromptProgress });
      signal?.addEventListener('abort', onAbort, { once: true });
      child.send({ ...message, id } as LlmRequest);
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  private ensureChild(): Promise<ChildProcess> {
    if (this.closed) return Promise.reject(new LlmError('closed', 'The language model runtime was closed'));
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private spawn(): Promise<ChildProcess> {
    if (this.started++ > 0) this.restarts++;
    // This child's output only: a crashed child's tail must not mix with its successor's.
    const out: OutputTail = { lines: [], partial: '' };
    const env = { ...process.env };
    // node-llama-cpp runs each decode and sampling step as libuv pool work. With the default pool of 4, successive
    // steps land on different workers and llama.cpp's busy-waiting compute threads are preempted by the extra runnable
    // threads: on 2 cores decode fell to a third of llama.cpp's own speed. One worker is all one sequence needs.
    env.UV_THREADPOOL_SIZE = '1';
    Object.assign(env, this.options.childEnv);
    // On GGML_ASSERT, ggml tries to attach gdb for a backtrace: seconds of waiting and nothing a merchant can use.
    env.GGML_NO_BACKTRACE ??= '1';
    const child = this.spawnChild
      ? this.spawnChild(this.options.childEntry, env)
      : fork(this.options.childEntry, [], {
          execPath: this.options.execPath,
          // The parent's flags (test runners, inspectors) are not meant for the child.
          execArgv: [],
          env,
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          serialization: 'json',
          // Its own process group: a Ctrl-C in the terminal is for the CLI, which stops the reply and closes the
          // child in order, rather than the signal killing the model mid-answer. (No groups on Windows.)
          detached: process.platform !== 'win32',
          windowsHide: true,
        });
    child.stdout?.on('data', (data: Buffer) => keepOutput(out, data));
    child.stderr?.on('data', (data: Buffer) => keepOutput(out, data));
    return new Promise((resolve, reject) => {
      let ready = false;
      child.on('message', (message: LlmResponse) => {
        if (message.type === 'ready') {
          ready = true;
          this.child = child;
          resolve(child);
          return;
        }
        this.onMessage(message, out);
      });
      child.on('error', (error) => {
        if (!ready) reject(new LlmError('crash', `Could not start the model process: ${error.message}`));
      });
      child.on('exit', () => {
        // New calls start a new child from now on.
        if (this.child === child) {
          this.child = null;
          this.model = null;
        }
      });
      // 'close' rather than 'exit' for the report: it waits for stderr to drain, which holds llama.cpp's last words.
      child.on('close', (code, signal) => {
        const orphans = [...this.pending].filter(([, p]) => p.child === child);
        // A closing runtime expects the exit; anything else is a crash to report.
        if (this.closed && orphans.length === 0) return;
        const reason = crashReason(out, code, signal);
        const tail = [...out.lines];
        if (!this.closed) this.lastCrash = { reason, at: new Date(), stderrTail: tail };
        if (!ready) reject(new LlmError('crash', reason, [], tail));
        for (const [id, p] of orphans) {
          this.pending.delete(id);
          p.reject(new LlmError('crash', reason, [], tail));
        }
      });
    });
  }

  private onMessage(message: LlmResponse, out: OutputTail): void {
    if (message.type === 'ready') return;
    const p = this.pending.get(message.id);
    if (!p) return;
    if (message.type === 'chunk') {
      p.onChunk?.(message.text);
      return;
    }
    if (message.type === 'promptProgress') {
      p.onPromptProgress?.(message.evaluated, message.total);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'result') p.resolve(message.result);
    else {
      const code = p.type === 'load' ? 'load' : 'request';
      p.reject(new LlmError(code, message.message, message.llamaLog, [...out.lines]));
    }
  }
}

interface OutputTail {
  lines: string[];
  partial: string;
}

function keepOutput(out: OutputTail, data: Buffer): void {
  const lines = (out.partial + data.toString('utf8')).split('\n');
  out.partial = lines.pop() ?? '';
  for (const line of lines) if (line.trim()) out.lines.push(line);
  if (out.lines.length > STDERR_TAIL_LINES) out.lines.splice(0, out.lines.length - STDERR_TAIL_LINES);
}

function crashReason(out: OutputTail, code: number | null, signal: NodeJS.Signals | null): string {
  if (out.partial.trim()) keepOutput(out, Buffer.from('\n'));
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  // llama.cpp's GGML_ASSERT / error lines say why; node's own stack trace lines do not.
  const telling = out.lines.filter((l) => /GGML_ASSERT|error|fatal|abort|terminate/i.test(l)).at(-1);
  return `The model process ${how}${telling ? `: ${telling.replace(/^\[llama\.cpp\] /, '').trim()}` : ''}`;
}
