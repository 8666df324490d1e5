/**
 * Browser mode end to end: the built renderer (out/renderer) served by the
 * loopback server over a real WorkbenchService on a temp workspace, driven by
 * headless Chromium.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats } from '../../src-main/core/api/contract.ts';
import { startServer, type RunningServer, type ServiceLike } from '../../src-main/server/server.ts';
import { WorkbenchService } from '../../src-main/core/api/service.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const staticDir = join(repoRoot, 'out', 'renderer');
const screenshots = join(repoRoot, 'test-results', 'screenshots');
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

interface Service extends ServiceLike {
  close?(): Promise<void>;
}

async function createService(dir: string): Promise<Service> {
  return new WorkbenchService(join(dir, 'shop.db'));
}

/** Resolves when the given job reports a finished state. */
function waitForJob(service: Service, jobId: string): Promise<string> {
  return new Promise((resolveJob) => {
    const off = service.onEvent((e) => {
      if (e.type === 'job' && e.job.id === jobId && e.job.finishedAt !== null) {
        off();
        resolveJob(e.job.status);
      }
    });
  });
}

describe('browser mode', () => {
  let dir: string;
  let service: Service;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(staticDir, 'index.html'))) {
      throw new Error(`${staticDir}/index.html is missing: run \`npm run build:renderer\` before the e2e tests`);
    }
    if (!existsSync(chromiumPath)) {
      throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    dir = await mkdtemp(join(tmpdir(), 'mw-e2e-'));
    await mkdir(screenshots, { recursive: true });
    service = await createService(dir);
    server = await startServer({ service, port: 0, staticDir, uploadDir: join(dir, 'uploads') });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await service?.close?.();
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`screenshots: ${screenshots}`);
  });

  const card = (key: string) => page.locator(`[data-stat="${key}"]`);

  it('opens the tokenized URL and shows the overview', async () => {
    await page.goto(server.url);
    // The token moved into an HttpOnly cookie and out of the address bar.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await expect.poll(() => card('customers').locator('.stat-value').textContent()).toBe('0');
    expect(await card('customers').locator('.stat-label').textContent()).toBe('Customers');
  });

  it('refreshes the numbers when a job completes (server-sent events)', async () => {
    const { jobId } = (await service.call('sample.start', { customers: 300, seed: 7 })) as { jobId: string };
    expect(await waitForJob(service, jobId)).toBe('completed');
    const stats = (await service.call('stats.get', {})) as Stats;
    expect(stats.customers).toBeGreaterThan(0);
    const expected = new Intl.NumberFormat('en-US').format(stats.customers);
    await expect.poll(() => card('customers').locator('.stat-value').textContent(), { timeout: 20_000 }).toBe(expected);
    expect(await card('orders').locator('.stat-value').textContent()).toBe(
      new Intl.NumberFormat('en-US').format(stats.orders),
    );
    expect(await card('revenue').locator('.stat-value').textContent()).toMatch(/^[\d,]+\.\d\d$/);
    expect(await card('aov').locator('.stat-value').textContent()).toMatch(/^[\d,]+\.\d\d$/);
    await page.screenshot({ path: join(screenshots, 'overview-en-US.png'), fullPage: true });
  });

  it('switches the language', async () => {
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => card('customers').locator('.stat-label').textContent()).toBe('客户数');
    expect(await page.locator('[data-nav="import"]').textContent()).toContain('导入');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.screenshot({ path: join(screenshots, 'overview-zh-CN.png'), fullPage: true });
  });

  it('imports a file: upload, preview, mapping, progress, summary', async () => {
    await page.locator('[data-nav="import"]').click();
    // Sample Superstore's discount is a rate: the preview says why that column is left unmapped. Back, then the real file.
    await page
      .getByTestId('file-input')
      .setInputFiles(join(repoRoot, 'tests', 'fixtures', 'shop', 'superstore-lines.csv'));
    await page.getByTestId('preview-notes').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('preview-notes').textContent()).toContain('"Discount" left unmapped');
    await page.locator('.actions .button:not(.primary)').click();
    await page
      .getByTestId('file-input')
      .setInputFiles(join(repoRoot, 'tests', 'fixtures', 'shop', 'online-retail.csv'));
    await page.getByTestId('encoding').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('delimiter').textContent()).toBe(',');
    expect(await page.getByTestId('kind').textContent()).toContain('订单明细');
    expect(await page.locator('select[data-column="InvoiceNo"]').inputValue()).toBe('order_id');
    await page.screenshot({ path: join(screenshots, 'import-preview-zh-CN.png'), fullPage: true });
    await page.locator('.actions .button.primary').click();
    await page.getByText('导入完成').waitFor({ timeout: 30_000 });
    expect(await page.locator('.mini-stat b').first().textContent()).toMatch(/^\d+$/);
    await page.screenshot({ path: join(screenshots, 'import-done-zh-CN.png'), fullPage: true });
  });

  it('ran without console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
