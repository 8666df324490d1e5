// Entry of the model child process (forked by runtime.ts). llama.cpp aborts the whole process on some bad model
// files (GGML_ASSERT), so model loading and inference live here, never in the app's own process.
import type {
  ChatHistoryItem,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaLogLevel,
  LlamaModel,
} from 'node-llama-cpp';
import type {
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

function send(message: LlmResponse): void {
  process.send?.(message);
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
  try {
    const c = await m.createContext({
      contextSize: options.contextSize,
      ...(options.threads > 0 ? { threads: options.threads } : {}),
    });
    model = m;
    context = c;
    sequence = c.getSequence();
  } catch (error) {
    await m.dispose();
    throw new ChildError(`Could not create a ${options.contextSize}-token context: ${(error as Error).message}`);
  }
  modelInfo = {
    path: options.modelPath,
    sizeBytes: m.size,
    trainContextSize: m.trainContextSize,
    contextSize: context.contextSize,
    gpuLayers: m.gpuLayers,
    threads: context.currentThreads,
  };
  return modelInfo;
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

const active = new Map<number, AbortController>();
const stoppedEarly = new Set<number>();

async function generate(
  id: number,
  params: LlmChatParams | LlmJsonParams,
  schema: object | null,
): Promise<{ text: string; stopReason: LlmStopReason; tokens: number }> {
  if (!model || !sequence || !llama) throw new ChildError('No model is loaded');
  const { LlamaChatSession } = await nlc();
  // The schema arrives as JSON at run time; the library's compile-time schema typing cannot apply to it.
  const createGrammar = llama.createGrammarForJsonSchema.bind(llama) as unknown as (s: object) => Promise<LlamaGrammar>;
  const grammar = schema ? await createGrammar(schema) : undefined;
  // autoDisposeSequence false: the sequence outlives the session, so the next call can reuse the evaluated prefix.
  const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
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
  try {
    const result = await session.promptWithMeta(params.prompt, {
      maxTokens: params.maxTokens,
      ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
      ...(grammar ? { grammar } : {}),
      signal: controller.signal,
      // Stopping is normal use ("that is enough"): end with the text so far instead of throwing.
      stopOnAbortSignal: true,
      onToken: (t) => {
        tokens += t.length;
      },
      onTextChunk: (text) => {
        if (text) send({ id, type: 'chunk', text });
      },
    });
    const known = ['abort', 'maxTokens', 'eogToken', 'stopGenerationTrigger', 'functionCalls'];
    const stopReason = (known.includes(result.stopReason) ? result.stopReason : 'other') as LlmStopReason;
    return { text: result.responseText, stopReason, tokens };
  } finally {
    active.delete(id);
    session.dispose();
  }
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
    case 'stop':
      return null;
  }
}

// One request at a time: there is one context sequence, and load/unload must not overlap a generation.
let queue: Promise<unknown> = Promise.resolve();

process.on('message', (request: LlmRequest) => {
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
});

// The parent went away (closed or crashed): nothing is left to serve.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
