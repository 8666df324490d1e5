// Messages between LlmRuntime (parent) and the model child process. Plain JSON: they cross process.send().

/** Which llama.cpp backend to use; false forces the CPU. 'auto' picks the best prebuilt binary that works. */
export type LlmGpu = 'auto' | 'cuda' | 'vulkan' | 'metal' | false;

export interface LlmLoadOptions {
  modelPath: string;
  gpu: LlmGpu;
  /** CPU threads for inference; 0 picks the physical cores (node-llama-cpp's cpuMathCores). */
  threads: number;
  /** Context window in tokens. */
  contextSize: number;
}

export interface LlmChatTurn {
  role: 'user' | 'assistant';
  text: string;
}

export interface LlmChatParams {
  prompt: string;
  system?: string;
  /** Earlier turns of the conversation, oldest first. */
  history?: LlmChatTurn[];
  maxTokens: number;
  /** 0 = greedy (node-llama-cpp's default). */
  temperature?: number;
  /** Report 'promptProgress' while a prompt longer than one batch is evaluated, before the first token. */
  promptProgress?: boolean;
}

export interface LlmJsonParams {
  prompt: string;
  system?: string;
  /** A JSON schema in the subset node-llama-cpp turns into a grammar. */
  schema: object;
  maxTokens: number;
  temperature?: number;
}

export type LlmStopReason = 'abort' | 'maxTokens' | 'eogToken' | 'stopGenerationTrigger' | 'functionCalls' | 'other';

export interface LlmChatResult {
  text: string;
  stopReason: LlmStopReason;
  /** Tokens in the reply as the model's tokenizer counts them. */
  tokens: number;
  /** Speed and cache figures for this call; absent when the model was never asked (stopped before it started). */
  stats?: LlmCallStats;
}

/** Measured in the model process, from the request's arrival to the last token. */
export interface LlmCallStats {
  /** Tokens of the whole rendered prompt (system, history, grounding, the new message and the chat template). */
  promptTokens: number;
  /** Prompt tokens the model actually evaluated: the rest was reused from the context's cached prefix. */
  evaluatedPromptTokens: number;
  /** From the request's arrival to the first reply token, in milliseconds; null when no token came. */
  timeToFirstTokenMs: number | null;
  /** Decode speed after the first token (tokens - 1 over the time from the first to the last); null under 2 tokens. */
  tokensPerSecond: number | null;
  /** CPU threads for the prompt's batches. */
  threads: number;
  /** CPU threads most of this reply's decode steps used (tuned by timing when the threads are automatic). */
  decodeThreads?: number;
}

export interface LlmJsonResult<T = unknown> {
  text: string;
  value: T;
  stopReason: LlmStopReason;
  tokens: number;
  stats?: LlmCallStats;
}

export interface LlmModelInfo {
  path: string;
  sizeBytes: number;
  trainContextSize: number;
  contextSize: number;
  gpuLayers: number;
  /** CPU threads for prompt batches. */
  threads: number;
  /** Decode threads: the same fixed count, or 'auto' when decode steps are timed and the faster count is kept. */
  decodeThreads?: number | 'auto';
}

export interface LlmInfo {
  /** 'cpu' or the GPU backend in use. */
  backend: 'cpu' | 'cuda' | 'vulkan' | 'metal';
  gpu: boolean;
  supportsGpuOffloading: boolean;
  deviceNames: string[];
  vram: { total: number; used: number; free: number };
  llamaCppRelease: string;
  buildType: string;
  cpuMathCores: number;
  model: LlmModelInfo | null;
}

export type LlmRequest =
  | { id: number; type: 'load'; options: LlmLoadOptions }
  | { id: number; type: 'unload' }
  | { id: number; type: 'info'; gpu: LlmGpu }
  | { id: number; type: 'chat'; params: LlmChatParams }
  | { id: number; type: 'json'; params: LlmJsonParams }
  /** How many tokens `text` is in the loaded model's tokenizer (no special tokens added). */
  | { id: number; type: 'countTokens'; text: string }
  /** Out of band: ends the generation of request `target` early; it resolves with what it had. */
  | { id: number; type: 'stop'; target: number };

export type LlmResponse =
  | { type: 'ready'; pid: number }
  | { id: number; type: 'chunk'; text: string }
  /** Prompt tokens evaluated so far out of those the request has to evaluate (the cached prefix not counted). */
  | { id: number; type: 'promptProgress'; evaluated: number; total: number }
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'error'; message: string; llamaLog: string[] };
