/**
 * The campaign job: did a randomized campaign change response, overall and
 * per segment? Segments are the RFM segments as of the day before sending
 * (so the campaign's own orders cannot move a customer between segments), or
 * a given customer → segment map. A segment "moved" when its 95% interval
 * excludes 0; with many segments some intervals exclude 0 by chance, so a
 * Bonferroni-adjusted flag is reported too.
 */
import type { Db } from '../../db/workspace.ts';
import { UserError, type JobContext } from '../../jobs/context.ts';
import { computeRfm } from '../rfm.ts';
import { failRun, finishRun, startRun } from '../run-record.ts';
import { normCdf, upliftBySegment, type Uplift } from './uplift.ts';

export interface CampaignParams {
  /** Campaign external id (default: the latest by start time). */
  campaign?: string;
  /** Customer external id → segment; when given it replaces RFM. Customers missing from it are "(unmapped)". */
  segments?: Record<string, string>;
}

export interface SegmentUplift extends Uplift {
  segment: string;
  /** 95% interval excludes 0 (unadjusted). */
  significant: boolean;
  /** Still excludes 0 at the Bonferroni level 0.05 / number of segments. */
  significantAdjusted: boolean;
}

export interface CampaignResult {
  runId: number;
  campaign: { externalId: string; name: string | null; startedAt: string | null };
  segmentation: 'rfm' | 'map';
  /** RFM as of this day (the day before the first send), when segmentation is rfm. */
  rfmAsOf: string | null;
  method: string;
  overall: Uplift;
  bySegment: SegmentUplift[];
  /** Segments whose interval lies above 0, most uplift first. */
  movedUp: string[];
  /** Segments whose interval lies below 0. */
  movedDown: string[];
}

const DAY = 86_400;
const isoDay = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

/** z such that P(|Z| > z) = alpha, by bisection on the normal CDF. */
function zTwoSided(alpha: number): number {
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (2 * (1 - normCdf(mid)) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export async function runCampaign(db: Db, params: CampaignParams, ctx: JobContext): Promise<CampaignResult> {
  const runId = startRun(db, 'campaign', params);
  try {
    ctx.progress(0, 2, 'reading contacts');
    const camp = (
      params.campaign !== undefined
        ? db
            .prepare(`SELECT id, external_id, name, started_at FROM campaigns WHERE external_id = ?`)
            .get(params.campaign)
        : db
            .prepare(
              `SELECT id, external_id, name, started_at FROM campaigns ORDER BY started_at DESC, id DESC LIMIT 1`,
            )
            .get()
    ) as { id: number; external_id: string; name: string | null; started_at: number | null } | undefined;
    if (!camp)
      throw new UserError(params.campaign ? `no campaign "${params.campaign}"` : 'no campaigns in this workspace');
    const contacts = db
      .prepare(
        `SELECT cc.customer_id, c.external_id, cc.arm, cc.responded, cc.sent_at FROM campaign_contacts cc
         JOIN customers c ON c.id = cc.customer_id WHERE cc.campaign_id = ?`,
      )
      .raw()
      .all(camp.id) as [number, string, 'treatment' | 'control', number, number | null][];
    const nT = contacts.filter((c) => c[2] === 'treatment').length;
    if (nT === 0 || nT === contacts.length) {
      throw new UserError(`campaign ${camp.external_id} needs contacts in both a treatment and a control arm`);
    }
    let seg: (customerId: number, externalId: string) => string;
    let rfmAsOf: string | null = null;
    if (params.segments) {
      const map = params.segments;
      seg = (_id, ext) => map[ext] ?? '(unmapped)';
    } else {
      const sends = contacts.map((c) => c[4]).filter((t): t is number => t !== null);
      const first = sends.length ? sends.reduce((a, b) => Math.min(a, b)) : camp.started_at;
      if (first === null) throw new UserError('the campaign has no send time: give a segment map instead');
      rfmAsOf = isoDay(first - DAY);
      const rfm = new Map(computeRfm(db, { asOf: rfmAsOf }).customers.map((c) => [c.customerId, c.segment]));
      seg = (id) => rfm.get(id) ?? 'No purchase in the last year';
    }
    ctx.throwIfCancelled();
    ctx.progress(1, 2, 'estimating uplift');
    const rows = contacts.map((c) => ({ segment: seg(c[0], c[1]), arm: c[2], responded: c[3] === 1 }));
    const all = upliftBySegment(rows.map((r) => ({ ...r, segment: 'all' })))[0]!;
    const { segment: _all, ...overall } = all;
    const per = upliftBySegment(rows);
    const zAdj = zTwoSided(0.05 / per.length);
    const bySegment = per.map((s): SegmentUplift => ({
      ...s,
      significant: s.ci95[0] > 0 || s.ci95[1] < 0,
      significantAdjusted: s.se > 0 && Math.abs(s.uplift) > zAdj * s.se,
    }));
    const result: CampaignResult = {
      runId,
      campaign: {
        externalId: camp.external_id,
        name: camp.name,
        startedAt: camp.started_at === null ? null : new Date(camp.started_at * 1000).toISOString(),
      },
      segmentation: params.segments ? 'map' : 'rfm',
      rfmAsOf,
      method:
        'difference of proportions, unpooled normal (Wald) approximation, 95% interval; per-segment intervals unadjusted (Bonferroni flag separate)',
      overall,
      bySegment,
      movedUp: bySegment
        .filter((s) => s.ci95[0] > 0)
        .sort((a, b) => b.uplift - a.uplift)
        .map((s) => s.segment),
      movedDown: bySegment.filter((s) => s.ci95[1] < 0).map((s) => s.segment),
    };
    finishRun(db, runId, { uplift: overall.uplift, ci95: overall.ci95, movedUp: result.movedUp }, result);
    return result;
  } catch (err) {
    failRun(db, runId, err);
    throw err;
  }
}
