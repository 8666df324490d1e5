import { describe, expect, it } from 'vitest';
import { fitTrendSeasonal, leastSquares, seasonalNaive, smape } from '../src-main/core/analytics/demand/forecast.ts';
import { runDemand } from '../src-main/core/analytics/demand/job.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

describe('demand estimators', () => {
  it('least squares recovers an exact line and fits the mean of noise-free points', () => {
    const b = leastSquares(
      [
        [1, 0],
        [1, 1],
        [1, 2],
      ],
      [1, 3, 5],
    );
    expect(b[0]).toBeCloseTo(1, 6);
    expect(b[1]).toBeCloseTo(2, 6);
  });

  it('trend + seasonality reproduces a planted yearly sine and trend', () => {
    const w0 = 2800;
    const y = Float64Array.from(
      { length: 156 },
      (_, t) => 50 + 0.2 * t + 10 * Math.sin((2 * Math.PI * (w0 + t)) / (365.2425 / 7)),
    );
    const m = fitTrendSeasonal(y, w0);
    expect(m.seasonal).toBe(true);
    const f = m.predict([w0 + 156, w0 + 160]);
    for (const [i, w] of [w0 + 156, w0 + 160].entries()) {
      expect(f[i]).toBeCloseTo(50 + 0.2 * (w - w0) + 10 * Math.sin((2 * Math.PI * w) / (365.2425 / 7)), 3);
    }
    // Under a year of history: trend only.
    expect(fitTrendSeasonal(y.subarray(0, 30), w0).seasonal).toBe(false);
  });

  it('seasonal naive and sMAPE by hand', () => {
    const y = Float64Array.from({ length: 60 }, (_, t) => t);
    expect(Array.from(seasonalNaive(y, 3))).toEqual([8, 9, 10]);
    expect(Array.from(seasonalNaive([4, 7], 2))).toEqual([7, 7]);
    // |10−20|/(30/2) = 66.67%, 0/0 counts 0, |0−5|/(5/2) = 200%: mean 88.89.
    expect(smape([10, 0, 0], [20, 0, 5])).toBeCloseTo((200 / 3 + 0 + 200) / 3, 9);
  });
});

describe('demand job on a sample shop', () => {
  it('beats seasonal-naive per category and flags the understocked products', async () => {
    const ws = tempWorkspace();
    try {
      generateSampleShop(ws.db, { customers: 3000, seed: 5 });
      const cat = await runDemand(ws.db, { level: 'category' }, testContext(ws.path));
      expect(cat.history.weeks).toBeGreaterThan(150);
      expect(cat.series[0]!.forecast).toHaveLength(4);
      expect(cat.metrics.smapeModel).toBeLessThan(cat.metrics.smapeBaseline);
      const prod = await runDemand(ws.db, { level: 'product', top: 10_000 }, testContext(ws.path));
      const truth = JSON.parse(
        ws.db.prepare(`SELECT value FROM meta WHERE key = 'sample_truth'`).pluck().get() as string,
      ) as { understockedSkus: string[] };
      const under = new Set(truth.understockedSkus);
      const flagged = prod.restock.map((r) => r.sku);
      const hits = flagged.filter((s) => under.has(s)).length;
      // Understocked hold 0.1–0.7 months, the others 1.5–4: four weeks of forecast should split them.
      expect(hits / under.size).toBeGreaterThan(0.8);
      expect(hits / flagged.length).toBeGreaterThan(0.8);
      expect(prod.restock.every((r) => r.forecastUnits > r.stock)).toBe(true);
      const runs = ws.db.prepare(`SELECT kind, status FROM analysis_runs`).all();
      expect(runs).toEqual([
        { kind: 'demand', status: 'completed' },
        { kind: 'demand', status: 'completed' },
      ]);
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
