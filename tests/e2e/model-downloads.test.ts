/**
 * Downloading a model from the Chat view's model manager in Chromium: a URL served by an HTTP server in the test
 * (a generated tiny GGUF, with Range support, that holds its first response half-way), progress on the page, Pause,
 * a page reload that still lists the paused download, Resume with a Range request for the rest, the checksum
 * checked, and the model in the library, ready to load.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/llm/make-tiny-gguf.ts';
import { openSampleShop, screenshots, type ShopSession } from './helpers.ts';

const gguf = makeTinyGguf();
const sha256 = createHash('sha256').update(gguf).digest('hex');
const HALF = Math.floor(gguf.length / 2);

describe('model downloads in the model manager', () => {
  let session: ShopSession;
  let page: Page;
  let server: Server;
  let url: string;
  const ranges: (string | null)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const range = req.headers.range ?? null;
      ranges.push(range);
      const start = range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
      res.writeHead(range ? 206 : 200, {
        'content-length': gguf.length - start,
        etag: '"tiny-v1"',
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${start}-${gguf.length - 1}/${gguf.length}` } : {}),
      });
      // The first response stops half-way and stays open: the page shows it mid-download until Pause.
      if (start === 0) res.write(gguf.subarray(0, HALF));
      else res.end(gguf.subarray(start));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop-writer.gguf`;
    session = await openSampleShop({
      prefix: 'mw-e2e-download-',
      customers: 200,
      seed: 7,
      serviceOptions: (dir) => ({
        modelsDir: join(dir, 'models'),
        llm: { gpu: false, threads: 1, contextSize: 1024, downloads: { progressEveryMs: 0 } },
      }),
    });
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  });

  const item = () => page.locator('[data-download="shop-writer.gguf"]');

  it('shows progress, pauses mid-way, lists the paused download after a reload, resumes and verifies', async () => {
    await page.locator('[data-nav="chat"]').click();
    await page.getByText('No models yet').waitFor();
    await page.locator('[data-field="download-url"]').fill(url);
    await page.locator('[data-field="download-sha256"]').fill(sha256);
    await page.locator('[data-action="download"]').click();
    await expect.poll(() => item().textContent(), { timeout: 15_000 }).toMatch(/\(50(\.0)?%\)/);
    expect(await item().getAttribute('data-download-status')).toBe('downloading');
    await page.screenshot({ path: join(screenshots, 'chat-download-en-US.png'), fullPage: true });

    await item().locator('[data-action="pause-download"]').click();
    await expect.poll(() => item().getAttribute('data-download-status')).toBe('paused');

    await page.reload();
    await page.locator('[data-nav="chat"]').click();
    await expect.poll(() => item().getAttribute('data-download-status'), { timeout: 10_000 }).toBe('paused');
    expect(await item().textContent()).toContain('Paused');

    await item().locator('[data-action="resume-download"]').click();
    await expect.poll(() => item().getAttribute('data-download-status'), { timeout: 15_000 }).toBe('completed');
    expect(ranges).toEqual([null, `bytes=${HALF}-`]);
    expect(await item().textContent()).toContain(`SHA-256 ${sha256.slice(0, 12)}`);
    const row = page.locator('[data-model="shop-writer.gguf"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('llama');
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.problems).toEqual([]);
  });
});
