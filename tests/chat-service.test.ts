// The marketing-copy chat through the API contract, as the Chat view uses it: a real workspace, the real
// node-llama-cpp child process and a generated tiny GGUF (random weights: the words are noise, the streaming,
// stopping, persistence and grounding are real).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../src-main/core/api/contract.ts';
import { ApiError, WorkbenchService } from '../src-main/core/api/service.ts';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

type ChatEvent = Extract<ServerEvent, { type: 'chat' }>;

let dir: string;
let dbPath: string;
let model: string;
let service: WorkbenchService;

// 2048 tokens: the tiny model's byte-level tokenizer spends about one token per character of grounding.
const options = () => ({ modelsDir: join(dir, 'models'), llm: { gpu: false as const, threads: 1, contextSize: 2048 } });

/** Collects one stream's events until it ends; `onChunk` may act mid-stream (e.g. stop it). */
function follow(
  svc: WorkbenchService,
  start: () => Promise<{ streamId: string }>,
  onChunk?: (streamId: string, n: number) => void,
): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  return new Promise((resolve) => {
    let streamId: string | null = null;
    const pending: ChatEvent[] = [];
    const handle = (e: ChatEvent) => {
      events.push(e);
      if (e.event === 'chunk') onChunk?.(e.streamId, events.filter((x) => x.event === 'chunk').length);
      if (e.event === 'done' || e.event === 'error') {
        off();
        resolve(events);
      }
    };
    const off = svc.onEvent((e) => {
      if (e.type !== 'chat') return;
      if (streamId === null) pending.push(e);
      else if (e.streamId === streamId) handle(e);
    });
    void start().then((r) => {
      streamId = r.streamId;
      for (const e of pending.splice(0)) if (e.streamId === streamId) handle(e);
    });
  });
}

/** Resolves with a job's final status. */
async function finished(jobId: string): Promise<string> {
  return (await service.jobs.wait(jobId)).status;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-chat-svc-'));
  dbPath = join(dir, 'shop.db');
  const db = openWorkspace(dbPath);
  generateSampleShop(db, { customers: 400, seed: 3 });
  db.close();
  model = writeTinyGguf(join(dir, 'tiny.gguf'));
  service = new WorkbenchService(dbPath, options());
});

afterAll(async () => {
  await service?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('chat over the API with a real GGUF model', () => {
  it('refuses to send before a model is loaded, saying what to do', async () => {
    const c = await service.invoke('chat.create', { template: 'sms', language: 'en' });
    await expect(service.invoke('chat.send', { conversationId: c.id, text: 'hi', mode: 'send' })).rejects.toThrow(
      /no model is loaded/,
    );
  });

  it('adds a model to the library with its header and fit, and loads it on the CPU', async () => {
    const added = await service.invoke('llm.add', { path: model });
    expect(added.header).toMatchObject({ architecture: 'llama', hasChatTemplate: true });
    expect(added.fit?.verdict).toBe('fits');
    const { models } = await service.invoke('llm.models', {});
    expect(models.map((m) => m.path)).toContain(model);
    const status = await service.invoke('llm.load', { path: model });
    expect(status).toMatchObject({ backend: 'cpu', busy: false, model: { name: 'tiny.gguf', threads: 1 } });
  });

  it('streams a grounded SMS reply, stores both turns with stats, and keeps the SMS limit', async () => {
    const c = await service.invoke('chat.create', {
      template: 'sms',
      language: 'en',
      grounding: { segment: 'Champions' },
    });
    expect(c.title).toMatch(/sms · Champions/);
    const events = await follow(service, () =>
      service.invoke('chat.send', { conversationId: c.id, text: 'spring sale' }),
    );
    const chunks = events.filter((e) => e.event === 'chunk');
    const done = events.at(-1);
    if (done?.event !== 'done') throw new Error(`stream ended with ${JSON.stringify(done)}`);
    expect(events[0]).toMatchObject({ event: 'start', userMessage: { role: 'user', text: 'spring sale' } });
    expect(chunks.length).toBeGreaterThan(1);
    expect(done.message.text.length).toBeLessThanOrEqual(160);
    expect(done.message.stats?.tokens).toBeGreaterThan(0);
    const stored = await service.invoke('chat.get', { conversationId: c.id });
    expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored.messages[1]?.text).toBe(done.message.text);
  });

  it('stop ends a reply early and keeps what was written', async () => {
    const c = await service.invoke('chat.create', { language: 'en' });
    const events = await follow(
      service,
      () => service.invoke('chat.send', { conversationId: c.id, text: 'Write a long story' }),
      (streamId, n) => {
        if (n === 3) void service.invoke('chat.stop', { streamId });
      },
    );
    const done = events.at(-1);
    if (done?.event !== 'done') throw new Error(`stream ended with ${JSON.stringify(done)}`);
    expect(done.message.stats?.stopReason).toBe('abort');
    // Without the stop it would run to the 512-token reply budget.
    expect(done.message.stats?.tokens).toBeLessThan(512);
  });

  it('regenerate replaces the last reply; edit replaces the last request and its reply', async () => {
    const c = await service.invoke('chat.create', { template: 'push', language: 'zh' });
    await follow(service, () => service.invoke('chat.send', { conversationId: c.id, text: '新品上市' }));
    const again = await follow(service, () =>
      service.invoke('chat.send', { conversationId: c.id, mode: 'regenerate' }),
    );
    // The system prompt is the same as in the first turn: llama.cpp reuses its cached prefix.
    const last = again.at(-1);
    if (last?.event !== 'done') throw new Error(`regenerate ended with ${JSON.stringify(last)}`);
    expect(last.message.stats?.evaluatedPromptTokens).toBeLessThan(last.message.stats?.promptTokens ?? 0);
    let stored = await service.invoke('chat.get', { conversationId: c.id });
    expect(stored.messages.map((m) => [m.role, m.role === 'user' ? m.text : '…'])).toEqual([
      ['user', '新品上市'],
      ['assistant', '…'],
    ]);
    await follow(service, () => service.invoke('chat.send', { conversationId: c.id, text: '会员日', mode: 'edit' }));
    stored = await service.invoke('chat.get', { conversationId: c.id });
    expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored.messages[0]?.text).toBe('会员日');
  });

  it('a grounding that matches nothing is refused with a clear error and nothing is stored', async () => {
    const c = await service.invoke('chat.create', { template: 'sms', grounding: { segment: 'Nobody' } });
    await expect(service.invoke('chat.send', { conversationId: c.id, text: 'hi' })).rejects.toThrow(
      /No customers in segment "Nobody"/,
    );
    expect((await service.invoke('chat.get', { conversationId: c.id })).messages).toEqual([]);
    expect((await service.invoke('llm.status', {})).busy).toBe(false);
  });

  it('writes a persona and analyses reviews as jobs on the loaded model, storing schema-checked results', async () => {
    const persona = await service.invoke('llm.persona', { segment: 'Champions', language: 'en' });
    expect(await finished(persona.jobId)).toBe('completed');
    const personas = await service.invoke('llm.personas', {});
    expect(personas).toEqual([expect.objectContaining({ scope: 'segment', subject: 'Champions', model: 'tiny.gguf' })]);
    expect(personas[0]!.persona.name.length).toBeGreaterThan(0);
    await expect(service.invoke('llm.persona', { segment: 'Nobody', language: 'en' })).rejects.toThrow(/Nobody/);

    const reviews = await service.invoke('llm.reviews', { limit: 2, language: 'en' });
    expect(await finished(reviews.jobId)).toBe('completed');
    const summary = await service.invoke('llm.reviewInsights', {});
    expect(summary.analyzed).toBe(2);
    expect(summary.latest).toHaveLength(2);
    for (const r of summary.latest) expect(Math.abs(r.sentiment)).toBeLessThanOrEqual(1);
    expect(summary.aspects.reduce((n, a) => n + a.reviews, 0)).toBeGreaterThanOrEqual(2);
  });

  it('cancelling the review batch keeps what was analysed, and the next run goes on from there', async () => {
    const before = (await service.invoke('llm.reviewInsights', {})).analyzed;
    const { jobId } = await service.invoke('llm.reviews', { limit: 20, language: 'en' });
    const off = service.onJob((e) => {
      if (e.job.id === jobId && e.job.done >= 1) void service.invoke('jobs.cancel', { jobId });
    });
    expect(await finished(jobId)).toBe('cancelled');
    off();
    const afterCancel = (await service.invoke('llm.reviewInsights', {})).analyzed;
    expect(afterCancel).toBeGreaterThan(before);
    expect(afterCancel).toBeLessThan(before + 20);
    const again = await service.invoke('llm.reviews', { limit: 1, language: 'en' });
    expect(await finished(again.jobId)).toBe('completed');
    expect((await service.invoke('llm.reviewInsights', {})).analyzed).toBe(afterCancel + 1);
  });

  it('conversations survive closing and reopening the workspace; a reply can be saved to a campaign note', async () => {
    const before = await service.invoke('chat.list', {});
    await service.close();
    service = new WorkbenchService(dbPath, options());
    const after = await service.invoke('chat.list', {});
    expect(after).toEqual(before);
    const withReply = after.find((c) => c.messages >= 2);
    if (!withReply) throw new Error('no conversation with a reply');
    const { messages } = await service.invoke('chat.get', { conversationId: withReply.id });
    const reply = messages.find((m) => m.role === 'assistant')!;
    const { campaignId } = await service.invoke('chat.saveToCampaign', { messageId: reply.id, campaign: 'Spring' });
    const db = openWorkspace(dbPath, { readonly: true });
    expect(db.prepare('SELECT note FROM campaigns WHERE id = ?').pluck().get(campaignId)).toBe(reply.text);
    db.close();
    await expect(service.invoke('chat.get', { conversationId: 99999 })).rejects.toBeInstanceOf(ApiError);
  });
});
