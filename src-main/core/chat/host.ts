/**
 * The marketing-copy chat behind the API: one local model in its own process (LlmRuntime), conversations
 * persisted in the workspace, replies streamed as events. Each turn's prompt is the template's system prompt
 * plus fresh grounding facts (a stable prefix, so llama.cpp reuses its KV cache), the kept history, and the
 * new request; history that does not fit is trimmed explicitly and the reply records how many turns went.
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import type { Db } from '../db/workspace.ts';
import { CancelledError, UserError } from '../jobs/context.ts';
import type { LocalJob } from '../jobs/runner.ts';
import { analyzeReviews, generatePersona, generateProductCopy, personaSubject } from '../llm/tasks/index.ts';
import { customerGrounding, productGrounding, segmentGrounding } from '../llm/grounding.ts';
import { buildPrompt, clampToLimit, fitHistory } from '../llm/prompts.ts';
import type { LlmChatTurn, LlmGpu, LlmInfo, LlmModelInfo } from '../llm/protocol.ts';
import { LlmError, LlmRuntime, type SpawnLlmChild } from '../llm/runtime.ts';
import { DownloadManager, type DownloadInfo, type DownloadManagerOptions } from '../llm/download-manager.ts';
import {
  appendMessage,
  getConversation,
  listMessages,
  truncateAfter,
  type ChatGrounding,
  type ChatMessage,
  type Conversation,
} from './store.ts';

export type ChatEvent =
  | { type: 'chat'; streamId: string; conversationId: number; event: 'start'; userMessage: ChatMessage | null }
  | { type: 'chat'; streamId: string; conversationId: number; event: 'chunk'; text: string }
  | { type: 'chat'; streamId: string; conversationId: number; event: 'prompt'; evaluated: number; total: number }
  | { type: 'chat'; streamId: string; conversationId: number; event: 'done'; message: ChatMessage }
  | { type: 'chat'; streamId: string; conversationId: number; event: 'error'; message: string }
  | { type: 'download'; download: DownloadInfo };

export interface ChatHostOptions {
  gpu?: LlmGpu;
  threads?: number;
  contextSize?: number;
  /** Reply budget of a chat without a template (templates bring their own); default 512 tokens. */
  freeReplyTokens?: number;
  /** How the model process starts: the desktop app's bundled child entry and Electron's utilityProcess. */
  childEntry?: string;
  spawnChild?: SpawnLlmChild;
  /** Retry and progress settings of model downloads (tests shorten the back-off). */
  downloads?: DownloadManagerOptions;
}

export interface LlmStatus {
  model: (LlmModelInfo & { name: string }) | null;
  backend: LlmInfo['backend'] | null;
  deviceNames: string[];
  busy: boolean;
  /** Why the model process last died, when it did; the next call restarts it. */
  lastCrash: string | null;
}

export type SendMode = 'send' | 'regenerate' | 'edit';

/** Tokens for text the tokenizer has not counted (a fallback only): CJK runs ~1 token per character, other text ~1 per 3.5 characters. */
export function estimateTokens(text: string): number {
  const cjk = text.match(/[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/g)?.length ?? 0;
  return Math.ceil(cjk + (text.length - cjk) / 3.5);
}

export class ChatHost {
  private runtime: LlmRuntime | null = null;
  private modelPath: string | null = null;
  private info: LlmInfo | null = null;
  private streams = new Map<string, AbortController>();
  private downloadManager: DownloadManager | null = null;
  private nextStream = 0;
  private readonly db: Db;
  private readonly options: ChatHostOptions;
  private readonly emit: (event: ChatEvent) => void;

  constructor(db: Db, options: ChatHostOptions, emit: (event: ChatEvent) => void) {
    this.db = db;
    this.options = options;
    this.emit = emit;
  }

  status(): LlmStatus {
    const loaded = this.runtime?.loaded ?? null;
    return {
      model: loaded ? { ...loaded, name: basename(loaded.path) } : null,
      backend: loaded ? (this.info?.backend ?? null) : null,
      deviceNames: this.info?.deviceNames ?? [],
      busy: this.streams.size > 0,
      lastCrash: this.runtime?.lastCrash?.reason ?? null,
    };
  }

  async load(path: string, overrides: { gpu?: LlmGpu; contextSize?: number } = {}): Promise<LlmStatus> {
    if (!existsSync(path)) throw new UserError(`no model file at ${path}`);
    this.runtime ??= new LlmRuntime({
      gpu: this.options.gpu ?? 'auto',
      contextSize: this.options.contextSize ?? 4096,
      ...(this.options.threads ? { threads: this.options.threads } : {}),
      ...(this.options.childEntry ? { childEntry: this.options.childEntry } : {}),
      ...(this.options.spawnChild ? { spawnChild: this.options.spawnChild } : {}),
    });
    try {
      await this.runtime.load(path, overrides);
      this.info = await this.runtime.info();
    } catch (err) {
      if (err instanceof LlmError) throw new UserError(`cannot load ${basename(path)}: ${err.message}`);
      throw err;
    }
    this.modelPath = path;
    return this.status();
  }

  async unload(): Promise<LlmStatus> {
    await this.runtime?.unload();
    this.modelPath = null;
    return this.status();
  }

  /**
   * Starts a reply and returns at once; text arrives as 'chunk' events, then 'done' (the stored reply) or 'error'.
   * 'regenerate' replaces the last reply; 'edit' replaces the last user message (and its reply) with `text`.
   */
  send(conversationId: number, text: string | undefined, mode: SendMode): { streamId: string } {
    const conversation = getConversation(this.db, conversationId);
    if (!conversation) throw new UserError(`no conversation ${conversationId}`);
    if (!this.runtime || !this.modelPath) throw new UserError('no model is loaded: add a GGUF model and load it first');
    if (this.streams.size > 0) throw new UserError('the model is still answering; stop it or wait');
    // Facts are read now, so a grounding that no longer matches anything is refused before anything is stored.
    const grounding = this.grounding(conversation.grounding);
    const messages = listMessages(this.db, conversationId);
    const lastUser = messages.findLast((m) => m.role === 'user');
    let request: string;
    let userMessage: ChatMessage | null = null;
    if (mode === 'regenerate') {
      if (!lastUser) throw new UserError('nothing to regenerate yet');
      truncateAfter(this.db, conversationId, lastUser.id);
      request = lastUser.text;
    } else {
      if (!text?.trim()) throw new UserError('the message is empty');
      if (mode === 'edit') {
        if (!lastUser) throw new UserError('no message to edit yet');
        truncateAfter(this.db, conversationId, lastUser.id - 1);
      }
      userMessage = appendMessage(this.db, conversationId, 'user', text);
      request = text;
    }
    const history = listMessages(this.db, conversationId)
      .filter((m) => m.id < (userMessage?.id ?? lastUser!.id))
      .map((m): LlmChatTurn => ({ role: m.role, text: m.text }));

    const streamId = `chat-${++this.nextStream}`;
    const abort = new AbortController();
    this.streams.set(streamId, abort);
    this.emit({ type: 'chat', streamId, conversationId, event: 'start', userMessage });
    void this.reply(conversation, grounding, request, history, streamId, abort.signal);
    return { streamId };
  }

  /** A persona for a segment or a customer, stored in the workspace (a job body: see JobRunner.startLocal). */
  personaJob(request: {
    segment?: string | undefined;
    customer?: string | undefined;
    language: 'zh' | 'en';
  }): LocalJob {
    const runtime = this.requireModel();
    // Checked now, so a misspelt segment is refused at once rather than after the job queued.
    personaSubject(this.db, request);
    return async (ctx, signal) => {
      ctx.progress(0, 1, 'writing the persona');
      const record = await generatePersona(this.db, runtime, { ...request, signal });
      ctx.progress(1, 1);
      return record;
    };
  }

  /** Review understanding over every review without an insight yet; a rerun after a cancel resumes. */
  reviewsJob(options: { limit?: number | undefined; language?: 'zh' | 'en' | undefined }): LocalJob {
    const runtime = this.requireModel();
    return async (ctx, signal) => {
      const result = await analyzeReviews(
        this.db,
        runtime,
        {
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          ...(options.language ? { language: options.language } : {}),
        },
        {
          progress: (d, t, m) => ctx.progress(d, t, m),
          get cancelled() {
            return ctx.cancelled;
          },
          signal,
        },
      );
      // What was analysed before the cancel is stored; the job still reads as cancelled.
      if (result.cancelled) throw new CancelledError();
      return result;
    };
  }

  productCopyJob(request: { product: string; language: 'zh' | 'en' }): LocalJob {
    const runtime = this.requireModel();
    return async (ctx, signal) => {
      ctx.progress(0, 1, 'writing the product copy');
      const record = await generateProductCopy(this.db, runtime, { ...request, signal });
      ctx.progress(1, 1);
      return record;
    };
  }

  private requireModel(): LlmRuntime {
    if (!this.runtime || !this.modelPath || !this.runtime.loaded) {
      throw new UserError('no model is loaded: add a GGUF model and load it first');
    }
    return this.runtime;
  }

  stop(streamId: string): boolean {
    const stream = this.streams.get(streamId);
    stream?.abort();
    return stream !== undefined;
  }

  /** The model downloads into `modelsDir` (created on first use; one folder per host). */
  downloads(modelsDir: string): DownloadManager {
    this.downloadManager ??= new DownloadManager(
      modelsDir,
      (download) => this.emit({ type: 'download', download }),
      this.options.downloads,
    );
    return this.downloadManager;
  }

  async close(): Promise<void> {
    // Running downloads pause: their partial files resume when the app (or this workspace) opens again.
    await this.downloadManager?.close();
    for (const s of this.streams.values()) s.abort();
    await this.runtime?.close();
    this.runtime = null;
  }

  private async reply(
    conversation: Conversation,
    grounding: string,
    request: string,
    history: LlmChatTurn[],
    streamId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const conversationId = conversation.id;
    try {
      const runtime = this.runtime!;
      // A crash took the model with it: the runtime restarts its process, we bring the model back.
      if (!runtime.loaded && this.modelPath) {
        await runtime.load(this.modelPath);
        this.info = await runtime.info();
      }
      const built = conversation.template
        ? buildPrompt({
            template: conversation.template,
            tone: conversation.options.tone,
            language: conversation.options.language,
            grounding,
            request,
          })
        : { system: grounding, user: request, maxTokens: this.options.freeReplyTokens ?? 512, charLimit: null };
      const system = conversation.systemPrompt
        ? [conversation.systemPrompt, grounding].filter(Boolean).join('\n\n')
        : built.system;
      const contextSize = runtime.loaded?.contextSize ?? this.options.contextSize ?? 4096;
      // Count with the model's own tokenizer (one round trip per text), so trimming is exact, not a guess.
      const counts = new Map<string, number>();
      for (const text of [system, built.user, ...history.map((t) => t.text)]) {
        if (!counts.has(text)) counts.set(text, await runtime.countTokens(text));
      }
      const fit = fitHistory({
        system,
        user: built.user,
        history,
        contextSize,
        reserve: built.maxTokens,
        countTokens: (text) => counts.get(text) ?? estimateTokens(text),
      });
      if (fit.overflow) {
        throw new UserError(
          `the grounding and request (~${fit.promptTokens} tokens) leave no room for a reply in a ${contextSize}-token context; shorten the request or load the model with a larger context`,
        );
      }
      const started = performance.now();
      let firstToken: number | null = null;
      const result = await runtime.chat(built.user, {
        system,
        history: fit.history,
        maxTokens: built.maxTokens,
        signal,
        onChunk: (text) => {
          firstToken ??= performance.now();
          this.emit({ type: 'chat', streamId, conversationId, event: 'chunk', text });
        },
        // A long grounded prompt takes seconds before the first token on a laptop: say how far it is.
        onPromptProgress: (evaluated, total) =>
          this.emit({ type: 'chat', streamId, conversationId, event: 'prompt', evaluated, total }),
      });
      const ended = performance.now();
      const decodeSeconds = (ended - (firstToken ?? ended)) / 1000;
      const text = built.charLimit !== null ? clampToLimit(result.text, built.charLimit) : result.text;
      const message = appendMessage(this.db, conversationId, 'assistant', text, {
        tokens: result.tokens,
        tokensPerSecond: result.tokens > 1 && decodeSeconds > 0 ? (result.tokens - 1) / decodeSeconds : null,
        timeToFirstTokenMs: firstToken === null ? null : Math.round(firstToken - started),
        stopReason: result.stopReason,
        ...(fit.trimmed.length ? { trimmedTurns: fit.trimmed.length } : {}),
        // How much of the prompt llama.cpp evaluated: the stable system + grounding prefix is reused across turns.
        ...(result.stats
          ? { promptTokens: result.stats.promptTokens, evaluatedPromptTokens: result.stats.evaluatedPromptTokens }
          : {}),
      });
      // The stream ends before its last event goes out, so a listener may send the next message at once.
      this.streams.delete(streamId);
      this.emit({ type: 'chat', streamId, conversationId, event: 'done', message });
    } catch (err) {
      this.streams.delete(streamId);
      const reason = err instanceof LlmError && err.llamaLog.length ? ` (${err.llamaLog.at(-1)})` : '';
      this.emit({
        type: 'chat',
        streamId,
        conversationId,
        event: 'error',
        message: `${(err as Error).message}${reason}`,
      });
    }
  }

  private grounding(g: ChatGrounding | null): string {
    if (!g) return '';
    try {
      if ('segment' in g) return segmentGrounding(this.db, g.segment).text;
      if ('product' in g) return productGrounding(this.db, g.product).text;
    } catch (err) {
      // The grounding modules say RangeError for "no such segment/product": the user's choice, not a fault.
      if (err instanceof RangeError) throw new UserError(err.message);
      throw err;
    }
    const id = this.db.prepare('SELECT id FROM customers WHERE external_id = ?').pluck().get(g.customer) as
      number | undefined;
    if (id === undefined) throw new UserError(`no customer "${g.customer}" in this workspace`);
    return customerGrounding(this.db, id).text;
  }
}
