import { describe, expect, it } from 'vitest';
import { runCampaign } from '../src-main/core/analytics/campaign/job.ts';
import { normCdf, uplift, upliftBySegment } from '../src-main/core/analytics/campaign/uplift.ts';
import { UserError } from '../src-main/core/jobs/context.ts';
import { generateSampleShop } from '../src-main/core/sample/index.ts';
import { tempWorkspace, testContext } from './helpers/workspace.ts';

describe('uplift estimator', () => {
  it('matches a hand-worked difference of proportions', () => {
    // 20/100 vs 10/100: d = 0.1, SE = √(0.16/100 + 0.09/100) = 0.05, z = 2.
    const u = uplift(100, 20, 100, 10);
    expect(u.uplift).toBeCloseTo(0.1, 12);
    expect(u.se).toBeCloseTo(0.05, 12);
    expect(u.ci95[0]).toBeCloseTo(0.1 - 1.959964 * 0.05, 6);
    expect(u.ci95[1]).toBeCloseTo(0.1 + 1.959964 * 0.05, 6);
    expect(u.pValue).toBeCloseTo(0.0455, 4);
    expect(u.normalApproxOk).toBe(true);
    expect(uplift(10, 1, 10, 0).normalApproxOk).toBe(false);
    // No variance and no difference: p-value 1.
    expect(uplift(10, 0, 10, 0).pValue).toBe(1);
  });

  it('normal CDF', () => {
    expect(normCdf(0)).toBeCloseTo(0.5, 7);
    expect(normCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('tallies rows per segment', () => {
    const rows = [
      { segment: 'a', arm: 'treatment' as const, responded: true },
      { segment: 'a', arm: 'treatment' as const, responded: false },
      { segment: 'a', arm: 'control' as const, responded: false },
      { segment: 'b', arm: 'control' as const, responded: true },
    ];
    const s = upliftBySegment(rows);
    expect(s.map((x) => [x.segment, x.treatment.n, x.treatment.responders, x.control.n, x.uplift])).toEqual([
      ['a', 2, 1, 1, 0.5],
      ['b', 0, 0, 1, -1],
    ]);
  });
});

describe('campaign job on a sample shop', () => {
  it('finds the planted uplift on bargain hunters only (latent segments as the map)', async () => {
    const ws = tempWorkspace();
    try {
      generateSampleShop(ws.db, { customers: 3000, seed: 7 });
      const map = Object.fromEntries(
        ws.db
          .prepare(
            `SELECT c.external_id, t.segment FROM sample_truth_customers t JOIN customers c ON c.id = t.customer_id`,
          )
          .raw()
          .all() as [string, string][],
      );
      const r = await runCampaign(ws.db, { segments: map }, testContext(ws.path));
      expect(r.campaign.externalId).toBe('CMP-2025-WINTER');
      const bargain = r.bySegment.find((s) => s.segment === 'bargain')!;
      const loyal = r.bySegment.find((s) => s.segment === 'loyal')!;
      expect(bargain.ci95[0]).toBeGreaterThan(0);
      // Planted +12 points: the estimate lies within 3 SE of it.
      expect(Math.abs(bargain.uplift - 0.12)).toBeLessThan(3 * bargain.se);
      expect(loyal.ci95[0]).toBeLessThan(0);
      expect(loyal.ci95[1]).toBeGreaterThan(0);
      expect(r.movedUp).toEqual(['bargain']);
      expect(bargain.significantAdjusted).toBe(true);
      // Overall the arms are the whole eligible population.
      expect(r.overall.treatment.n + r.overall.control.n).toBe(
        ws.db.prepare(`SELECT COUNT(*) FROM campaign_contacts`).pluck().get(),
      );

      // RFM segmentation (as of the day before sending) runs too and records the run.
      const rfm = await runCampaign(ws.db, { campaign: 'CMP-2025-WINTER' }, testContext(ws.path));
      expect(rfm.segmentation).toBe('rfm');
      expect(rfm.rfmAsOf).toBe('2025-11-30');
      expect(rfm.bySegment.reduce((a, s) => a + s.treatment.n + s.control.n, 0)).toBe(
        rfm.overall.treatment.n + rfm.overall.control.n,
      );
      const statuses = ws.db.prepare(`SELECT kind, status FROM analysis_runs ORDER BY id`).all();
      expect(statuses).toEqual([
        { kind: 'campaign', status: 'completed' },
        { kind: 'campaign', status: 'completed' },
      ]);
      await expect(runCampaign(ws.db, { campaign: 'NOPE' }, testContext(ws.path))).rejects.toThrow(UserError);
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
