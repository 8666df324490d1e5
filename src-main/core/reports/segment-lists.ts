/**
 * What to promote to each RFM segment: item-kNN scores summed over the
 * segment's members (the same model as `recommend for --segment`), fitted
 * once for all segments instead of once per segment — or read from the
 * workspace's stored model (model-store.ts) when `recommend` already fitted it,
 * so a report of a million-customer shop does not refit item-kNN.
 */
import type { Db } from '../db/workspace.ts';
import type { RfmJobResult } from '../analytics/jobs.ts';
import { computeRfm } from '../analytics/rfm.ts';
import { servingModel } from '../recommend/implicit/model-store.ts';
import { indexOfSorted } from '../util/sorted.ts';

export interface SegmentList {
  segment: string;
  customers: number;
  items: { sku: string; title: string | null; score: number }[];
}

/**
 * Each user's segment index as of the stored RFM run: from the run's stored per-customer scores (rfm_scores, read
 * row by row) when they are still kept, else recomputed as of the run's day.
 */
function membership(db: Db, rfmRun: RfmJobResult, runId: number | undefined, userIds: Int32Array, names: string[]) {
  const index = new Map(names.map((name, i) => [name, i]));
  const segmentOf = new Int32Array(userIds.length).fill(-1);
  const sorted = userIds.every((id, i) => i === 0 || userIds[i - 1]! < id);
  const byId = sorted ? null : new Map(Array.from(userIds, (id, i) => [id, i]));
  const at = (id: number) => (byId ? (byId.get(id) ?? -1) : indexOfSorted(userIds, id));
  const stored =
    runId !== undefined &&
    db.prepare(`SELECT 1 FROM rfm_scores WHERE run_id = ? LIMIT 1`).pluck().get(runId) !== undefined;
  if (stored) {
    const rows = db
      .prepare(`SELECT customer_id, segment FROM rfm_scores WHERE run_id = ?`)
      .raw()
      .iterate(runId) as IterableIterator<[number, string]>;
    for (const [id, segment] of rows) {
      const u = at(id);
      if (u >= 0) segmentOf[u] = index.get(segment) ?? -1;
    }
  } else {
    for (const c of computeRfm(db, { asOf: rfmRun.asOf, windowDays: rfmRun.windowDays }).customers) {
      const u = at(c.customerId);
      if (u >= 0) segmentOf[u] = index.get(c.segment) ?? -1;
    }
  }
  return segmentOf;
}

export function segmentRecommendations(db: Db, rfmRun: RfmJobResult, n: number, runId?: number): SegmentList[] {
  const sales = db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM order_items oi JOIN orders o ON o.id = oi.order_id
         WHERE o.status NOT IN ('cancelled', 'returned') AND o.customer_id IS NOT NULL AND oi.quantity > 0)`,
    )
    .pluck()
    .get() as number;
  if (!sales) return [];
  const served = servingModel(db, { algo: 'item-knn', neighbours: Math.max(50, n) });
  if (served.itemIds.length === 0) return [];
  // Membership as of the stored run, so the lists match the segment table above them.
  const names = rfmRun.segments.filter((s) => s.customers > 0).map((s) => s.segment);
  const segmentOf = membership(db, rfmRun, runId, served.userIds, names);
  const lists = served.rec.bySegment(segmentOf, names.length, n);
  const product = db.prepare('SELECT sku, title FROM products WHERE id = ?');
  return names.map((segment, s) => ({
    segment,
    customers: rfmRun.segments.find((x) => x.segment === segment)?.customers ?? 0,
    items: (lists[s] ?? []).map((r) => ({
      ...(product.get(served.itemIds[r.item]!) as { sku: string; title: string | null }),
      score: r.score,
    })),
  }));
}
