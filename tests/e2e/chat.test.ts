/**
 * The Chat view end to end in Chromium: add the generated tiny GGUF to the model library, load it, start a
 * conversation grounded on a segment, watch the reply stream in, stop a long reply mid-way, and find the
 * conversation again after a reload (it lives in the workspace). Random weights: the words are noise, the
 * plumbing is real (node-llama-cpp in its own process, SSE to the page).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../fixtures/llm/make-tiny-gguf.ts';
import { openSampleShop, screenshots, type ShopSession } from './helpers.ts';

describe('chat view', () => {
  let session: ShopSession;
  let page: Page;
  let model: string;

  beforeAll(async () => {
    session = await openSampleShop({
      prefix: 'mw-e2e-chat-',
      customers: 400,
      seed: 5,
      // One thread and a small context: the test machine has two cores and the tiny model needs no more.
      // A long free-chat budget gives the stop test seconds of streaming to press Stop in, on any machine.
      serviceOptions: (dir) => ({
        modelsDir: join(dir, 'models'),
        llm: { gpu: false, threads: 1, contextSize: 2048, freeReplyTokens: 1900 },
      }),
    });
    page = session.page;
    model = writeTinyGguf(join(session.dir, 'tiny.gguf'));
  });

  afterAll(async () => {
    await session?.close();
  });

  const messages = (role: 'user' | 'assistant') => page.locator(`[data-testid="messages"] [data-role="${role}"]`);

  it('says how to get a model, then adds and loads one', async () => {
    await page.locator('[data-nav="chat"]').click();
    await page.getByText('No models yet').waitFor();
    await page.locator('[data-field="model-path"]').fill(model);
    await page.locator('[data-action="add-model"]').click();
    const row = page.locator('[data-model="tiny.gguf"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Fits');
    await row.locator('[data-action="load-model"]').click();
    await expect
      .poll(() => page.getByTestId('model-loaded').textContent(), { timeout: 30_000 })
      .toMatch(/tiny\.gguf · cpu/);
  });

  it('streams a reply grounded on a segment and shows its speed', async () => {
    await page.locator('[data-field="template"]').selectOption('sms');
    await page.locator('[data-field="copy-language"]').selectOption('en');
    await page.locator('[data-field="ground-on"]').selectOption('segment');
    await page.locator('[data-field="subject"]').fill('Champions');
    await page.locator('[data-action="create-chat"]').click();
    await page.getByText('sms · Champions').first().waitFor();
    await page.locator('[data-field="prompt"]').fill('Announce the spring sale');
    await page.locator('[data-action="send"]').click();
    await expect.poll(() => messages('assistant').count(), { timeout: 60_000 }).toBe(1);
    expect(await messages('user').textContent()).toContain('Announce the spring sale');
    expect(await messages('assistant').getByTestId('message-stats').textContent()).toMatch(
      /\d+ tokens · [\d.]+ tokens\/s/,
    );
    expect(((await messages('assistant').locator('.message-text').textContent()) ?? '').length).toBeLessThanOrEqual(
      160,
    );
    await page.screenshot({ path: join(screenshots, 'chat-en-US.png'), fullPage: true });
  });

  it('shows "processing prompt n/m" before the first token of a long prompt', async () => {
    await page.locator('[data-field="template"]').selectOption('push');
    await page.locator('[data-field="ground-on"]').selectOption('segment');
    await page.locator('[data-field="subject"]').fill('Champions');
    await page.locator('[data-action="create-chat"]').click();
    await page.getByText('push · Champions').first().waitFor();
    // The tiny model reads about a token per character: grounding plus this brief is well over one 512-token batch.
    const brief = Array.from({ length: 12 }, (_, i) => `Point ${i + 1}: mention the spring offer and free shipping.`);
    await page.locator('[data-field="prompt"]').fill(brief.join(' '));
    await page.locator('[data-action="send"]').click();
    const progress = page.getByTestId('prompt-progress');
    await progress.waitFor({ timeout: 30_000 });
    const [evaluated, total] =
      ((await progress.textContent()) ?? '')
        .match(/(\d+)\/(\d+)/)
        ?.slice(1)
        .map(Number) ?? [];
    expect(total).toBeGreaterThan(512);
    expect(evaluated).toBeLessThan(total!);
    await expect.poll(() => messages('assistant').count(), { timeout: 60_000 }).toBe(1);
    expect(await progress.count()).toBe(0);
  });

  it('stop ends a long reply while it streams', async () => {
    await page.locator('[data-field="template"]').selectOption('');
    await page.locator('[data-field="ground-on"]').selectOption('none');
    await page.locator('[data-action="create-chat"]').click();
    await page.getByText('No messages yet.').waitFor();
    await page.locator('[data-field="prompt"]').fill('Write a very long story');
    await page.locator('[data-action="send"]').click();
    // Tokens are on the page before the reply is done: the text streams.
    await expect
      .poll(async () => ((await page.getByTestId('streaming').textContent()) ?? '').length, { timeout: 60_000 })
      .toBeGreaterThan(3);
    await page.locator('[data-action="stop"]').click();
    await expect.poll(() => messages('assistant').count(), { timeout: 30_000 }).toBe(1);
    expect(await messages('assistant').getByTestId('message-stats').textContent()).toContain('stopped');
  });

  it('analyses reviews in a batch that can be cancelled and resumed', async () => {
    const panel = page.getByTestId('reviews-panel');
    await panel.locator('[data-action="analyse-reviews"]').click();
    // Cancel once the first reviews are through: what was analysed is kept.
    await expect
      .poll(
        async () =>
          Number((await panel.locator('[data-job-status="running"] .job-meta').textContent())?.match(/\d+/)?.[0] ?? 0),
        {
          timeout: 60_000,
        },
      )
      .toBeGreaterThan(0);
    await panel.locator('[data-job-status="running"] button').click();
    await panel.getByText('Cancelled: what was analysed is kept.').waitFor({ timeout: 30_000 });
    const analysed = Number(
      (await panel.locator('[data-value="reviews-analysed"]').textContent())?.split('/')[0]?.replace(/\D/g, ''),
    );
    expect(analysed).toBeGreaterThan(0);
    expect(await panel.locator('[data-table="review-insights"] tbody tr').count()).toBe(Math.min(analysed, 20));
    expect(await panel.locator('[data-action="analyse-reviews"]').textContent()).toContain('Analyse the rest');
  });

  it('writes a persona for a segment from the Segments view', async () => {
    await page.locator('[data-nav="segments"]').click();
    await page.locator('[data-run="rfm"] [data-action="run"]').click();
    const champions = page.locator('[data-table="rfm"] tbody tr[data-segment="Champions"]');
    await champions.waitFor({ timeout: 30_000 });
    await champions.click();
    const card = page.getByTestId('persona-card');
    await card.locator('[data-action="write-persona"]').click();
    await expect
      .poll(async () => (await card.locator('[data-value="persona-name"]').count()) > 0, { timeout: 60_000 })
      .toBe(true);
    expect(((await card.locator('[data-value="persona-name"]').textContent()) ?? '').length).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshots, 'segments-persona-en-US.png'), fullPage: true });
  });

  it('keeps conversations in the workspace across a reload', async () => {
    await page.reload();
    await page.locator('[data-nav="chat"]').click();
    const grounded = page.locator('[data-testid="conversations"] button', { hasText: 'sms · Champions' });
    await grounded.click();
    await expect.poll(() => messages('assistant').count(), { timeout: 10_000 }).toBe(1);
    expect(await messages('user').textContent()).toContain('Announce the spring sale');
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.problems).toEqual([]);
  });
});
