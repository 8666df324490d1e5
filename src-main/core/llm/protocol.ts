// Messages between LlmRuntime (parent) and the model child process. Plain JSON: they cross process.send().

/** Which llama.cpp backend to use; false forces the CPU. 'auto' picks the best prebuilt binary that works. */
export type LlmGpu = 'auto' | 'cuda' | 'vulkan' | 'metal' | false;

export interface LlmLoadOptions {
  modelPath: string;
  gpu: LlmGpu;
  /** CPU threads for inference; 0 lets node-llama-cpp decide. */
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
}

export interface LlmJsonResult<T = unknown> {
  text: string;
  value: T;
  stopReason: LlmStopReason;
  tokens: number;
}

export interface LlmModelInfo {
  path: string;
  sizeBytes: number;
  trainContextSize: number;
  contextSize: number;
  gpuLayers: number;
  threads: number;
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
  /** Out of band: ends the generation of request `target` early; it resolves with what it had. */
  | { id: number; type: 'stop'; target: number };

export type LlmResponse =
  | { type: 'ready'; pid: number }
  | { id: number; type: 'chunk'; text: string }
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'error'; message: string; llamaLog: string[] };
