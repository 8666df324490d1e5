// Entry of the model child process (forked by runtime.ts). llama.cpp aborts the whole process on some bad model
// files (GGML_ASSERT), so model loading and inference live here, never in the app's own process.
import type {
  ChatHistoryItem,
  Llama,
  LlamaChatSession,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaLogLevel,
  LlamaModel,
} from 'node-llama-cpp';
import { CpuPin } from './cpu-pin.ts';
import { DecodeThreadTuner, steerContextThreads } from './decode-threads.ts';
import type {
  LlmCallStats,
  LlmChatParams,
  LlmChatResult,
  LlmGpu,
  LlmInfo,
  LlmJsonParams,
  LlmJsonResult,
  LlmLoadOptions,
  LlmModelInfo,
  LlmRequest,
  LlmResponse,
  LlmStopReason,
} from './protocol.ts';

type NodeLlamaCpp = typeof import('node-llama-cpp');

let nlcPromise: Promise<NodeLlamaCpp> | null = null;
// Loaded on first use: importing node-llama-cpp is slow and only this process needs it.
const nlc = (): Promise<NodeLlamaCpp> => (nlcPromise ??= import('node-llama-cpp'));

let llama: Llama | null = null;
let llamaKey = '';
let model: LlamaModel | null = null;
let context: LlamaContext | null = null;
let sequence: LlamaContextSequence | null = null;
let modelInfo: LlmModelInfo | null = null;
// Chooses decode threads by timing when the caller left threads to us (decode-threads.ts); null for a fixed count.
let decodeTuner: DecodeThreadTuner | null = null;
// One-thread decoding keeps the whole process on one CPU (cpu-pin.ts); created on first use (it runs taskset).
let cpuPin: CpuPin | null = null;
// The model's chat wrapper, resolved by the first session and reused: resolving "auto" parses and tries the model's
// Jinja chat template anew for every LlamaChatSession, about 0.4 s before each reply's prompt is even evaluated.
let chatWrapper: LlamaChatSession['chatWrapper'] | null = null;

// llama.cpp explains failures only in its log ("Failed to load model" is all the exception says), so keep the
// recent warnings and errors to attach to errors; they also go to stderr, which the parent keeps a tail of.
const recentLog: { seq: number; line: string }[] = [];
let logSeq = 0;
function logger(level: LlamaLogLevel, message: string): void {
  const line = `${level}: ${message.trimEnd()}`;
  recentLog.push({ seq: ++logSeq, line });
  if (recentLog.length > 100) recentLog.shift();
  process.stderr.write(`[llama.cpp] ${line}\n`);
}
async function logSince(seq: number): Promise<string[]> {
  // Log lines arrive from llama.cpp's thread asynchronously, after the promise has already rejected.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return recentLog.filter((l) => l.seq > seq).map((l) => l.line);
}

class ChildError extends Error {
  llamaLog: string[];
  constructor(message: string, llamaLog: string[] = []) {
    super(message);
    this.llamaLog = llamaLog;
  }
}

/** Electron's utilityProcess talks through process.parentPort; a forked Node child through process.send. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: LlmResponse): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

async function getLlamaFor(gpu: LlmGpu, threads: number): Promise<Llama> {
  const key = JSON.stringify([gpu, threads]);
  if (llama && llamaKey === key) return llama;
  if (model) throw new ChildError('Unload the model before changing the GPU backend or threads');
  if (llama) await llama.dispose();
  llama = null;
  const { getLlama, LlamaLogLevel } = await nlc();
  llama = await getLlama({
    gpu,
    // Never download or compile llama.cpp: the app is offline; the prebuilt binaries come with the package.
    build: 'never',
    logLevel: LlamaLogLevel.warn,
    logger,
    ...(threads > 0 ? { maxThreads: threads } : {}),
  });
  llamaKey = key;
  return llama;
}

async function unloadModel(): Promise<{ disposed: boolean }> {
  const m = model;
  const c = context;
  sequence = null;
  context = null;
  model = null;
  modelInfo = null;
  chatWrapper = null;
  decodeTuner = null;
  cpuPin?.unpin();
  // Dispose explicitly: waiting for the garbage collector keeps hundreds of MB (or VRAM) busy.
  if (c) await c.dispose();
  if (m) await m.dispose();
  return { disposed: (c?.disposed ?? true) && (m?.disposed ?? true) };
}

async function load(options: LlmLoadOptions): Promise<LlmModelInfo> {
  await unloadModel();
  const l = await getLlamaFor(options.gpu, options.threads);
  const mark = logSeq;
  let m: LlamaModel;
  try {
    m = await l.loadModel({ modelPath: options.modelPath, ...(options.gpu === false ? { gpuLayers: 0 } : {}) });
  } catch (error) {
    const log = await logSince(mark);
    const reason = log.filter((line) => line.startsWith('error:') || line.startsWith('fatal:')).at(0);
    throw new ChildError(`${(error as Error).message}${reason ? ` (${reason.replace(/^\w+: /, '')})` : ''}`, log);
  }
  const promptThreads = options.threads > 0 ? options.threads : autoThreads(l.cpuMathCores);
  try {
    const c = await m.createContext({ contextSize: options.contextSize, threads: promptThreads });
    model = m;
    context = c;
    sequence = c.getSequence();
    // Offloaded layers decode on the GPU, where the CPU threads hardly matter. WORKBENCH_LLM_PIN=0 turns pinning off
    // (the llm bench compares both).
    if (m.gpuLayers === 0) {
      const pin = process.env['WORKBENCH_LLM_PIN'] === '0' ? null : (cpuPin ??= new CpuPin());
      if (promptThreads === 1) pin?.pin();
      else if (options.threads <= 0) {
        const tuner = new DecodeThreadTuner({ promptThreads, candidates: [1, promptThreads] });
        const apply = (threads: number) => (threads === 1 ? pin?.pin() : pin?.unpin());
        // A batch after a reply waits for that reply's background unpin (generate) before pinning or unpinning.
        const beforeBatch = pin
          ? (threads: number) => pin.settling?.then(() => apply(threads)) ?? apply(threads)
          : undefined;
        if (steerContextThreads(c, tuner, beforeBatch)) decodeTuner = tuner;
      }
    }
  } catch (error) {
    await m.dispose();
    throw new ChildError(`Could not create a ${options.contextSize}-token context: ${(error as Error).message}`);
  }
  // Resolve the chat wrapper now, while the merchant waits for the load anyway, not before the first reply.
  const { LlamaChatSession } = await nlc();
  const probe = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
  chatWrapper = probe.chatWrapper;
  probe.dispose();
  modelInfo = {
    path: options.modelPath,
    sizeBytes: m.size,
    trainContextSize: m.trainContextSize,
    contextSize: context.contextSize,
    gpuLayers: m.gpuLayers,
    threads: promptThreads,
    decodeThreads: decodeTuner ? 'auto' : promptThreads,
  };
  return modelInfo;
}

/**
 * Prompt threads when the caller leaves it to us: the physical cores (cpuMathCores leaves out SMT siblings and
 * efficiency cores); prompt batches are matrix work that every core speeds up. Decode steps are tuned apart
 * (decode-threads.ts): on 2 cores, a small model's decode ran faster on 1 thread than on 2 through node-llama-cpp.
 */
function autoThreads(cpuMathCores: number): number {
  return Math.max(1, cpuMathCores);
}

async function info(gpu: LlmGpu): Promise<LlmInfo> {
  // Without a model, report on the backend the next load would use.
  const l = llama ?? (await getLlamaFor(gpu, 0));
  const vram = await l.getVramState();
  return {
    backend: l.gpu === false ? 'cpu' : l.gpu,
    gpu: l.gpu !== false,
    supportsGpuOffloading: l.supportsGpuOffloading,
    deviceNames: await l.getGpuDeviceNames(),
    vram: { total: vram.total, used: vram.used, free: vram.free },
    llamaCppRelease: l.llamaCppRelease.release,
    buildType: l.buildType,
    cpuMathCores: l.cpuMathCores,
    model: modelInfo,
  };
}

/**
 * Streams reply text to the parent in batches: one IPC message per token wakes the parent (and its event loop) a few
 * hundred times a second, and on a small machine that steals time from llama.cpp's compute threads. The first piece
 * goes out at once (time to first token), later ones at most every FLUSH_MS; flush() sends the rest.
 */
const FLUSH_MS = 30;
class ChunkStream {
  private pending = '';
  private lastSent = -Infinity;
  private readonly sendText: (text: string) => void;
  constructor(sendText: (text: string) => void) {
    this.sendText = sendText;
  }
  push(text: string): void {
    if (!text) return;
    this.pending += text;
    if (performance.now() - this.lastSent >= FLUSH_MS) this.flush();
  }
  flush(): void {
    if (!this.pending) return;
    this.sendText(this.pending);
    this.pending = '';
    this.lastSent = performance.now();
  }
}

// How often prompt progress is sampled; tests sample every millisecond to see every batch of a tiny model.
const PROMPT_PROGRESS_MS = Number(process.env['WORKBENCH_PROMPT_PROGRESS_MS']) || 200;

/**
 * "Processing prompt n/m" while a long prompt is evaluated. node-llama-cpp says nothing between the request and the
 * first token, but it evaluates the prompt in batches of the context's batch size and its token meter counts each
 * batch as it is handed to llama.cpp. So a timer samples the meter, and everything before the batch in flight is done.
 * The evaluation itself is untouched (no extra decode calls): the cost is one tokenization of the prompt and a timer
 * on a thread that is idle during the prefill. Returns a stop function, or null when the prompt fits in one batch.
 */
function watchPromptProgress(
  id: number,
  session: LlamaChatSession,
  history: ChatHistoryItem[],
  prompt: string,
  meterAtStart: ReturnType<LlamaContextSequence['tokenMeter']['getState']>,
): (() => void) | null {
  if (!model || !context || !sequence) return null;
  const seq = sequence;
  let total: number;
  try {
    const { contextText } = session.chatWrapper.generateContextState({
      chatHistory: [...history, { type: 'user', text: prompt }, { type: 'model', response: [] }],
    });
    const tokens = contextText.tokenize(model.tokenizer);
    // The prefix already in the context is reused, not evaluated again.
    total = Math.max(1, tokens.length - seq.compareContextTokens(tokens).firstDifferentIndex);
  } catch {
    // Progress is a courtesy: a chat template it cannot render ahead of time must not fail the reply.
    return null;
  }
  const batch = context.batchSize;
  if (total <= batch) return null;
  const lastBatch = total - Math.floor((total - 1) / batch) * batch;
  send({ id, type: 'promptProgress', evaluated: 0, total });
  let reported = 0;
  const timer = setInterval(() => {
    const used = seq.tokenMeter.diff(meterAtStart);
    const handedOver = Math.min(total, used.usedInputTokens + used.usedOutputTokens);
    const done = Math.max(0, handedOver - (handedOver >= total ? lastBatch : batch));
    if (done > reported) {
      reported = done;
      send({ id, type: 'promptProgress', evaluated: done, total });
    }
  }, PROMPT_PROGRESS_MS);
  return () => clearInterval(timer);
}

const active = new Map<number, AbortController>();
const stoppedEarly = new Set<number>();

async function generate(
  id: number,
  params: LlmChatParams | LlmJsonParams,
  schema: object | null,
): Promise<{ text: string; stopReason: LlmStopReason; tokens: number; stats: LlmCallStats }> {
  const started = performance.now();
  if (!model || !sequence || !llama || !context) throw new ChildError('No model is loaded');
  const seq = sequence;
  const ctx = context;
  const { LlamaChatSession } = await nlc();
  // The schema arrives as JSON at run time; the library's compile-time schema typing cannot apply to it.
  const createGrammar = llama.createGrammarForJsonSchema.bind(llama) as unknown as (s: object) => Promise<LlamaGrammar>;
  const grammar = schema ? await createGrammar(schema) : undefined;
  // autoDisposeSequence false: the sequence outlives the session, so the next call reuses the evaluated prefix
  // (sequence.evaluate keeps the context tokens up to the first that differs from the new prompt's).
  const session = new LlamaChatSession({
    contextSequence: sequence,
    autoDisposeSequence: false,
    ...(chatWrapper ? { chatWrapper } : {}),
  });
  chatWrapper ??= session.chatWrapper;
  const history: ChatHistoryItem[] = [];
  if (params.system) history.push({ type: 'system', text: params.system });
  for (const turn of 'history' in params ? (params.history ?? []) : []) {
    history.push(turn.role === 'user' ? { type: 'user', text: turn.text } : { type: 'model', response: [turn.text] });
  }
  session.setChatHistory(history);
  const controller = new AbortController();
  active.set(id, controller);
  // Ids only grow: a stop for an earlier id arrived after that request had finished.
  for (const early of stoppedEarly) if (early < id) stoppedEarly.delete(early);
  if (stoppedEarly.delete(id)) controller.abort();
  let tokens = 0;
  decodeTuner?.takeMostUsed();
  decodeTuner?.beginPrompt();
  const meterAtStart = seq.tokenMeter.getState();
  let promptTokens = 0;
  let evaluatedPromptTokens = 0;
  let firstTokenAt: number | null = null;
  let lastTokenAt = 0;
  const stream = new ChunkStream((text) => send({ id, type: 'chunk', text }));
  const stopProgress =
    'promptProgress' in params && params.promptProgress
      ? watchPromptProgress(id, session, history, params.prompt, meterAtStart)
      : null;
  try {
    const result = await session.promptWithMeta(params.prompt, {
      maxTokens: params.maxTokens,
      ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
      ...(grammar ? { grammar } : {}),
      signal: controller.signal,
      // Stopping is normal use ("that is enough"): end with the text so far instead of throwing.
      stopOnAbortSignal: true,
      onToken: (t) => {
        lastTokenAt = performance.now();
        if (firstTokenAt === null) {
          firstTokenAt = lastTokenAt;
          stopProgress?.();
          // The first token is sampled from the prompt's last logits: the context holds exactly the prompt now, and
          // the meter has counted only the prompt tokens that were not already in the cache.
          promptTokens = seq.nextTokenIndex;
          // The prompt's last token is metered as output: it yields the logits the first token is sampled from.
          const used = seq.tokenMeter.diff(meterAtStart);
          evaluatedPromptTokens = used.usedInputTokens + Math.min(1, used.usedOutputTokens);
        }
        tokens += t.length;
      },
      onTextChunk: (text) => stream.push(text),
    });
    stream.flush();
    const known = ['abort', 'maxTokens', 'eogToken', 'stopGenerationTrigger', 'functionCalls'];
    const stopReason = (known.includes(result.stopReason) ? result.stopReason : 'other') as LlmStopReason;
    const decodeSeconds = firstTokenAt === null ? 0 : (lastTokenAt - firstTokenAt) / 1000;
    const stats: LlmCallStats = {
      promptTokens,
      evaluatedPromptTokens,
      timeToFirstTokenMs: firstTokenAt === null ? null : firstTokenAt - started,
      tokensPerSecond: tokens > 1 && decodeSeconds > 0 ? (tokens - 1) / decodeSeconds : null,
      threads: modelInfo?.threads ?? ctx.currentThreads,
      decodeThreads: decodeTuner?.takeMostUsed() ?? modelInfo?.threads ?? ctx.currentThreads,
    };
    return { text: result.responseText, stopReason, tokens, stats };
  } finally {
    stopProgress?.();
    active.delete(id);
    session.dispose();
    // Decoding is over: free the other CPUs for the next prompt now, while the merchant reads this reply.
    if (decodeTuner) cpuPin?.unpinLater();
  }
}

async function countTokens(text: string): Promise<number> {
  if (!model) throw new ChildError('No model is loaded');
  return model.tokenize(text, false).length;
}

async function chat(id: number, params: LlmChatParams): Promise<LlmChatResult> {
  return generate(id, params, null);
}

async function json(id: number, params: LlmJsonParams): Promise<LlmJsonResult> {
  const out = await generate(id, params, params.schema);
  let value: unknown;
  try {
    value = JSON.parse(out.text);
  } catch {
    const why =
      out.stopReason === 'maxTokens'
        ? `it reached maxTokens (${params.maxTokens}) first`
        : out.stopReason === 'abort'
          ? 'it was stopped'
          : `it stopped (${out.stopReason})`;
    throw new ChildError(`The model's JSON is incomplete because ${why}: ${out.text.slice(0, 200)}`);
  }
  return { ...out, value };
}

async function handle(request: LlmRequest): Promise<unknown> {
  switch (request.type) {
    case 'load':
      return load(request.options);
    case 'unload':
      return unloadModel();
    case 'info':
      return info(request.gpu);
    case 'chat':
      return chat(request.id, request.params);
    case 'json':
      return json(request.id, request.params);
    case 'countTokens':
      return countTokens(request.text);
    case 'stop':
      return null;
  }
}

// One request at a time: there is one context sequence, and load/unload must not overlap a generation.
let queue: Promise<unknown> = Promise.resolve();

function onRequest(request: LlmRequest): void {
  if (request.type === 'stop') {
    const controller = active.get(request.target);
    if (controller) controller.abort();
    else stoppedEarly.add(request.target);
    return;
  }
  queue = queue.then(async () => {
    try {
      send({ id: request.id, type: 'result', result: await handle(request) });
    } catch (error) {
      const llamaLog = error instanceof ChildError ? error.llamaLog : [];
      send({ id: request.id, type: 'error', message: (error as Error).message ?? String(error), llamaLog });
    }
  });
}

if (parentPort) parentPort.on('message', (event) => onRequest(event.data as LlmRequest));
else process.on('message', onRequest);

// The parent went away (closed or crashed): nothing is left to serve.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
