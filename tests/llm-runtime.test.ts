// The local-model runtime against the real node-llama-cpp and a generated tiny GGUF (random weights: the text is
// meaningless, but tokenizing, streaming, stopping, grammars, loading and crashing are all llama.cpp's own).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LlmError, LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

let dir: string;
let good: string;
let truncated: string;
let aborting: string;
let runtime: LlmRuntime;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-llm-'));
  good = writeTinyGguf(join(dir, 'tiny.gguf'));
  const bytes = readFileSync(good);
  truncated = join(dir, 'truncated.gguf');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  aborting = writeTinyGguf(join(dir, 'aborting.gguf'), { headCountKv: 0 });
  // One thread: node-llama-cpp's default of 4 is very slow on a 2-core machine shared with other tests.
  runtime = new LlmRuntime({ gpu: false, threads: 1, contextSize: 1024, maxTokens: 16 });
});

afterAll(async () => {
  await runtime?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tiny GGUF fixture', () => {
  it('is small and deterministic', () => {
    expect(statSync(good).size).toBeLessThan(2 * 1024 * 1024);
    const again = writeTinyGguf(join(dir, 'again.gguf'));
    expect(readFileSync(again).equals(readFileSync(good))).toBe(true);
    expect(readFileSync(good).subarray(0, 4).toString('ascii')).toBe('GGUF');
  });
});

describe('LlmRuntime', () => {
  it('loads a model and reports backend and model info', async () => {
    const model = await runtime.load(good);
    expect(model).toMatchObject({ path: good, trainContextSize: 2048, contextSize: 1024, gpuLayers: 0, threads: 1 });
    expect(model.sizeBytes).toBeGreaterThan(0);
    const info = await runtime.info();
    expect(info).toMatchObject({ backend: 'cpu', gpu: false, model });
    expect(Array.isArray(info.deviceNames)).toBe(true);
    expect(info.vram.total).toBeGreaterThanOrEqual(0);
    expect(info.llamaCppRelease).toMatch(/\S/);
    expect(runtime.pid).toBeGreaterThan(0);
    expect(runtime.pid).not.toBe(process.pid);
  });

  it('chats and streams the reply in chunks', async () => {
    const chunks: string[] = [];
    const reply = await runtime.chat('Write a slogan for our summer sale', {
      system: 'You write short marketing copy.',
      onChunk: (text) => chunks.push(text),
    });
    expect(reply.text.length).toBeGreaterThan(0);
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    expect(chunks.join('')).toBe(reply.text);
    // Greedy decoding on fixed weights: the same question gives the same answer, also with earlier turns given.
    const again = await runtime.chat('Write a slogan for our summer sale', {
      system: 'You write short marketing copy.',
    });
    expect(again.text).toBe(reply.text);
    const followUp = await runtime.chat('Shorter, please', {
      history: [
        { role: 'user', text: 'Write a slogan for our summer sale' },
        { role: 'assistant', text: reply.text },
      ],
    });
    expect(followUp.text.length).toBeGreaterThan(0);
  });

  it('respects maxTokens on every call', async () => {
    const short = await runtime.chat('Describe our best customers', { maxTokens: 4 });
    expect(short.stopReason).toBe('maxTokens');
    expect(short.tokens).toBe(4);
    const longer = await runtime.chat('Describe our best customers', { maxTokens: 24 });
    expect(longer.stopReason).toBe('maxTokens');
    expect(longer.tokens).toBe(24);
    expect(longer.text.length).toBeGreaterThan(short.text.length);
    // The runtime's default (16 here) applies when a call gives none.
    expect((await runtime.chat('Describe our best customers')).tokens).toBe(16);
  });

  it('stops mid-generation and keeps what was produced', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    const started = Date.now();
    const reply = await runtime.chat('Write a very long product description', {
      maxTokens: 800,
      signal: controller.signal,
      onChunk: (text) => {
        chunks.push(text);
        if (chunks.length === 3) controller.abort();
      },
    });
    expect(reply.stopReason).toBe('abort');
    expect(reply.tokens).toBeGreaterThanOrEqual(3);
    expect(reply.tokens).toBeLessThan(800);
    expect(reply.text).toBe(chunks.join(''));
    expect(Date.now() - started).toBeLessThan(30_000);
    // Stopping before the call starts gives an empty reply without bothering the model.
    const pre = new AbortController();
    pre.abort();
    expect(await runtime.chat('Anything', { signal: pre.signal })).toEqual({
      text: '',
      stopReason: 'abort',
      tokens: 0,
    });
    // The runtime is still usable after a stop.
    expect((await runtime.chat('Hello', { maxTokens: 3 })).tokens).toBe(3);
  });

  it('returns JSON that follows the schema', async () => {
    const Copy = z.object({
      tone: z.enum(['friendly', 'formal', 'playful']),
      urgent: z.boolean(),
      channel: z.enum(['email', 'sms']),
    });
    const schema = z.toJSONSchema(Copy);
    const result = await runtime.json('Classify this campaign as JSON', schema, { maxTokens: 80 });
    expect(() => JSON.parse(result.text)).not.toThrow();
    expect(Copy.parse(result.value)).toEqual(result.value);
    expect(result.stopReason).not.toBe('maxTokens');
  });

  it('rejects JSON that maxTokens cut off', async () => {
    const schema = { type: 'object', properties: { tone: { enum: ['friendly', 'formal'] } }, required: ['tone'] };
    const error = await runtime.json('Classify', schema, { maxTokens: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).code).toBe('request');
    expect((error as LlmError).message).toMatch(/maxTokens \(2\)/);
  });

  it('reports llama.cpp’s reason for a truncated model and keeps the child', async () => {
    const pid = runtime.pid;
    const error = await runtime.load(truncated).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).code).toBe('load');
    expect((error as LlmError).message).toMatch(/Failed to load model.*not within the file bounds/);
    expect((error as LlmError).llamaLog.join('\n')).toMatch(/corrupted or incomplete/);
    expect(runtime.pid).toBe(pid);
    expect(runtime.loaded).toBeNull();
  });

  it('survives a model that makes llama.cpp abort, then restarts and loads a good one', async () => {
    const pid = runtime.pid;
    const restarts = runtime.restarts;
    const error = await runtime.load(aborting).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).code).toBe('crash');
    expect((error as LlmError).message).toMatch(/killed by SIGABRT: .*GGML_ASSERT/);
    expect(runtime.lastCrash?.reason).toBe((error as LlmError).message);
    expect(runtime.pid).toBeNull();
    // This (parent) process is fine; the next call starts a fresh child.
    await runtime.load(good);
    expect(runtime.pid).not.toBe(pid);
    expect(runtime.restarts).toBe(restarts + 1);
    expect((await runtime.chat('Still there?', { maxTokens: 3 })).tokens).toBe(3);
  });

  it('rejects what is in flight when the child dies', async () => {
    const pending = runtime.chat('Write a very long product description', {
      maxTokens: 800,
      onChunk: () => {
        if (runtime.pid) process.kill(runtime.pid, 'SIGKILL');
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'crash', message: /killed by SIGKILL/ });
    expect(runtime.loaded).toBeNull();
    await runtime.load(good);
  });

  it('unloads: context and model are disposed', async () => {
    expect(runtime.loaded).not.toBeNull();
    expect(await runtime.unload()).toEqual({ disposed: true });
    expect(runtime.loaded).toBeNull();
    expect((await runtime.info()).model).toBeNull();
    await expect(runtime.chat('Hello')).rejects.toThrow(/No model is loaded/);
    // Loading again after an unload works.
    await runtime.load(good);
    expect((await runtime.chat('Hello', { maxTokens: 2 })).tokens).toBe(2);
  });
});

describe('LlmRuntime speed figures and the cached prefix', () => {
  it('counts tokens with the model’s tokenizer', async () => {
    const one = await runtime.countTokens('summer sale');
    const many = await runtime.countTokens('summer sale '.repeat(20));
    expect(one).toBeGreaterThan(0);
    expect(many).toBeGreaterThan(one * 10);
  });

  it('returns prompt, cache and speed figures with each reply', async () => {
    const reply = await runtime.chat('Describe our best customers in one line', {
      system: `Statistics run ${Date.now()}: you write short copy.`,
      maxTokens: 20,
    });
    const stats = reply.stats!;
    expect(stats.threads).toBe(1);
    expect(stats.promptTokens).toBeGreaterThan(await runtime.countTokens('Describe our best customers in one line'));
    // A system prompt the context has not seen: all but the chat template's opening tokens are evaluated.
    expect(stats.evaluatedPromptTokens).toBeGreaterThan(stats.promptTokens * 0.8);
    expect(stats.evaluatedPromptTokens).toBeLessThanOrEqual(stats.promptTokens);
    expect(stats.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(stats.tokensPerSecond).toBeGreaterThan(0);
  });

  it('evaluates only the new tokens on the next turn of a conversation', async () => {
    // A fixed prompt, new to this file's context: greedy decoding then gives the same reply every run. (With a prompt
    // that changed every run, a random-weight reply sometimes re-tokenized differently from the tokens sampled, and
    // the last token or two of it were evaluated again.)
    const system = 'Conversation about tea: you write copy for a tea shop.';
    const first = await runtime.chat('Write a slogan for our green tea', { system, maxTokens: 12 });
    const s1 = first.stats!;
    const second = await runtime.chat('Shorter, please', {
      system,
      maxTokens: 12,
      history: [
        { role: 'user', text: 'Write a slogan for our green tea' },
        { role: 'assistant', text: first.text },
      ],
    });
    const s2 = second.stats!;
    expect(s2.promptTokens).toBeGreaterThan(s1.promptTokens + first.tokens);
    // Everything the first turn left in the context is reused: its prompt and the reply's tokens (at least all but
    // the last, which was sampled and may never have been evaluated).
    expect(s2.promptTokens - s2.evaluatedPromptTokens).toBeGreaterThanOrEqual(s1.promptTokens + first.tokens - 1);
    // A different conversation (another system prompt from its first word) starts over.
    const other = await runtime.chat('Shorter, please', { system: `Another ${system}`, maxTokens: 4 });
    expect(other.stats!.evaluatedPromptTokens).toBeGreaterThan(other.stats!.promptTokens * 0.8);
  });

  it('honours the threads option, and uses the physical cores when it is 0', async () => {
    const one = new LlmRuntime({ gpu: false, threads: 1, contextSize: 1024, maxTokens: 4 });
    const auto = new LlmRuntime({ gpu: false, threads: 0, contextSize: 1024, maxTokens: 4 });
    try {
      expect((await one.load(good)).threads).toBe(1);
      expect((await one.chat('Hello')).stats?.threads).toBe(1);
      const model = await auto.load(good);
      expect(model.threads).toBe(Math.max(1, (await auto.info()).cpuMathCores));
    } finally {
      await Promise.all([one.close(), auto.close()]);
    }
  });
});
