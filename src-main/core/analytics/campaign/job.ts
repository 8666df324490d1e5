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
import { indexOfSorted } from '../../util/sorted.ts';
import { normCdf, tally, upliftOfTallies, type Tallies, type Uplift } from './uplift.ts';

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

/**
 * Each customer's RFM segment as of a day, kept as sorted ids and segment numbers (5 bytes a customer) rather than
 * computeRfm's object per customer; customers without a sale in the window get 'No purchase in the last year'.
 */
function rfmSegmentLookup(db: Db, asOf: string): (customerId: number) => string {
  let ids: Int32Array;
  let codes: Uint8Array;
  const names: string[] = [];
  {
    const customers = computeRfm(db, { asOf }).customers;
    const index = new Map<string, number>();
    ids = new Int32Array(customers.length);
    codes = new Uint8Array(customers.length);
    const order = Int32Array.from({ length: customers.length }, (_, i) => i).sort(
      (a, b) => customers[a]!.customerId - customers[b]!.customerId,
    );
    order.forEach((i, r) => {
      const c = customers[i]!;
      let s = index.get(c.segment);
      if (s === undefined) {
        index.set(c.segment, (s = names.length));
        names.push(c.segment);
      }
      ids[r] = c.customerId;
      codes[r] = s;
    });
  }
  return (id) => {
    const at = indexOfSorted(ids, id);
    return at >= 0 ? names[codes[at]!]! : 'No purchase in the last year';
  };
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
    // Contacts are read row by row and tallied per segment as they come: nothing per contact is kept beyond the
    // customer → segment lookup (typed arrays).
    const sends = db
      .prepare(
        `SELECT COUNT(*), SUM(arm = 'treatment'), MIN(sent_at) FROM campaign_contacts cc
         JOIN customers c ON c.id = cc.customer_id WHERE cc.campaign_id = ?`,
      )
      .raw()
      .get(camp.id) as [number, number | null, number | null];
    const [nContacts, nT] = [sends[0], sends[1] ?? 0];
    if (nT === 0 || nT === nContacts) {
      throw new UserError(`campaign ${camp.external_id} needs contacts in both a treatment and a control arm`);
    }
    let seg: (customerId: number, externalId: string) => string;
    let rfmAsOf: string | null = null;
    if (params.segments) {
      const map = params.segments;
      seg = (_id, ext) => map[ext] ?? '(unmapped)';
    } else {
      const first = sends[2] ?? camp.started_at;
      if (first === null) throw new UserError('the campaign has no send time: give a segment map instead');
      rfmAsOf = isoDay(first - DAY);
      seg = rfmSegmentLookup(db, rfmAsOf);
    }
    ctx.throwIfCancelled();
    ctx.progress(1, 2, 'estimating uplift');
    const acc: Tallies = new Map();
    const all: [number, number, number, number] = [0, 0, 0, 0];
    const contacts = db
      .prepare(
        `SELECT cc.customer_id, c.external_id, cc.arm, cc.responded FROM campaign_contacts cc
         JOIN customers c ON c.id = cc.customer_id WHERE cc.campaign_id = ?`,
      )
      .raw()
      .iterate(camp.id) as IterableIterator<[number, string, 'treatment' | 'control', number]>;
    for (const [id, ext, armName, responded] of contacts) {
      const treated = armName === 'treatment';
      tally(acc, seg(id, ext), treated, responded === 1);
      const k = treated ? 0 : 2;
      all[k]!++;
      if (responded === 1) all[k + 1]!++;
    }
    const { segment: _all, ...overall } = upliftOfTallies(new Map([['all', all]]))[0]!;
    const per = upliftOfTallies(acc);
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
