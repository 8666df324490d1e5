import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisResult, listAnalysisRuns } from '../src-main/core/analytics/runs.ts';
import { CancelledError } from '../src-main/core/jobs/context.ts';
import { runImplicitEval } from '../src-main/core/recommend/implicit/job.ts';
import { runRecommendEval } from '../src-main/core/recommend/job.ts';
import { Mt19937 } from '../src-main/core/recommend/random.ts';
import { gatherReportData } from '../src-main/core/reports/gather.ts';
import { renderHtml } from '../src-main/core/reports/html.ts';
import { reportTables } from '../src-main/core/reports/tables.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

describe('rating-model evaluations are recorded as runs and reported', () => {
  let ws: ReturnType<typeof tempWorkspace>;
  beforeAll(() => {
    ws = tempWorkspace();
    // 40 customers × 25 products, each customer rating 12 of them (1–5, with a per-product lean).
    const rng = new Mt19937(11);
    ws.db.transaction(() => {
      for (let u = 1; u <= 40; u++)
        ws.db.prepare('INSERT INTO customers (id, external_id) VALUES (?, ?)').run(u, `c${u}`);
      for (let i = 1; i <= 25; i++) ws.db.prepare('INSERT INTO products (id, sku) VALUES (?, ?)').run(i, `p${i}`);
      const r = ws.db.prepare('INSERT INTO ratings (customer_id, product_id, rating) VALUES (?, ?, ?)');
      for (let u = 1; u <= 40; u++) {
        const picked = new Set<number>();
        while (picked.size < 12) picked.add(1 + rng.interval(24));
        for (const i of picked) r.run(u, i, Math.min(5, Math.max(1, Math.round(1 + (i % 5) + rng.normal()))));
      }
    })();
  });
  afterAll(() => ws.cleanup());

  it('stores settings, seed, per-fold result and mean metrics; the report shows the latest', async () => {
    const first = await runRecommendEval(ws.db, { algo: 'baseline', folds: 3, seed: 1 }, testContext(ws.path));
    const out = await runRecommendEval(
      ws.db,
      { algo: 'user-knn', centered: 'mean', k: 20, folds: 4, seed: 2 },
      testContext(ws.path),
    );
    expect(out.runId).toBeGreaterThan(first.runId);
    const [run] = listAnalysisRuns(ws.db, 'recommend-eval');
    expect(run).toMatchObject({ id: out.runId, status: 'completed' });
    expect(run!.params).toEqual({
      algo: 'user-knn',
      sim: 'msd',
      k: 20,
      centered: 'mean',
      userBased: true,
      folds: 4,
      seed: 2,
    });
    const metrics = run!.metrics as Record<string, number>;
    expect(metrics.rmse).toBe(out.rmse.mean);
    expect(metrics.mae).toBe(out.mae.mean);
    const stored = analysisResult(ws.db, out.runId) as typeof out;
    expect(stored.rmse.folds).toEqual(out.rmse.folds);
    expect(stored.algo).toBe(out.algo);

    const data = gatherReportData(ws.db, { sections: ['recommendations'], workspace: 'test' });
    expect(data.ratingEval?.runId).toBe(out.runId);
    const html = renderHtml(data, 'en');
    expect(html).toContain(`Rating model ${out.algo.replace(/[<>&]/g, '')}`);
    expect(html).toContain(out.rmse.mean.toFixed(4));
    const sheet = reportTables(data, 'en').find((t) => t.name === 'Rating model eval');
    expect(sheet?.rows).toHaveLength(5);
    expect(sheet?.rows.at(-1)?.[2]).toBe(Math.round(out.rmse.mean * 1e4) / 1e4);
    // A report without the recommendations section reads no rating run.
    expect(gatherReportData(ws.db, { sections: ['overview'], workspace: 'test' }).ratingEval).toBeNull();
  });

  it('a cancelled or failed evaluation is recorded as such and never reported', async () => {
    const before = listAnalysisRuns(ws.db, 'recommend-eval')[0]!.id;
    await expect(runRecommendEval(ws.db, { algo: 'svd', folds: 3, seed: 0 }, testContext(ws.path, 2))).rejects.toThrow(
      CancelledError,
    );
    await expect(
      runRecommendEval(ws.db, { algo: 'baseline', folds: 100000, seed: 0 }, testContext(ws.path)),
    ).rejects.toThrow(/too few/);
    const [failed, cancelled] = listAnalysisRuns(ws.db, 'recommend-eval');
    expect(cancelled!.status).toBe('cancelled');
    expect(failed!.status).toBe('failed');
    expect((failed!.metrics as { error: string }).error).toMatch(/too few/);
    expect(gatherReportData(ws.db, { sections: ['recommendations'], workspace: 'test' }).ratingEval?.runId).toBe(
      before,
    );
  });
});

describe('the implicit evaluation in the report names the model it evaluated', () => {
  it('an ALS run is labelled ALS, an item-kNN run item-kNN', async () => {
    const ws = tempWorkspace();
    try {
      generateSampleShop(ws.db, { customers: 300, seed: 4 });
      const base = { split: 'leave-last-out', k: 10, seed: 0 } as const;
      await runImplicitEval(ws.db, { ...base, algo: 'als', factors: 8, iterations: 2 }, testContext(ws.path));
      let data = gatherReportData(ws.db, { sections: ['recommendations'], workspace: 'test' });
      expect(renderHtml(data, 'en')).toContain('Implicit ALS against popularity (leave-last-out, top 10)');
      expect(reportTables(data, 'en').find((t) => t.name === 'Recommendation eval')?.columns[1]).toBe('Implicit ALS');
      await runImplicitEval(ws.db, base, testContext(ws.path));
      data = gatherReportData(ws.db, { sections: ['recommendations'], workspace: 'test' });
      const html = renderHtml(data, 'en');
      expect(html).toContain('Item-kNN against popularity (leave-last-out, top 10)');
      expect(html).not.toContain('Implicit ALS against popularity');
    } finally {
      ws.cleanup();
    }
  });
});
