/**
 * The Models and Reports views end to end: on a small sample shop, runs the
 * churn model from the UI (metrics, importance bars, confusion matrix and ROC
 * curve drawn, the at-risk list paged), then exports an HTML report and
 * checks the job wrote a file with charts that the download link serves.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectChartDrawn, openSampleShop, screenshots, type ShopSession } from './helpers.ts';

describe('models and reports views', () => {
  let shop: ShopSession;
  let page: Page;

  beforeAll(async () => {
    shop = await openSampleShop({ prefix: 'mw-e2e-models-', customers: 500, seed: 11 });
    page = shop.page;
  });

  afterAll(async () => {
    await shop?.close();
  });

  const rows = (table: string) => page.locator(`[data-table="${table}"] tbody tr`);

  it('runs the churn model and shows its metrics, charts and at-risk customers', async () => {
    await page.locator('[data-nav="models"]').click();
    await page.getByText('No stored run yet').waitFor();
    await expect
      .poll(() => page.locator('[data-run="churn"] [data-field="asOf"]').inputValue())
      .toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.locator('[data-run="churn"] [data-action="run"]').click();
    await expect.poll(() => rows('churn-at-risk').count(), { timeout: 60_000 }).toBe(20);

    expect(await rows('churn-metrics').count()).toBe(5);
    const auc = Number(await page.locator('[data-value="churn-auc"]').textContent());
    expect(auc).toBeGreaterThan(0.5);
    expect(auc).toBeLessThanOrEqual(1);
    for (const metric of ['accuracy', 'precision', 'recall', 'f1']) {
      const text = await page.locator(`[data-table="churn-metrics"] [data-metric="${metric}"] td b`).textContent();
      expect(text).toMatch(/^\d(\.\d+)?$/);
    }
    await expectChartDrawn(page, 'churn-importance');
    await expectChartDrawn(page, 'churn-confusion');
    await expectChartDrawn(page, 'churn-roc');
    await expectChartDrawn(page, 'churn-coefficients');

    // 200 customers at risk by default, 20 a page.
    expect(await page.locator('[data-pager="churn-at-risk"] [data-value="page"]').textContent()).toBe('Page 1 of 10');
    const first = await rows('churn-at-risk').first().locator('td').nth(1).textContent();
    await page.locator('[data-pager="churn-at-risk"] [data-action="next"]').click();
    expect(await rows('churn-at-risk').first().locator('td').first().textContent()).toBe('21');
    expect(await rows('churn-at-risk').first().locator('td').nth(1).textContent()).not.toBe(first);
    await page.locator('[data-pager="churn-at-risk"] [data-action="prev"]').click();
    await page.screenshot({ path: join(screenshots, 'models-churn-en-US.png'), fullPage: true });
  });

  it('runs the churn tree and shows its rules', async () => {
    await page.locator('[data-run="churn"] [data-field="model"]').selectOption('tree');
    await page.locator('[data-run="churn"] [data-action="run"]').click();
    await expect
      .poll(() => page.locator('[data-list="churn-rules"] li').count(), { timeout: 60_000 })
      .toBeGreaterThan(1);
    expect(await page.locator('[data-list="churn-rules"] li').first().textContent()).toMatch(/churn/);
    await expectChartDrawn(page, 'churn-importance');
  });

  it('runs the spend regression and the classification', async () => {
    await page.locator('[data-tab="regress"]').click();
    await page.locator('[data-run="regress"] [data-action="run"]').click();
    await expect.poll(() => rows('regress-top').count(), { timeout: 60_000 }).toBe(20);
    expect(await rows('regress-metrics').count()).toBe(3);
    expect(await page.locator('[data-value="regress-r2"]').textContent()).toMatch(/^-?\d(\.\d+)?$/);
    await expectChartDrawn(page, 'regress-importance');
    await expectChartDrawn(page, 'regress-coefficients');
    await page.screenshot({ path: join(screenshots, 'models-regress-en-US.png'), fullPage: true });

    await page.locator('[data-tab="classify"]').click();
    await page.locator('[data-run="classify"] [data-action="run"]').click();
    await expect.poll(() => rows('classify-customers').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await rows('classify-metrics').count()).toBe(4);
    expect(await rows('classify-per-class').count()).toBeGreaterThan(1);
    await expectChartDrawn(page, 'classify-confusion');
    await expectChartDrawn(page, 'classify-importance');
    await page.screenshot({ path: join(screenshots, 'models-classify-en-US.png'), fullPage: true });
  });

  it('exports an HTML report and serves it through the download link', async () => {
    await page.locator('[data-nav="reports"]').click();
    await page.locator('[data-action="none"]').click();
    await expect(page.locator('[data-action="export"]').isDisabled()).resolves.toBe(true);
    await page.locator('[data-action="all"]').click();
    await page.locator('[data-field="format"]').selectOption('html');
    await page.locator('[data-field="lang"]').selectOption('en');
    await page.locator('[data-action="export"]').click();
    await page.locator('[data-report="ready"]').waitFor({ timeout: 60_000 });

    const path = (await page.locator('[data-value="report-path"]').textContent())?.trim() ?? '';
    expect(path.startsWith(shop.dir)).toBe(true);
    expect(path).toMatch(/\.html$/);
    const html = await readFile(path, 'utf8');
    expect(html).toContain('<svg');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-action="download"]').click(),
    ]);
    const saved = await download.path();
    expect(await readFile(saved, 'utf8')).toBe(html);
    await page.screenshot({ path: join(screenshots, 'reports-en-US.png'), fullPage: true });
  });

  it('shows the views in Chinese', async () => {
    await page.getByTestId('language').selectOption('zh-CN');
    expect(await page.locator('[data-nav="models"]').textContent()).toContain('预测模型');
    expect(await page.locator('[data-nav="reports"]').textContent()).toContain('报告');
    await page.locator('[data-nav="models"]').click();
    await page.getByText('跨时间评估').waitFor({ timeout: 10_000 });
    await expectChartDrawn(page, 'churn-confusion');
    await expectChartDrawn(page, 'churn-roc');
    await expectChartDrawn(page, 'churn-importance');
    await page.screenshot({ path: join(screenshots, 'models-churn-zh-CN.png'), fullPage: true });
  });

  it('ran without console errors or CSP violations', () => {
    expect(shop.problems).toEqual([]);
  });
});
