// Segment drill-down: an RFM run stores each customer's scores, and the API pages, sorts and filters them in SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRfm } from '../src-main/core/analytics/jobs.ts';
import { KEEP_SCORED_RUNS, rfmCustomersPage } from '../src-main/core/analytics/rfm-scores.ts';
import { computeRfm } from '../src-main/core/analytics/rfm.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

let ws: ReturnType<typeof tempWorkspace>;

beforeAll(() => {
  ws = tempWorkspace();
  generateSampleShop(ws.db, { customers: 800, seed: 9 });
});
afterAll(() => ws.cleanup());

describe('RFM drill-down', () => {
  it('stores every scored customer and pages a segment sorted by value', async () => {
    const run = await runRfm(ws.db, {}, testContext(ws.path));
    const expected = computeRfm(ws.db).customers;
    const all = rfmCustomersPage(ws.db, { sort: 'monetary', descending: true, offset: 0, limit: 1000 });
    expect(all.runId).toBe(run.runId);
    expect(all.total).toBe(expected.length);

    const biggest = [...run.segments].sort((a, b) => b.customers - a.customers)[0]!;
    const page1 = rfmCustomersPage(ws.db, {
      segment: biggest.segment,
      sort: 'monetary',
      descending: true,
      offset: 0,
      limit: 10,
    });
    const page2 = rfmCustomersPage(ws.db, {
      segment: biggest.segment,
      sort: 'monetary',
      descending: true,
      offset: 10,
      limit: 10,
    });
    expect(page1.total).toBe(biggest.customers);
    const rows = [...page1.rows, ...page2.rows];
    expect(rows.every((r) => r.segment === biggest.segment)).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.monetary).toBeGreaterThanOrEqual(rows[i]!.monetary);
    // The same customers and figures as the in-memory computation.
    const byMonetary = expected
      .filter((c) => c.segment === biggest.segment)
      .map((c) => c.monetary)
      .sort((a, b) => b - a);
    expect(rows.map((r) => r.monetary)).toEqual(byMonetary.slice(0, rows.length));

    const recent = rfmCustomersPage(ws.db, { sort: 'recency', descending: false, offset: 0, limit: 5 });
    expect(recent.rows[0]!.recencyDays).toBe(Math.min(...expected.map((c) => c.recencyDays)));
  });

  it(`keeps the scores of the last ${KEEP_SCORED_RUNS} runs only`, async () => {
    const ids: number[] = [];
    for (let i = 0; i < KEEP_SCORED_RUNS + 1; i++) ids.push((await runRfm(ws.db, {}, testContext(ws.path))).runId);
    const kept = ws.db.prepare('SELECT DISTINCT run_id FROM rfm_scores ORDER BY run_id').pluck().all();
    expect(kept).toEqual(ids.slice(-KEEP_SCORED_RUNS));
    expect(
      rfmCustomersPage(ws.db, { runId: ids[0]!, sort: 'score', descending: true, offset: 0, limit: 5 }).total,
    ).toBe(0);
  });
});
