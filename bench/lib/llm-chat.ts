/** Shared by the llm benches: one chat call timed as the caller sees it, and a grounded prompt of a given length. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SEGMENT_RULES } from '../../src-main/core/analytics/rfm.ts';
import { openWorkspace } from '../../src-main/core/db/workspace.ts';
import { segmentGrounding } from '../../src-main/core/llm/grounding.ts';
import { buildPrompt } from '../../src-main/core/llm/prompts.ts';
import type { LlmChatResult, LlmRuntime } from '../../src-main/core/llm/runtime.ts';
import { generateSampleShop } from '../../src-main/core/sample/index.ts';

export interface Timed {
  result: LlmChatResult;
  ttftMs: number;
  decodeTps: number;
}

/**
 * One chat call timed at the caller, as the app's UI sees it. Decode = (tokens − 1) / (last chunk's arrival − first
 * chunk's arrival); time to first token = from the chat() call to the first chunk.
 */
export async function timedChat(
  runtime: LlmRuntime,
  prompt: string,
  options: Parameters<LlmRuntime['chat']>[1],
): Promise<Timed> {
  const start = performance.now();
  let first: number | null = null;
  let last = start;
  const result = await runtime.chat(prompt, {
    ...options,
    onChunk: () => {
      last = performance.now();
      first ??= last;
    },
  });
  const ttftMs = (first ?? last) - start;
  const decodeTps =
    result.tokens > 1 && first !== null && last > first ? (result.tokens - 1) / ((last - first) / 1000) : 0;
  return { result, ttftMs, decodeTps };
}

/** About `target` tokens of real grounding: the sample shop's segment facts, as the copy templates put them. */
export async function groundedPrompt(runtime: LlmRuntime, target: number): Promise<{ system: string; user: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-llm-bench-'));
  try {
    const db = openWorkspace(join(dir, 'shop.db'));
    generateSampleShop(db, { customers: 3000, seed: 7 });
    const blocks: string[] = [];
    for (const rule of DEFAULT_SEGMENT_RULES) {
      try {
        blocks.push(segmentGrounding(db, rule.segment, { top: 5 }).text);
      } catch {
        // An empty segment in this shop: nothing to ground on.
      }
    }
    db.close();
    const user = 'Write a win-back email for the At Risk customers, mentioning their favourite categories.';
    const build = (n: number) =>
      buildPrompt({
        template: 'email',
        tone: 'friendly',
        language: 'en',
        grounding: blocks.slice(0, n).join('\n\n'),
        request: user,
      });
    // Whole segments until the next would pass the target; the chat template adds a few tokens on top.
    let n = 1;
    while (n < blocks.length && (await runtime.countTokens(build(n + 1).system)) <= target) n++;
    let { system } = build(n);
    const sentences = blocks.join('\n').split('\n');
    for (let i = 0; (await runtime.countTokens(system)) < target - 20 && i < sentences.length; i++)
      system += `\n${sentences[i]}`;
    return { system, user };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two turns of one conversation over the grounded prompt: what the second turn evaluates shows the cached prefix
 * being reused. Returns the line to print.
 */
export async function conversationLine(
  runtime: LlmRuntime,
  label: string,
  prompt: { system: string; user: string },
): Promise<string> {
  const { system, user } = prompt;
  const turn1 = await timedChat(runtime, user, { system, maxTokens: 64 });
  const turn2 = await timedChat(runtime, 'Make it shorter and add a 10% coupon.', {
    system,
    maxTokens: 64,
    history: [
      { role: 'user', text: user },
      { role: 'assistant', text: turn1.result.text },
    ],
  });
  const s1 = turn1.result.stats;
  const s2 = turn2.result.stats;
  return (
    `conversation (${label}): turn 1 evaluated ${s1?.evaluatedPromptTokens} of ${s1?.promptTokens} prompt tokens, ` +
    `TTFT ${turn1.ttftMs.toFixed(0)} ms; turn 2 evaluated ${s2?.evaluatedPromptTokens} of ${s2?.promptTokens}, ` +
    `TTFT ${turn2.ttftMs.toFixed(0)} ms`
  );
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
