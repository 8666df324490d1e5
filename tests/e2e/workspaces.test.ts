/**
 * The Workspaces view in browser mode: create an empty workspace (the app reloads onto it), then open the
 * first one again, whose data is all still there.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/core/db/workspace.ts';
import { generateSampleShop } from '../../src-main/core/sample/index.ts';
import { WorkspaceHost } from '../../src-main/core/workspaces/host.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { chromiumPath, screenshots, staticDir } from './helpers.ts';

describe('workspaces view', () => {
  let dir: string;
  let host: WorkspaceHost;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mw-e2e-ws-'));
    await mkdir(screenshots, { recursive: true });
    const db = openWorkspace(join(dir, 'shop.db'));
    generateSampleShop(db, { customers: 200, seed: 3 });
    db.close();
    host = new WorkspaceHost({ folder: dir, initial: join(dir, 'shop.db') });
    server = await startServer({ service: host, port: 0, staticDir, uploadDir: join(dir, 'uploads') });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--no-first-run'],
    });
    page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const customers = () => page.locator('[data-stat="customers"] .stat-value').textContent();

  it('creates an empty workspace and switches to it, then opens the first one again', async () => {
    await expect.poll(customers).toBe('200');
    await page.locator('[data-nav="workspaces"]').click();
    await page.locator('[data-workspace="shop"]').waitFor();
    await page.locator('[data-field="workspace-name"]').fill('Second shop');
    await page.locator('[data-action="create-workspace"]').click();
    // The 'workspace' event reloads the app onto the new file.
    await page.locator('[data-workspace="Second shop"] .badge').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(screenshots, 'workspaces-en-US.png'), fullPage: true });
    await page.locator('[data-nav="overview"]').click();
    await expect.poll(customers).toBe('0');

    await page.locator('[data-nav="workspaces"]').click();
    await page.locator('[data-workspace="shop"] [data-action="open-workspace"]').click();
    await page.locator('[data-workspace="shop"] .badge').waitFor({ timeout: 15_000 });
    await page.locator('[data-nav="overview"]').click();
    await expect.poll(customers).toBe('200');
  });
});
