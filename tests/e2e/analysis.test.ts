/**
 * The analysis views end to end: on a small sample shop, runs RFM, a k-means
 * clustering, CLV and the implicit recommender evaluation from the UI, checks
 * every chart really drew (its canvas holds more than one colour) and saves a
 * screenshot of each view.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectChartDrawn, openSampleShop, screenshots, type ShopSession } from './helpers.ts';

describe('analysis views', () => {
  let shop: ShopSession;
  let page: Page;

  beforeAll(async () => {
    shop = await openSampleShop({ prefix: 'mw-e2e-analysis-', customers: 500, seed: 11 });
    page = shop.page;
  });

  afterAll(async () => {
    await shop?.close();
  });

  const run = (name: string) => page.locator(`[data-run="${name}"] [data-action="run"]`);
  const rows = (table: string) => page.locator(`[data-table="${table}"] tbody tr`);

  it('shows the sales trend and the latest window against the one before', async () => {
    await page.locator('[data-nav="overview"]').click();
    await expectChartDrawn(page, 'sales-trend');
    expect(await page.locator('[data-compare]').count()).toBe(5);
    expect(await page.locator('[data-compare="revenue"]').textContent()).toMatch(/before: /);
    await page.screenshot({ path: join(screenshots, 'overview-en-US.png'), fullPage: true });
  });

  it('runs RFM and shows the segments', async () => {
    await page.locator('[data-nav="segments"]').click();
    await page.getByText('No stored run yet').waitFor();
    await run('rfm').click();
    await expect.poll(() => rows('rfm').count(), { timeout: 30_000 }).toBeGreaterThan(3);
    expect(await rows('rfm').first().locator('td').first().textContent()).toMatch(/\w/);
    await expectChartDrawn(page, 'rfm');
    await expectChartDrawn(page, 'rfm-grid');
    // Drill down: a segment's customers, paged and sorted by the database.
    const segmentRow = rows('rfm')
      .filter({ hasNotText: /^\s*\S+\s+0\b/ })
      .first();
    await segmentRow.click();
    await expect.poll(() => rows('segment-customers').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-value="drill-range"]').textContent()).toMatch(/^1–\d+ of [\d,]+$/);
    const spent = async () =>
      (await rows('segment-customers').locator('td:last-child').allTextContents()).map((v) =>
        Number(v.replace(/[^\d.]/g, '')),
      );
    const desc = await spent();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.locator('[data-sort="monetary"]').click();
    await expect.poll(async () => (await spent())[0]).toBeLessThanOrEqual(desc.at(-1)!);
    // Export the segment: a job writes the CSV, the page offers it for download.
    await page.locator('[data-action="export-csv"]').click();
    const link = page.locator('[data-action="download-export"]');
    await link.waitFor({ timeout: 30_000 });
    const csv = await page.evaluate(
      async (href) => (await fetch(href)).text(),
      (await link.getAttribute('href')) ?? '',
    );
    // fetch's text() drops the byte-order mark; the unit test checks it is there.
    expect(csv.startsWith('customer_id,segment,r,f,m,')).toBe(true);
    expect(csv.trimEnd().split('\r\n').length - 1).toBe(
      Number(
        (await page.locator('[data-value="drill-range"]').textContent())?.match(/of ([\d,]+)/)?.[1]?.replace(/,/g, ''),
      ),
    );
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
    // The same evaluation with implicit ALS; the table names the model it shows.
    await page.locator('[data-field="evalAlgo"]').selectOption('als');
    await run('implicit-eval').click();
    await expect
      .poll(() => page.locator('[data-table="recommend-eval"] thead').textContent(), { timeout: 60_000 })
      .toContain('Implicit ALS');
    expect(await rows('recommend-eval').count()).toBe(6);

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
    expect(shop.problems).toEqual([]);
  });
});
