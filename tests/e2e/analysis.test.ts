/**
 * The analysis views end to end: on a small sample shop, runs RFM, a k-means
 * clustering, CLV and the implicit recommender evaluation from the UI, checks
 * every chart really drew (its canvas holds more than one colour) and saves a
 * screenshot of each view.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../src-main/core/api/contract.ts';
import type { WorkbenchService } from '../../src-main/core/api/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const staticDir = join(repoRoot, 'out', 'renderer');
const screenshots = join(repoRoot, 'test-results', 'screenshots');
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * What a chart's canvas holds: `ink`, pixels neither transparent nor near-white;
 * `data`, saturated pixels (series colours: axes, grid and text are grey).
 */
async function canvasInk(page: Page, chart: string): Promise<{ ink: number; data: number }> {
  return page.evaluate((name) => {
    // The node tsconfig has no DOM types: just the part of the page this reads.
    interface CanvasLike {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): ImageDataLike } | null;
    }
    interface ImageDataLike {
      data: Uint8ClampedArray;
    }
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<CanvasLike> } }).document;
    let ink = 0;
    let data = 0;
    // echarts may draw some series on a layer canvas of their own: count every canvas of the chart.
    for (const canvas of doc.querySelectorAll(`[data-chart="${name}"] canvas`)) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
      const { data: px } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < px.length; i += 4) {
        const [r, g, b, a] = [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
        if (a === 0 || (r > 245 && g > 245 && b > 245)) continue;
        ink++;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) data++;
      }
    }
    return { ink, data };
  }, chart);
}

/** Waits until the chart has drawn its data and its animation has settled (two equal reads). */
async function expectChartDrawn(page: Page, chart: string): Promise<void> {
  let last = '';
  await expect
    .poll(
      async () => {
        const now = await canvasInk(page, chart);
        const settled = JSON.stringify(now) === last;
        last = JSON.stringify(now);
        return settled && now.ink > 2000 && now.data > 500;
      },
      { timeout: 15_000, interval: 300 },
    )
    .toBe(true);
}

describe('analysis views', () => {
  let dir: string;
  let service: WorkbenchService;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(staticDir, 'index.html'))) {
      throw new Error(`${staticDir}/index.html is missing: run \`npm run build:renderer\` before the e2e tests`);
    }
    dir = await mkdtemp(join(tmpdir(), 'mw-e2e-analysis-'));
    await mkdir(screenshots, { recursive: true });
    const { WorkbenchService } = await import('../../src-main/core/api/service.ts');
    service = new WorkbenchService(join(dir, 'shop.db'));
    const { jobId } = await service.invoke('sample.start', { customers: 500, seed: 11 });
    const status = await new Promise<JobState['status']>((done) => {
      const off = service.onJob((e) => {
        if (e.job.id === jobId && e.job.finishedAt !== null) {
          off();
          done(e.job.status);
        }
      });
    });
    expect(status).toBe('completed');
    server = await startServer({ service, port: 0, staticDir, uploadDir: join(dir, 'uploads') });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = (name: string) => page.locator(`[data-run="${name}"] [data-action="run"]`);
  const rows = (table: string) => page.locator(`[data-table="${table}"] tbody tr`);

  it('runs RFM and shows the segments', async () => {
    await page.locator('[data-nav="segments"]').click();
    await page.getByText('No stored run yet').waitFor();
    await run('rfm').click();
    await expect.poll(() => rows('rfm').count(), { timeout: 30_000 }).toBeGreaterThan(3);
    expect(await rows('rfm').first().locator('td').first().textContent()).toMatch(/\w/);
    await expectChartDrawn(page, 'rfm');
    await expectChartDrawn(page, 'rfm-grid');
    await page.screenshot({ path: join(screenshots, 'segments-rfm-en-US.png'), fullPage: true });
  });

  it('runs a k-means clustering and shows the projection and profiles', async () => {
    await page.locator('[data-tab="cluster"]').click();
    await page.locator('[data-field="k"]').fill('4');
    await run('cluster').click();
    await expect.poll(() => rows('cluster').count(), { timeout: 30_000 }).toBe(4);
    expect(await page.locator('[data-value="cluster-k"]').textContent()).toBe('4');
    expect(await page.locator('[data-value="projection-shown"]').textContent()).toMatch(/[\d,]+ of [\d,]+ customers/);
    await expectChartDrawn(page, 'cluster-scatter');
    await expectChartDrawn(page, 'cluster-radar');
    await page.screenshot({ path: join(screenshots, 'segments-clusters-en-US.png'), fullPage: true });
  });

  it('reads the latest stored run when a view opens again', async () => {
    await page.locator('[data-nav="overview"]').click();
    await page.locator('[data-nav="segments"]').click();
    await expect.poll(() => rows('rfm').count(), { timeout: 10_000 }).toBeGreaterThan(3);
    await expect(page.locator('[data-run="rfm"] .run-when').textContent()).resolves.toContain('Showing the run of');
  });

  it('runs CLV with a default calibration end and shows the top customers', async () => {
    await page.locator('[data-nav="value"]').click();
    await expect.poll(() => page.locator('[data-field="calibrationEnd"]').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await run('clv').click();
    await expect.poll(() => rows('clv').count(), { timeout: 30_000 }).toBeGreaterThan(10);
    expect(await page.locator('[data-params="bgnbd"] dd').count()).toBe(5);
    await expectChartDrawn(page, 'clv');
    await page.screenshot({ path: join(screenshots, 'value-en-US.png'), fullPage: true });
  });

  it('runs the implicit evaluation and recommends for a customer and a SKU', async () => {
    const customer = (await rows('clv').first().locator('td').nth(1).textContent())?.trim() ?? '';
    expect(customer).not.toBe('');
    await page.locator('[data-nav="recommend"]').click();
    await run('implicit-eval').click();
    await expect.poll(() => rows('recommend-eval').count(), { timeout: 30_000 }).toBe(6);
    await expectChartDrawn(page, 'recommend-eval');

    await page.locator('[data-field="customer"]').fill(customer);
    await page.locator('[data-form="customer"] button').click();
    const items = page.locator('[data-list="customer"] li');
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const sku = (await items.first().locator('.chip').textContent())?.trim() ?? '';
    expect(sku).not.toBe('');

    await page.locator('[data-field="sku"]').fill(sku);
    await page.locator('[data-form="sku"] button').click();
    await expect.poll(() => page.locator('[data-list="sku"] li').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshots, 'recommend-en-US.png'), fullPage: true });
  });

  it('shows the views in Chinese', async () => {
    await page.getByTestId('language').selectOption('zh-CN');
    expect(await page.locator('[data-nav="segments"]').textContent()).toContain('客户分群');
    await page.locator('[data-nav="value"]').click();
    await page.getByText('购买模型（BG/NBD）').waitFor({ timeout: 10_000 });
    await expectChartDrawn(page, 'clv');
    await page.screenshot({ path: join(screenshots, 'value-zh-CN.png'), fullPage: true });
    await page.locator('[data-nav="segments"]').click();
    await expect.poll(() => rows('rfm').count(), { timeout: 10_000 }).toBeGreaterThan(3);
    await expectChartDrawn(page, 'rfm');
    await page.screenshot({ path: join(screenshots, 'segments-rfm-zh-CN.png'), fullPage: true });
  });

  it('ran without console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
