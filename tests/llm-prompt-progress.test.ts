// "Processing prompt n/m": a prompt longer than one batch reports how much of it llama.cpp has evaluated, before the
// first token, with the real node-llama-cpp child and the tiny GGUF. The child samples every millisecond here
// (WORKBENCH_PROMPT_PROGRESS_MS) so each 512-token batch of the tiny model is seen; the app samples every 200 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmRuntime } from '../src-main/core/llm/runtime.ts';
import { writeTinyGguf } from './fixtures/llm/make-tiny-gguf.ts';

let dir: string;
let runtime: LlmRuntime;
const BATCH = 512; // node-llama-cpp's default batch for one sequence

// The tiny model's tokenizer is byte-level: about one token per character.
const facts = Array.from({ length: 60 }, (_, i) => `Segment fact ${i}: revenue share ${i}.5%, AOV ${100 + i}.`).join(
  '\n',
);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wb-llm-progress-'));
  const model = writeTinyGguf(join(dir, 'tiny.gguf'));
  runtime = new LlmRuntime({
    gpu: false,
    threads: 1,
    contextSize: 4096,
    maxTokens: 4,
    childEnv: { WORKBENCH_PROMPT_PROGRESS_MS: '1' },
  });
  await runtime.load(model);
});

afterAll(async () => {
  await runtime?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('prompt progress', () => {
  it('reports n/m per finished batch before the first token, and nothing once the prefix is cached', async () => {
    const seen: { evaluated: number; total: number; beforeFirstChunk: boolean }[] = [];
    let chunks = 0;
    const result = await runtime.chat('Write an SMS for this segment.', {
      system: `You write marketing copy.\n\n${facts}`,
      onChunk: () => chunks++,
      onPromptProgress: (evaluated, total) => seen.push({ evaluated, total, beforeFirstChunk: chunks === 0 }),
    });
    const stats = result.stats!;
    expect(stats.promptTokens).toBeGreaterThan(3 * BATCH);
    expect(seen[0]).toEqual({ evaluated: 0, total: stats.promptTokens, beforeFirstChunk: true });
    // Every report is a whole number of finished batches, rising, short of the whole prompt, before any text.
    for (const [i, s] of seen.entries()) {
      expect(s.total).toBe(stats.promptTokens);
      expect(s.beforeFirstChunk).toBe(true);
      expect(s.evaluated % BATCH).toBe(0);
      expect(s.evaluated).toBeLessThan(s.total);
      if (i > 0) expect(s.evaluated).toBeGreaterThan(seen[i - 1]!.evaluated);
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);

    // Same system prompt again: the cached prefix is reused and what is left fits in a batch, so no progress.
    const again: number[] = [];
    const second = await runtime.chat('Now a push notification.', {
      system: `You write marketing copy.\n\n${facts}`,
      onPromptProgress: (evaluated) => again.push(evaluated),
    });
    expect(second.stats!.evaluatedPromptTokens).toBeLessThan(BATCH);
    expect(again).toEqual([]);
  });
});
