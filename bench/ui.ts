/**
 * Browser-mode responsiveness on a big shop: `npm run bench -- ui [customers=1000000] [workspace file]`.
 * Builds (or reuses) a sample-shop workspace, serves it, and in headless Chromium measures
 *   - first paint of every view: from the navigation click to the view's content being on screen (bar: < 1 s),
 *   - interactions: drill-down paging and sorting, trend unit switch, language switch (bar: < 300 ms),
 *   - how long a cheap request waits while an analysis job runs (bar: < 100 ms more than when idle).
 * Medians of 3 rounds; the machine is noisy. Needs the built renderer (npm run build:renderer) and Chromium.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { openWorkspace } from '../src-main/core/db/workspace.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { WorkspaceHost } from '../src-main/core/workspaces/host.ts';
import { startServer } from '../src-main/server/server.ts';

const customers = Number(process.argv[2] ?? 1_000_000);
const dir = join(tmpdir(), 'wb-bench-ui');
const file = process.argv[3] ?? join(dir, `shop-${customers}.db`);
const staticDir = join(import.meta.dirname, '..', 'out', 'renderer');
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!existsSync(join(staticDir, 'index.html'))) {
  console.error('build the renderer first: npm run build:renderer');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
if (!existsSync(file)) {
  console.log(`generating a ${customers}-customer sample shop into ${file} (minutes at 1M)…`);
  const t0 = performance.now();
  const db = openWorkspace(file);
  generateSampleShop(db, { customers, seed: 42 });
  db.close();
  console.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const host = new WorkspaceHost({ folder: dir, initial: file });
const call = (method: string, input: unknown) => host.call(method, input);
// Views read stored runs: make sure the ones they show exist (timed separately; they are jobs, not paints).
for (const [method, input] of [['analysis.rfm', {}]] as const) {
  const t0 = performance.now();
  const { jobId } = (await call(method, input)) as { jobId: string };
  const done = await host.service.jobs.wait(jobId);
  console.log(`${method}: ${done.status} in ${((performance.now() - t0) / 1000).toFixed(1)} s (job, not a paint)`);
}

const server = await startServer({ service: host, port: 0, staticDir });
const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--no-first-run'],
});
const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();

/** Milliseconds from `act` to `selector` being visible. */
async function timed(p: Page, act: () => Promise<unknown>, selector: string): Promise<number> {
  const t0 = performance.now();
  await act();
  await p.locator(selector).first().waitFor({ state: 'visible', timeout: 60_000 });
  return performance.now() - t0;
}

const views: [string, string][] = [
  ['overview', '[data-stat="customers"]'],
  ['segments', '[data-table="rfm"] tbody tr'],
  ['value', '[data-run="clv"]'],
  ['recommend', '[data-run="implicit-eval"]'],
  ['models', '.run-panel'],
  ['reports', '[data-action="run"], form, .card'],
  ['chat', '[data-testid="model-panel"]'],
  ['workspaces', '[data-table="workspaces"] tbody tr'],
];

await page.goto(server.url);
await page.locator('[data-stat="customers"]').waitFor({ timeout: 120_000 });
const paints = new Map<string, number[]>();
const interactions = new Map<string, number[]>();
const add = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
for (let round = 0; round < ROUNDS; round++) {
  for (const [view, selector] of views) {
    // From another view, so each paint is a real switch.
    await page.locator('[data-nav="workspaces"]').click();
    await page.locator('[data-table="workspaces"]').waitFor();
    add(paints, view, await timed(page, () => page.locator(`[data-nav="${view}"]`).click(), selector));
  }
  await page.locator('[data-nav="segments"]').click();
  await page.locator('[data-table="rfm"] tbody tr[data-segment]').first().waitFor();
  add(
    interactions,
    'open a segment (first page of its customers)',
    await timed(
      page,
      () => page.locator('[data-table="rfm"] tbody tr[data-segment]').first().click(),
      '[data-table="segment-customers"] tbody tr',
    ),
  );
  const range = page.locator('[data-value="drill-range"]');
  for (const [name, act] of [
    ['next page', () => page.locator('[data-action="next-page"]').click()],
    ['sort by recency', () => page.locator('[data-sort="recency"]').click()],
  ] as const) {
    const before = await range.textContent();
    const first = await page.locator('[data-table="segment-customers"] tbody tr').first().textContent();
    const t0 = performance.now();
    await act();
    await page.waitForFunction(
      ([r, f]) => {
        const doc = (
          globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
        ).document;
        return (
          doc.querySelector('[data-value="drill-range"]')?.textContent !== r ||
          doc.querySelector('[data-table="segment-customers"] tbody tr')?.textContent !== f
        );
      },
      [before, first] as const,
      { timeout: 60_000, polling: 'raf' },
    );
    add(interactions, name, performance.now() - t0);
  }
  add(
    interactions,
    'switch language',
    await timed(
      page,
      () => page.getByTestId('language').selectOption(round % 2 === 0 ? 'zh-CN' : 'en-US'),
      round % 2 === 0 ? 'text=客户分群' : 'text=Customer segments',
    ),
  );
}
await page.getByTestId('language').selectOption('en-US');

/** Round-trip of a cheap call from the page, ms. */
const ping = () =>
  page.evaluate(async () => {
    const t0 = performance.now();
    await fetch('/api/call/workspace.info', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    return performance.now() - t0;
  });
const idle: number[] = [];
for (let i = 0; i < 20; i++) idle.push(await ping());
const { jobId } = (await call('analysis.cluster', { k: 4, seed: 0 })) as { jobId: string };
const busy: number[] = [];
const finished = host.service.jobs.wait(jobId);
let running = true;
void finished.then(() => (running = false));
while (running && busy.length < 400) busy.push(await ping());
await finished;

console.log(`\nbrowser mode on ${customers.toLocaleString('en-US')} customers (medians of ${ROUNDS})`);
console.log('first paint per view (bar < 1000 ms):');
for (const [view, ms] of paints)
  console.log(`  ${view.padEnd(12)} ${median(ms).toFixed(0).padStart(6)} ms ${median(ms) < 1000 ? 'ok' : 'SLOW'}`);
console.log('interactions (bar < 300 ms):');
for (const [name, ms] of interactions)
  console.log(`  ${name.padEnd(44)} ${median(ms).toFixed(0).padStart(6)} ms ${median(ms) < 300 ? 'ok' : 'SLOW'}`);
const worst = Math.max(...busy);
console.log(
  `a cheap request while a clustering job runs: median ${median(busy).toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${busy.length} (idle median ${median(idle).toFixed(0)} ms); bar: worst < idle + 100 ms → ${worst < median(idle) + 100 ? 'ok' : 'BLOCKED'}`,
);
await browser.close();
await server.close();
await host.close();
