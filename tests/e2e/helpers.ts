/**
 * What the browser end-to-end tests share: a sample shop served by the
 * loopback server and opened in headless Chromium, and the check that a chart
 * really drew (its canvas holds series colours, not just a blank or an axis).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { JobState } from '../../src-main/core/api/contract.ts';
import type { ServiceOptions, WorkbenchService } from '../../src-main/core/api/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const staticDir = join(repoRoot, 'out', 'renderer');
export const screenshots = join(repoRoot, 'test-results', 'screenshots');
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * What a chart's canvas holds: `ink`, pixels neither transparent nor near-white;
 * `data`, saturated pixels (series colours: axes, grid and text are grey).
 */
export async function canvasInk(page: Page, chart: string): Promise<{ ink: number; data: number }> {
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
export async function expectChartDrawn(page: Page, chart: string): Promise<void> {
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

export interface ShopSession {
  dir: string;
  service: WorkbenchService;
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Console errors, page errors and HTTP errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Resolves with the job's final status. */
export function waitForJob(service: WorkbenchService, jobId: string): Promise<JobState['status']> {
  return new Promise((done) => {
    const off = service.onJob((e) => {
      if (e.job.id === jobId && e.job.finishedAt !== null) {
        off();
        done(e.job.status);
      }
    });
  });
}

/**
 * A sample shop (`customers`, `seed`) in a temp workspace, served by the
 * loopback server, open in a headless Chromium page in the given locale.
 */
export async function openSampleShop(opts: {
  prefix: string;
  customers: number;
  seed: number;
  locale?: string;
  /** Service options given the session's temp folder (e.g. a model library inside it). */
  serviceOptions?: (dir: string) => ServiceOptions;
}): Promise<ShopSession> {
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`${staticDir}/index.html is missing: run \`npm run build:renderer\` before the e2e tests`);
  }
  const dir = await mkdtemp(join(tmpdir(), opts.prefix));
  await mkdir(screenshots, { recursive: true });
  const { WorkbenchService } = await import('../../src-main/core/api/service.ts');
  const service = new WorkbenchService(join(dir, 'shop.db'), opts.serviceOptions?.(dir));
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { jobId } = await service.invoke('sample.start', { customers: opts.customers, seed: opts.seed });
    expect(await waitForJob(service, jobId)).toBe('completed');
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
    const context = await browser.newContext({
      locale: opts.locale ?? 'en-US',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(server.url);
    return { dir, service, server, browser, page, problems, close };
  } catch (err) {
    await close();
    throw err;
  }
}
